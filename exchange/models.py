"""Department data comparison: batches, rules as data, the work queue of items and run figures.

A batch's rows live in a Parquet file under DATA_DIR (a 医保 file has millions of rows); the
database keeps the batch summary, the rules, and one `Item` per (rule, person or household,
evidence) — so the same problem found again next month is the same item, not a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import DataFileField
from core.scoping import ScopedQuerySet, region_q, whole_tree

SOURCE_CHOICES = [
    ("medical", "医保"),
    ("disability", "残联"),
    ("civil", "民政"),
    ("education", "教育"),
    ("housing", "住建"),
    ("employment", "人社"),
    ("disaster", "应急管理"),
    ("civil_registry", "公安"),
    ("register", "台账内部校验"),
]


class Severity(models.TextChoices):
    RED = "red", _("红色")
    YELLOW = "yellow", _("黄色")


class Kind(models.TextChoices):
    WARNING = "warning", _("预警")
    FINDING = "finding", _("疑点")


class Rule(models.Model):
    """A comparison or check rule; the SQL lives in code (exchange.rules), the numbers here."""

    code = models.CharField(_("规则编码"), max_length=40, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    sources = models.JSONField(_("所需数据"), default=list, blank=True)
    parameters = models.JSONField(_("默认参数"), default=dict, blank=True)
    explanation = models.CharField(_("说明模板"), max_length=300, blank=True)
    risk = models.CharField(_("对应风险类型"), max_length=20, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    description = models.TextField(_("规则说明"), blank=True)

    class Meta:
        verbose_name = _("比对规则")
        verbose_name_plural = _("比对规则")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def source_names(self) -> list[str]:
        """The data a rule needs, by its Chinese name (医保, 台账内部校验…)."""
        names = dict(SOURCE_CHOICES)
        return [str(names.get(code, code)) for code in self.sources or []]

    def parameters_for(self, year: int, region: Any = None) -> dict:
        """Defaults overlaid with the year's settings that cover `region` (see `setting_for`)."""
        return self.setting_for(year, region)[0]

    def setting_for(self, year: int, region: Any = None) -> tuple[dict, bool]:
        """(parameters, enabled) of the rule in `year` for `region`: the defaults, then the
        setting for every county (made before settings had a region), then those of the
        regions above `region` and its own, nearest last (policy rule 29: per county).
        Reads `yearly` as prefetched, if it was."""
        above = region.path_ids if region is not None else []
        covering = [
            s
            for s in self.yearly.all()
            if s.year == year and (s.region_id is None or s.region_id in above)
        ]
        covering.sort(key=lambda s: -1 if s.region_id is None else above.index(s.region_id))
        return overlay(self, covering)


def overlay(rule: Rule, settings: Iterable[RuleYear]) -> tuple[dict, bool]:
    """The rule's defaults overlaid with `settings`, which cover one place, the widest first."""
    merged, enabled = dict(rule.parameters), rule.enabled
    for setting in settings:
        merged.update(setting.parameters)
        if setting.enabled is not None:
            enabled = setting.enabled
    return merged, enabled


