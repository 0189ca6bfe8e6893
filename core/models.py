"""Cross-cutting records: the audit trail and background jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedQuerySet


def import_record_field() -> models.ForeignKey[AuditRecord | None, AuditRecord | None]:
    """The import that created a row (its audit record: file name, sha256, counts), instead of a
    "create" record of the row's own; blank for a row made by hand. Later changes are audited
    one by one either way. No constraint and no index: it is only read for one row's page."""
    return models.ForeignKey(
        "core.AuditRecord",
        verbose_name=_("导入记录"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,  # audit records are never deleted
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


def import_row_field() -> models.PositiveIntegerField[int | None, int | None]:
    """The row of the import's file a row was created from (the spreadsheet's own number)."""
    return models.PositiveIntegerField(_("导入行号"), null=True, blank=True, editable=False)


class DataFileField(models.CharField):
    """The path of a file under FANGPIN_DATA_DIR (an upload, an error workbook, a department
    batch's rows), kept in the database relative to the data dir, so a backup restored into
    another one (`fangpin restore`, formats.md §3) finds its files there, not in the old
    directory. Python sees the absolute path as a str; one outside the data dir is kept whole."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return str(Path(settings.DATA_DIR) / value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        path, data_dir = Path(value), Path(settings.DATA_DIR)
        return path.relative_to(data_dir).as_posix() if path.is_relative_to(data_dir) else value


def relative_data_files(model: Any, *fields: str, folder: str) -> None:
    """Turn a model's paths of files in the data dir's `folder`, recorded whole before
    `DataFileField`, into paths within the data dir — whichever data dir they were recorded in
    (a database restored from another machine's backup too). For a data migration."""
    for field in fields:
        for pk, value in model.objects.exclude(**{field: ""}).values_list("pk", field).iterator():
            parts = Path(value).parts
            if len(parts) > 2 and parts[-2] == folder:
                model.objects.filter(pk=pk).update(**{field: f"{folder}/{parts[-1]}"})


class AuditRecordQuerySet(ScopedQuerySet):
    region_field = "region"


class AuditRecord(models.Model):
    """One change (or one sensitive read) of people's data: who, when, what, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        IMPORT = "import", _("导入")
        VIEW_SENSITIVE = "view_sensitive", _("查看敏感信息")
        EXPORT = "export", _("导出")
        SEARCH = "search", _("按证件号码查询")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKOUT = "lockout", _("登录锁定")
        UNLOCK = "unlock", _("解除锁定")
        LOGOUT = "logout", _("退出登录")
        ACTION = "action", _("操作")

    # Reads of people's full data: what the auditors' page lists (who saw whose full data).
    READS = (Action.VIEW_SENSITIVE, Action.EXPORT, Action.SEARCH)

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_records",
        db_constraint=False,  # a record keeps the id it names, like household_id below
    )
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    household_id = models.BigIntegerField(_("户"), null=True, blank=True, db_index=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True)
    ip = models.CharField(_("地址"), max_length=64, blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field whose value differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class JobQuerySet(ScopedQuerySet):
    region_field = "region"

    def visible_to(self, user: Any) -> JobQuerySet:
        """A user sees the jobs they started, plus, for admins, every job of their region."""
        qs = super().visible_to(user)
        if getattr(user, "role", "") == "county_admin":
            return qs
        return qs.filter(created_by=user)


class Job(models.Model):
    """A long task (import, comparison, report) run by `fangpin worker`, with progress to poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=40, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.CharField(_("当前步骤"), max_length=300, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The running worker writes its heartbeat every FANGPIN_JOB_HEARTBEAT_SECONDS; `worker` is
    # host:pid:start of the process, so a restarted worker knows a dead one's jobs (core.jobs).
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    worker = models.CharField(_("执行进程"), max_length=120, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def done(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}


def installed_province() -> str:
    """This installation's province (FANGPIN_PROVINCE): the scope of its code-table edits."""
    return settings.FANGPIN_PROVINCE


class CodeEditQuerySet(models.QuerySet):
    def here(self) -> CodeEditQuerySet:
        """The edits of this installation's province."""
        return self.filter(province=installed_province())

    def rows(self, year: int) -> list[tuple[str, str, str, str]]:
        """(table, value, action, target) of the edits in force here in `year`, oldest year
        first: what `core.codes.merge` reads."""
        qs = self.here().filter(year__lte=year).order_by("year", "pk")
        return list(qs.values_list("table", "value", "action", "target"))


class CodeEdit(models.Model):
    """An office's change to a code table (core.codes), from a year on: a value added, a value
    retired (or restored in a later year), an alias added. The national defaults stay in code;
    these rows are only the differences, so none at all means the defaults."""

    class Action(models.TextChoices):
        ADD = "add", _("增加（或恢复）")
        RETIRE = "retire", _("停用")
        ALIAS = "alias", _("别名")

    province = models.CharField(_("省份代码"), max_length=2, default=installed_province)
    year = models.PositiveSmallIntegerField(_("起始年度"))
    table = models.CharField(_("代码表"), max_length=60)
    value = models.CharField(_("代码值"), max_length=60)
    action = models.CharField(_("变更"), max_length=6, choices=Action.choices)
    target = models.CharField(_("别名对应的值"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CodeEditQuerySet.as_manager()

    class Meta:
        verbose_name = _("代码表变更")
        verbose_name_plural = _("代码表变更")
        ordering = ["table", "year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "table", "value", "year"], name="code_edit_unique_per_year"
            )
        ]

    def __str__(self) -> str:
        from core import codes

        title = codes.TITLES.get(self.table, self.table)
        what = f"“{self.value}”→“{self.target}”" if self.target else f"“{self.value}”"
        return f"{title}：{self.year}年起{self.get_action_display()}{what}"


class CodeTablesVersion(models.Model):
    """One row whose token changes with every code-table edit, in the edit's transaction: each
    process compares it with the token its in-memory tables were read at (core.codes.refresh).
    A token, not a counter: a rolled-back edit must not leave a number another edit reuses."""

    token = models.CharField(_("版本"), max_length=32)

    class Meta:
        verbose_name = _("代码表版本")
        verbose_name_plural = _("代码表版本")

    def __str__(self) -> str:
        return self.token
