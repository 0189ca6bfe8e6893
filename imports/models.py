"""导入批次: one uploaded registry file, its check results and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import DataFileField
from core.scoping import ScopedQuerySet


class ImportBatchQuerySet(ScopedQuerySet):
    region_field = "region"


class ImportBatch(models.Model):
    """An uploaded file (标准户籍台账 or a ledger): checked first (preview), imported after
    confirmation."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        CHECKING = "checking", _("检查中")
        VALID = "valid", _("待确认")
        REJECTED = "rejected", _("有错误")
        IMPORTING = "importing", _("导入中")
        IMPORTED = "imported", _("已导入")
        FAILED = "failed", _("失败")

    kind = models.CharField(
        _("类型"), max_length=40, default="registry", help_text=_("registry 或台账类型，如 yulu")
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_path = DataFileField(_("保存位置"), max_length=400)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    create_regions = models.BooleanField(_("创建区划"), default=False)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    warnings = models.JSONField(_("提示（前若干条）"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors_path = DataFileField(_("错误说明文件"), max_length=400, blank=True)
    job = models.ForeignKey(
        "core.Job",
        verbose_name=_("后台任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("上传人区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def busy(self) -> bool:
        return self.status in {self.Status.UPLOADED, self.Status.CHECKING, self.Status.IMPORTING}
