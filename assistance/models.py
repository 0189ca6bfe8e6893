"""Assistance: 一户一策 measures (contacts, visits and screenings build on the same app)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import codes
from core.batching import chunks
from core.scoping import ScopedQuerySet
from ledgers import kit


class MeasureQuerySet(ScopedQuerySet):
    region_field = "household__region"

    def active_on(self, date: object) -> MeasureQuerySet:
        """Measures running on a date (started, not yet ended or stopped)."""
        return (
            self.filter(models.Q(start_date__isnull=True) | models.Q(start_date__lte=date))
            .filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=date))
            .exclude(status=Measure.Status.STOPPED)
        )


class Measure(models.Model):
    """One assistance measure for a household, in a category of policy.md §3.2."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划")
        ONGOING = "ongoing", _("实施中")
        DONE = "done", _("已完成")
        STOPPED = "stopped", _("已终止")

    # The (household, category) index serves a lookup by household: none of its own.
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="measures",
        db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("受益成员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("一人一措施：措施落到户内哪位成员"),
    )
    category = models.CharField(_("措施类别"), max_length=12, choices=codes.choices("measure"))
    subtype = models.CharField(_("具体措施"), max_length=60, blank=True)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    ledger_kind = models.CharField(
        _("关联台账"),
        max_length=40,
        blank=True,
        help_text=_("措施对应的台账记录（公益性岗位、小额信贷、奖补等），如 posts"),
    )
    ledger_row_id = models.PositiveBigIntegerField(_("关联台账记录"), null=True, blank=True)
    responsible = models.CharField(_("责任人"), max_length=60, blank=True)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ONGOING
    )
    outcome = models.CharField(_("成效"), max_length=300, blank=True)
    continues_after_elimination = models.BooleanField(_("风险消除后继续"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["household_id", "-start_date", "-id"]
        indexes = [models.Index(fields=["household", "category"])]

    def __str__(self) -> str:
        return f"{self.category}{'·' + self.subtype if self.subtype else ''}"

    @property
    def is_developmental(self) -> bool:
        return self.category in codes.DEVELOPMENTAL_MEASURES

    def ledger_row(self) -> Any:
        """The ledger record this measure stands for (a post, a loan, a payment), or None."""
        if not self.ledger_kind or self.ledger_row_id is None:
            return None
        try:
            ledger = kit.ledger(self.ledger_kind)
        except KeyError:
            return None
        return ledger.model.objects.filter(pk=self.ledger_row_id).first()


def ledger_term_ends(links: Iterable[tuple[str, int]]) -> dict[tuple[str, int], dt.date | None]:
    """The real end of the ledger records measures link to (a post's 退岗日期 or contract end, a
    loan's 到期日期): {(kind, row id): date or None}. A ledger says which of its columns end a
    record's term, first given first, by `extra={"term_end": (field, …)}`; one query per kind."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, pk in links:
        wanted[kind].add(pk)
    out: dict[tuple[str, int], dt.date | None] = {}
    for kind, ids in wanted.items():
        try:
            ledger = kit.ledger(kind)
        except KeyError:
            continue
        fields = tuple(ledger.extra.get("term_end", ()))
        if not fields:
            continue
        for chunk in chunks(sorted(ids)):
            for pk, *ends in ledger.model.objects.filter(pk__in=chunk).values_list("pk", *fields):
                out[(kind, pk)] = next((e for e in ends if e is not None), None)
    return out


class ContactQuerySet(ScopedQuerySet):
    region_field = "household__region"

    def current(self) -> ContactQuerySet:
        """The contacts in charge now (no end date)."""
        return self.filter(end_date__isnull=True)


class Contact(models.Model):
    """帮扶联系人 of a household for a period: a user of the system or an external cadre."""

    # The (household, end_date) index serves a lookup by household: none of its own.
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="contacts",
        db_index=False,
    )
    # The (user, end_date) index serves a lookup by user: none of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assistance_contacts",
        db_index=False,
    )
    name = models.CharField(_("姓名"), max_length=60)
    unit = models.CharField(_("帮扶(选派)单位"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    start_date = models.DateField(_("帮扶开始时间"))
    end_date = models.DateField(_("帮扶结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶联系人")
        verbose_name_plural = _("帮扶联系人")
        ordering = ["household_id", "-start_date", "-id"]
        indexes = [
            models.Index(fields=["household", "end_date"]),
            models.Index(fields=["user", "end_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


class VisitRule(models.Model):
    """How often a group of households must be visited; drives the overdue-visits list."""

    class Target(models.TextChoices):
        # Order matters: a household belongs to the first group it matches.
        MONITORED = "monitored", _("未消除风险的监测对象")
        ELIMINATED = "eliminated", _("已消除风险的监测对象")
        ALLEVIATED = "alleviated", _("脱贫户（非监测对象）")

    target = models.CharField(_("适用对象"), max_length=12, choices=Target.choices, unique=True)
    interval_days = models.PositiveSmallIntegerField(_("走访间隔（天）"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("走访频次规则")
        verbose_name_plural = _("走访频次规则")
        ordering = ["target"]

    def __str__(self) -> str:
        return f"{self.get_target_display()}：每{self.interval_days}天"


class VisitQuerySet(ScopedQuerySet):
    region_field = "household__region"


class Visit(models.Model):
    """走访: one visit of a cadre to a household, with the「四个一」checklist."""

    class Kind(models.TextChoices):
        ROUTINE = "日常走访", _("日常走访")
        VERIFY = "入户核查", _("入户核查")
        SCREENING = "集中排查", _("集中排查")
        FOLLOW_UP = "回访", _("回访")

    # The (household, date) index serves a lookup by household: none of its own.
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="visits",
        db_index=False,
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistance_visits",
    )
    date = models.DateField(_("走访日期"))
    kind = models.CharField(_("走访类型"), max_length=6, choices=Kind.choices, default=Kind.ROUTINE)
    talked = models.BooleanField(_("谈一次心"), default=False)
    measures_reviewed = models.BooleanField(_("梳理一遍帮扶措施"), default=False)
    data_verified = models.BooleanField(_("核实一遍基础数据"), default=False)
    environment_tidied = models.BooleanField(_("整治一次人居环境"), default=False)
    notes = models.TextField(_("走访情况"), blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["household", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"

    @property
    def checklist(self) -> list[tuple[str, bool]]:
        """The「四个一」items with whether each was done."""
        return [(label, getattr(self, f)) for f, label in FOUR_ONES.items()]


# The「四个一」of a visit (seed 001): field → label.
FOUR_ONES = {
    "talked": "谈一次心",
    "measures_reviewed": "梳理一遍帮扶措施",
    "data_verified": "核实一遍基础数据",
    "environment_tidied": "整治一次人居环境",
}


class VisitPhotoQuerySet(ScopedQuerySet):
    region_field = "visit__household__region"


class VisitPhoto(models.Model):
    """A photo taken on a visit; files live under MEDIA_ROOT/visits/ and are served by a view."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.CharField(_("文件"), max_length=200)
    thumbnail = models.CharField(_("缩略图"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小（字节）"))

    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CampaignQuerySet:
        """Campaigns covering any part of the user's region: below it, or one of its ancestors."""
        region = getattr(user, "region", None) if getattr(user, "is_authenticated", False) else None
        if region is None:
            return self.none()
        ancestors = [int(p) for p in region.path.strip("/").split("/") if p]
        inside = models.Q(regions__path__startswith=region.path) | models.Q(
            regions__pk__in=ancestors
        )
        return self.filter(pk__in=self.model.objects.filter(inside).values("pk"))


class Campaign(models.Model):
    """集中排查: a screening round over regions, with a questionnaire and assigned households."""

    name = models.CharField(_("排查名称"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("排查范围"), related_name="campaigns"
    )
    questionnaire = models.JSONField(_("排查问卷"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("集中排查")
        verbose_name_plural = _("集中排查")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def sections(self) -> list[dict]:
        return list((self.questionnaire or {}).get("sections", []))


class ScreeningQuerySet(ScopedQuerySet):
    region_field = "household__region"


class Screening(models.Model):
    """One household of a campaign: its cadre, its answers and the lead they raised."""

    # The (campaign, village, …) index serves a lookup by campaign: none of its own.
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("集中排查"),
        on_delete=models.CASCADE,
        related_name="screenings",
        db_index=False,
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="screenings",
    )
    # The household's village when assigned: progress by village is one GROUP BY.
    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistance_screenings",
    )
    # The household's size when assigned, so "N户M人" needs no join over the campaign.
    persons = models.PositiveSmallIntegerField(_("人数"), default=0)
    answers = models.JSONField(_("答案"), default=dict, blank=True)
    done = models.BooleanField(_("已完成"), default=False)
    done_date = models.DateField(_("完成日期"), null=True, blank=True)
    risks = models.CharField(_("发现风险"), max_length=120, blank=True)
    lead = models.ForeignKey(
        "monitoring.Lead",
        verbose_name=_("线索"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        verbose_name = _("排查户")
        verbose_name_plural = _("排查户")
        ordering = ["campaign_id", "village_id", "household_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="screening_campaign_household_unique"
            )
        ]
        # Covering indexes: progress by village and by cadre read no table rows.
        indexes = [
            models.Index(fields=["campaign", "village", "done", "lead", "persons"]),
            models.Index(fields=["campaign", "cadre", "done", "lead"]),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.household_id}"

    # 变更记录 (core.audit.describe): saving a questionnaire part logs its index as `section`.
    audit_labels = {"section": "填写问卷"}

    @classmethod
    def audit_value(cls, field: str, value: Any) -> str | None:
        """变更记录: the part saved, counted from 1 as the page shows it."""
        if field == "section" and isinstance(value, int):
            return f"第{value + 1}部分"
        return None
