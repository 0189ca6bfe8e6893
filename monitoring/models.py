"""Monitoring: leads (线索) from every channel. The identification procedure builds on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import codes
from core.masking import mask_id, mask_phone
from core.scoping import ScopedQuerySet


class LeadQuerySet(ScopedQuerySet):
    region_field = "region"

    def open(self) -> LeadQuerySet:
        return self.filter(status__in=[Lead.Status.NEW, Lead.Status.CASE_OPENED])


class Lead(models.Model):
    """A risk clue about a household (or a person not yet in the register), from any channel."""

    class Status(models.TextChoices):
        NEW = "new", _("待研判")
        MERGED = "merged", _("已合并")
        DISMISSED = "dismissed", _("不予纳入")
        CASE_OPENED = "case_opened", _("已启动识别")
        CLOSED = "closed", _("已办结")

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村"), on_delete=models.PROTECT, related_name="leads"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    source = models.CharField(_("线索来源"), max_length=10, choices=codes.choices("lead_source"))
    risks = models.CharField(_("反映风险"), max_length=120, blank=True)
    description = models.TextField(_("困难情况"), blank=True)
    person_name = models.CharField(_("姓名"), max_length=60, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=22, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_name = models.CharField(_("报告人姓名"), max_length=60, blank=True)
    reported_date = models.DateField(_("发现日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_leads",
    )
    dismiss_reason = models.CharField(_("不予纳入原因"), max_length=300, blank=True)
    origin = models.CharField(
        _("来源记录"),
        max_length=60,
        blank=True,
        help_text=_("产生线索的记录，如 exchange.warning:12、assistance.screening:5"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        ordering = ["-reported_date", "-id"]

    def __str__(self) -> str:
        who = self.household.head_name if self.household_id and self.household else self.person_name
        return f"{self.get_source_display()}线索：{who or '—'}（{self.reported_date}）"

    def masked_id(self) -> str:
        return mask_id(self.id_number)

    def masked_phone(self) -> str:
        return mask_phone(self.phone)