class RuleYear(models.Model):
    """A county admin's parameters of a rule for one year and their county (policy.md: thresholds
    change yearly, and each county sets its own); no region: a setting for every county."""

    # The (rule, year, region) index serves a lookup by rule: none of its own.
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="yearly", db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空表示所有县适用"),
    )
    parameters = models.JSONField(_("参数"), default=dict)
    enabled = models.BooleanField(_("启用"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度规则参数")
        verbose_name_plural = _("年度规则参数")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "year", "region"], name="rule_year_region_unique"
            ),
            # NULLs are distinct to a unique index: one setting for every county, made explicit.
            models.UniqueConstraint(
                fields=["rule", "year"],
                condition=Q(region__isnull=True),
                name="rule_year_unique_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.year}"


class BatchQuerySet(ScopedQuerySet):
    region_field = "region"

    def visible_to(self, user: Any, *, whole: bool = False) -> Self:
        """Batches of the user's region and below, and the county's (or town's) batches above it:
        a town sees the county's 医保 file, though only its own items in it; a command's batch
        (every county) is above all.

        With `whole`, only the batches whose whole scope the user sees (their region or below; a
        command's only the whole region tree): the file's own figures, its people on no register
        and its error rows are theirs to read, not a town's or a village's below."""
        region = getattr(user, "region", None) if getattr(user, "is_authenticated", False) else None
        if region is None:
            return self.none()
        if whole_tree(region):
            return self  # the county sees every batch (an empty Q() would vanish in the OR)
        inside = region_q(user, "region")
        if whole:
            return self.filter(inside)
        above = [int(pk) for pk in region.path.strip("/").split("/") if pk]
        return self.filter(inside | Q(region_id__in=above) | Q(region__isnull=True))


class Batch(models.Model):
    """One department file as received: who sent it, what it held, what came of it."""

    class Status(models.TextChoices):
        DONE = "done", _("已比对")
        REJECTED = "rejected", _("已拒收")

    source = models.CharField(_("数据来源"), max_length=20, choices=SOURCE_CHOICES[:-1])
    filename = models.CharField(_("文件名"), max_length=200)
    as_of = models.DateField(_("比对基准日"))
    # None: every county on the server (a `fangpin compare`, which no county's admin runs).
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("比对范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    records = models.PositiveIntegerField(_("记录数"), default=0)
    matched = models.PositiveIntegerField(_("匹配数"), default=0)
    unmatched = models.PositiveIntegerField(_("未匹配数"), default=0)
    rejected_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    warnings_created = models.PositiveIntegerField(_("新增预警"), default=0)
    findings_created = models.PositiveIntegerField(_("新增疑点"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    unmatched_sample = models.JSONField(_("未匹配示例"), default=list, blank=True)
    rows_file = DataFileField(_("明细文件"), max_length=300, blank=True)
    # {region pk: rows matched to that region's people} as compared, so a town reading the
    # county's batch is told its own share; None for a batch compared before it was kept.
    matched_regions = models.JSONField(_("各区划匹配数"), null=True, blank=True)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("比对批次")
        verbose_name_plural = _("比对批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.filename}"

    @property
    def department(self) -> str:
        return self.get_source_display()


class ItemQuerySet(ScopedQuerySet):
    region_field = "region"

    def open(self) -> ItemQuerySet:
        return self.filter(status__in=[Item.Status.OPEN, Item.Status.ASSIGNED])


class Item(models.Model):
    """A warning (预警: a new risk to verify) or a finding (疑点: the register disagrees)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        ASSIGNED = "assigned", _("已分派")
        DONE = "done", _("已办结")
        CLOSED = "closed", _("已自动关闭")

    class Result(models.TextChoices):
        MONITOR = "纳入监测", _("纳入监测")
        DISMISS = "不纳入", _("不纳入")
        CORRECTED = "已修正", _("已修正")

    # The (rule, status) index serves a lookup by rule: none of its own.
    rule = models.ForeignKey(Rule, verbose_name=_("规则"), on_delete=models.PROTECT, db_index=False)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, db_index=True)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    source = models.CharField(_("数据来源"), max_length=20, choices=SOURCE_CHOICES)
    # The (household, status) index serves a lookup by household: none of its own.
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("区划台账（项目、资产、整改等）的问题没有户"),
        db_index=False,
    )
    # The (region, status) index serves a lookup by region: none of its own.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("户所在区划，或区划类问题的区划"),
        db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("成员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    fingerprint = models.CharField(_("指纹"), max_length=64, unique=True)
    evidence_key = models.CharField(_("证据键"), max_length=200, blank=True)
    evidence = models.JSONField(_("证据"), default=dict)
    message = models.CharField(_("说明"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    first_batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    first_seen = models.DateTimeField(_("首次发现"), auto_now_add=True)
    last_seen = models.DateTimeField(_("最近发现"))
    times_seen = models.PositiveIntegerField(_("发现次数"), default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.CharField(_("核实结果"), max_length=10, choices=Result.choices, blank=True)
    result_note = models.CharField(_("处理说明"), max_length=500, blank=True)
    changed_fields = models.JSONField(_("修正内容"), default=list, blank=True)
    lead = models.ForeignKey(
        "monitoring.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    objects = ItemQuerySet.as_manager()
    # 变更记录 (core.audit.describe): names for the keys left with Django's English default.
    audit_labels = {
        "first_batch": "首次发现批次",
        "last_batch": "最近发现批次",
        "resolved_by": "处理人",
    }

    class Meta:
        verbose_name = _("预警疑点")
        verbose_name_plural = _("预警疑点")
        ordering = ["-last_seen", "-id"]
        indexes = [
            models.Index(fields=["rule", "status"]),
            models.Index(fields=["household", "status"]),
            models.Index(fields=["region", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code}：{self.message[:40]}"


class RuleRunStat(models.Model):
    """How often a rule fired per village on one run: the dashboard's figures over time."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="stats")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL)
    run_at = models.DateTimeField(_("运行时间"), db_index=True)
    fired = models.PositiveIntegerField(_("触发数"), default=0)
    new = models.PositiveIntegerField(_("新增数"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("规则运行统计")
        verbose_name_plural = _("规则运行统计")
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"{self.rule_id}@{self.region_id}: {self.fired}"
