"""The register: households (户), people (成员), memberships, status events and yearly income.

The household row holds its current state; `HouseholdEvent` and `Membership` hold the history, so
the register can be read as of any past date (formats.md §4).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from core import codes
from core.batching import chunks
from core.masking import mask_id, mask_phone
from core.models import import_record_field, import_row_field
from core.scoping import ScopedQuerySet
from registry.rules import DateCorrection

RISK_SEPARATOR = ","


class Category(models.TextChoices):
    NONE = "", _("非监测对象")
    UNSTABLE = "脱贫不稳定户", _("脱贫不稳定户")
    MARGINAL = "边缘易致贫户", _("边缘易致贫户")
    SUDDEN = "突发严重困难户", _("突发严重困难户")


def looks_like_id_number(q: str) -> bool:
    """A search entry shaped like a full ID number (15 or 18 characters, digits, maybe an X)."""
    return len(q) >= 15 and q[:-1].isdigit()


def split_risks(stored: str) -> list[str]:
    """The risk codes of a household's stored `risks` text."""
    return [r for r in stored.split(RISK_SEPARATOR) if r]


def show_risks(stored: str) -> str:
    """The stored `risks` as the register's cell shows them."""
    return codes.join_multi(split_risks(stored))


class HouseholdQuerySet(ScopedQuerySet):
    region_field = "region"

    def monitored(self) -> HouseholdQuerySet:
        return self.exclude(category="")

    def with_risk(self, risk: str) -> HouseholdQuerySet:
        return self.filter(risks__contains=f"{RISK_SEPARATOR}{risk}{RISK_SEPARATOR}")

    def search(self, q: str, *, id_numbers: bool = False) -> HouseholdQuerySet:
        """By 户编号, a member's name, or (with `id_numbers`) a member's full ID number.

        A full ID number confirms a guess, so only users who may see full numbers search by one
        (`registry.services.search_households` decides and logs); others match 户编号 only.
        The matches are one UNION of indexed look-ups: `pk IN (…) OR column = …` makes
        PostgreSQL test every household of the county (200 ms at 130,000 households).
        """
        q = q.strip()
        if not q:
            return self
        if looks_like_id_number(q):
            numbers = Household.objects.filter(number=q).values("pk")
            if not id_numbers:
                return self.filter(pk__in=numbers)
            hits = Person.objects.filter(id_number=q.upper()).values("household_id")
            return self.filter(pk__in=hits.order_by().union(numbers.order_by()))
        if q.isdigit():
            return self.filter(self._prefix("number", q))
        names = Person.objects.filter(self._prefix("name", q), is_member=True).values(
            "household_id"
        )
        heads = Household.objects.filter(self._prefix("head_name", q)).values("pk")
        return self.filter(pk__in=names.order_by().union(heads.order_by()))

    def _prefix(self, field: str, q: str) -> Q:
        """`field` starts with `q`, in a form the database answers from the field's index.

        SQLite's LIKE ignores case, so it never uses a plain index (a full scan of 400,000
        people per search); on its binary collation a range is the same test and is indexed.
        Elsewhere LIKE stays the test, and the lower bound lets an `ORDER BY field LIMIT 50`
        start its index walk at the first match instead of at the first row (PostgreSQL: 0.1 ms
        instead of 500 ms for a 户编号 prefix near the end of the county).
        """
        if connections[self.db].vendor == "sqlite":
            return Q(**{f"{field}__gte": q, f"{field}__lt": q + "\U0010ffff"})
        return Q(**{f"{field}__startswith": q, f"{field}__gte": q})


class Household(models.Model):
    """户: one household of the register with its current status."""

    number = models.CharField(
        _("户编号"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^\d{10,20}$", "户编号应为10—20位数字")],
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,  # (region, number) and (region, member_count) below lead with it
    )
    head_name = models.CharField(_("户主姓名"), max_length=60, blank=True, db_index=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_alleviated = models.BooleanField(_("是否脱贫户"), default=False)
    alleviated_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    category = models.CharField(
        _("监测对象类别"),
        max_length=10,
        choices=Category.choices,
        blank=True,
        default="",
        db_index=True,
    )
    risks = models.CharField(
        _("风险类型"),
        max_length=120,
        blank=True,
        default="",
        help_text=_("以逗号包围保存，如“,因病,因残,”，便于按单项筛选"),
    )
    identified_date = models.DateField(_("识别监测时间"), null=True, blank=True)
    risk_eliminated = models.BooleanField(_("风险是否消除"), default=False)
    eliminated_date = models.DateField(_("风险消除时间"), null=True, blank=True)
    elimination_method = models.CharField(
        _("风险消除方式"),
        max_length=10,
        blank=True,
        choices=[(v, v) for v in codes.ELIMINATION_METHODS],
    )
    no_labour = models.BooleanField(_("整户无劳动能力"), default=False)
    per_capita_income = models.DecimalField(
        _("家庭年人均纯收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    member_count = models.PositiveSmallIntegerField(_("家庭人口数"), default=0)
    import_record = import_record_field()
    import_row = import_row_field()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["region_id", "number"]
        indexes = [
            models.Index(fields=["region", "number"]),
            # Covers the statistics' sum of member counts per region (stats.services).
            models.Index(fields=["region", "member_count"], name="registry_household_sizes"),
            models.Index(fields=["is_alleviated", "category"]),
        ]

    def __str__(self) -> str:
        return f"{self.head_name or '—'}户（{self.number}）"

    @property
    def risk_list(self) -> list[str]:
        return split_risks(self.risks)

    @risk_list.setter
    def risk_list(self, values: list[str]) -> None:
        self.risks = (
            f"{RISK_SEPARATOR}{RISK_SEPARATOR.join(values)}{RISK_SEPARATOR}" if values else ""
        )

    @property
    def risk_display(self) -> str:
        return show_risks(self.risks)

    @property
    def household_type(self) -> str:
        return "脱贫户" if self.is_alleviated else "一般农户"

    @property
    def is_monitored(self) -> bool:
        return bool(self.category)

    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class PersonQuerySet(ScopedQuerySet):
    region_field = "household__region"

    def members(self) -> PersonQuerySet:
        return self.filter(is_member=True)


class Person(models.Model):
    """成员: a person, identified by 证件号码; `household` is where they belong now."""

    household = models.ForeignKey(
        Household, verbose_name=_("所在户"), on_delete=models.PROTECT, related_name="persons"
    )
    is_member = models.BooleanField(_("是否在户"), default=True)
    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    id_number = models.CharField(_("证件号码"), max_length=22, unique=True)
    sex = models.CharField(_("性别"), max_length=2, choices=codes.choices("sex"))
    # Indexed: statistics as of a past date look up the few persons born since (registry.history).
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, db_index=True)
    relation = models.CharField(_("与户主关系"), max_length=10, choices=codes.choices("relation"))
    ethnicity = models.CharField(_("民族"), max_length=10, blank=True)
    education = models.CharField(_("文化程度"), max_length=10, blank=True)
    schooling = models.CharField(_("在校生状况"), max_length=10, blank=True)
    health = models.CharField(
        _("健康状况"), max_length=40, blank=True, help_text=_("可多选，以、分隔")
    )
    labour_skill = models.CharField(_("劳动技能"), max_length=12, blank=True)
    employment = models.CharField(_("务工状况"), max_length=10, blank=True)
    work_place = models.CharField(_("务工地点"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    medical_insurance = models.BooleanField(
        _("是否参加城乡居民基本医疗保险"), null=True, blank=True
    )
    dibao = models.BooleanField(_("是否享受低保"), null=True, blank=True)
    tekun = models.BooleanField(_("是否特困供养"), null=True, blank=True)
    import_record = import_record_field()
    import_row = import_row_field()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def health_list(self) -> list[str]:
        return codes.split_multi(self.health)

    def masked_id(self) -> str:
        return mask_id(self.id_number)

    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, on: dt.date) -> int | None:
        from core.idnumber import age_on

        return age_on(self.birth_date, on) if self.birth_date else None


class MembershipQuerySet(ScopedQuerySet):
    region_field = "household__region"

    def on(self, date: dt.date) -> MembershipQuerySet:
        """Memberships in force on a date, of persons born by then (`registry.history.member_on`
        is the same rule in the statistics' SQL)."""
        return self.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=date),
            Q(end_date__isnull=True) | Q(end_date__gt=date),
            Q(person__birth_date__isnull=True) | Q(person__birth_date__lte=date),
        )


class Membership(models.Model):
    """A person's time in a household, from `start_date` (null: since before the records)."""

    class StartReason(models.TextChoices):
        ORIGINAL = "原有", _("原有成员")
        BIRTH = "出生", _("出生")
        MARRIAGE = "婚入", _("婚入")
        MOVE_IN = "迁入", _("迁入")
        OTHER = "其他", _("其他")

    class EndReason(models.TextChoices):
        DEATH = "死亡", _("死亡")
        MARRIAGE = "婚出", _("婚出")
        MOVE_OUT = "迁出", _("迁出")
        SPLIT = "分户", _("分户")
        OTHER = "其他", _("其他")

    person = models.ForeignKey(
        Person, verbose_name=_("成员"), on_delete=models.CASCADE, related_name="memberships"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="memberships",
        db_index=False,  # the (household, start_date, end_date) index leads with it
    )
    start_date = models.DateField(_("加入日期"), null=True, blank=True)
    start_reason = models.CharField(
        _("加入原因"), max_length=10, choices=StartReason.choices, default=StartReason.ORIGINAL
    )
    end_date = models.DateField(_("离开日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("离开原因"), max_length=10, choices=EndReason.choices, blank=True
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        indexes = [
            models.Index(fields=["household", "start_date", "end_date"]),
            # The few memberships with a date: statistics read them to correct member_count.
            models.Index(
                fields=["household", "start_date", "end_date"],
                condition=Q(start_date__isnull=False) | Q(end_date__isnull=False),
                name="registry_membership_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.household_id}"


class EventKind(models.TextChoices):
    ALLEVIATED = "alleviated", _("标注脱贫户")
    IDENTIFIED = "identified", _("识别为监测对象")
    CATEGORY_CHANGED = "category_changed", _("调整监测类别")
    ELIMINATED = "eliminated", _("风险消除")
    ELIMINATION_ROLLED_BACK = "rolled_back", _("风险消除回退")
    REIDENTIFIED = "reidentified", _("风险再标注")
    EXITED = "exited", _("退出监测")
    UNALLEVIATED = "unalleviated", _("清退脱贫户")
    MEMBER_ADDED = "member_added", _("成员增加")
    MEMBER_REMOVED = "member_removed", _("成员减少")
    CHANGED = "changed", _("信息变更")


class HouseholdEventQuerySet(ScopedQuerySet):
    region_field = "household__region"

    def last_ends(self) -> dict[int, dict[str, dt.date]]:
        """Each household's last un-marking date by kind (``exited``, ``unalleviated``, and of
        its risk's elimination ``eliminated``, ``rolled_back``, ``reidentified``), for
        `rules.status_events`: a marking is never dated before the un-marking it follows."""
        kinds = (
            EventKind.EXITED,
            EventKind.UNALLEVIATED,
            EventKind.ELIMINATED,
            EventKind.ELIMINATION_ROLLED_BACK,
            EventKind.REIDENTIFIED,
        )
        rows = (
            self.filter(kind__in=kinds)
            .order_by()
            .values_list("household_id", "kind")
            .annotate(last=Max("date"))
        )
        out: dict[int, dict[str, dt.date]] = {}
        for household_id, kind, last in rows:
            out.setdefault(household_id, {})[kind] = last
        return out

    def correct_dates(
        self, corrections: dict[int, list[DateCorrection]]
    ) -> list[tuple[HouseholdEvent, dt.date]]:
        """Move each household's latest event (by date, then record) of a correction's kinds to
        the corrected date; returns the moved events with their former dates, for the audit.

        A date before the household's last un-marking of that status (`DateCorrection.end`)
        stays unmoved: the event then records a re-marking after it, which the corrected date
        cannot precede (`rules.not_before_end`).
        """
        moved: list[tuple[HouseholdEvent, dt.date]] = []
        for part in chunks(list(corrections)):
            ends = self.filter(household_id__in=part).last_ends()
            kinds = {k for hid in part for c in corrections[hid] for k in c.kinds}
            latest: dict[tuple[int, DateCorrection], HouseholdEvent] = {}
            events = self.filter(household_id__in=part, kind__in=kinds).order_by(
                "household_id", "date", "pk"
            )
            for event in events:
                for c in corrections[event.household_id]:
                    if event.kind in c.kinds:
                        latest[event.household_id, c] = event
            for (hid, c), event in latest.items():
                end = ends.get(hid, {}).get(c.end)
                if event.date == c.date or (end is not None and c.date < end):
                    continue
                moved.append((event, event.date))
                event.date = c.date
        HouseholdEvent.objects.bulk_update([e for e, _ in moved], ["date"], batch_size=1000)
        return moved


class HouseholdEvent(models.Model):
    """A dated change of a household's status or membership — the history behind statistics."""

    # The (household, kind, date) index serves a lookup by household: none of its own.
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    kind = models.CharField(_("事件"), max_length=20, choices=EventKind.choices, db_index=True)
    date = models.DateField(_("发生日期"), db_index=True)
    category = models.CharField(_("监测对象类别"), max_length=10, blank=True)
    risks = models.CharField(_("风险类型"), max_length=120, blank=True)
    method = models.CharField(_("风险消除方式"), max_length=10, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("成员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=60, blank=True, help_text=_("如 导入、识别程序、手工")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = HouseholdEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("状态事件")
        verbose_name_plural = _("状态事件")
        ordering = ["household_id", "date", "id"]
        indexes = [models.Index(fields=["household", "kind", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class IncomeRecordQuerySet(ScopedQuerySet):
    region_field = "household__region"


class IncomeRecord(models.Model):
    """A household's income for one year (policy.md §5); the per-capita figure is computed."""

    # The (household, year) index serves a lookup by household: none of its own.
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="incomes",
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    wage = models.DecimalField(_("工资性收入"), max_digits=12, decimal_places=2, default=0)
    business = models.DecimalField(_("生产经营性收入"), max_digits=12, decimal_places=2, default=0)
    property_income = models.DecimalField(
        _("财产性收入"), max_digits=12, decimal_places=2, default=0
    )
    transfer = models.DecimalField(_("转移性收入"), max_digits=12, decimal_places=2, default=0)
    business_cost = models.DecimalField(
        _("生产经营性支出"), max_digits=12, decimal_places=2, default=0
    )
    claims = models.DecimalField(_("理赔收入"), max_digits=12, decimal_places=2, default=0)
    compliant_spending = models.DecimalField(
        _("合规自付支出"), max_digits=12, decimal_places=2, default=0
    )
    members_counted = models.PositiveSmallIntegerField(_("计算人口数"))
    net_income = models.DecimalField(
        _("家庭纯收入"), max_digits=12, decimal_places=2, editable=False
    )
    per_capita = models.DecimalField(
        _("家庭年人均纯收入"), max_digits=12, decimal_places=2, editable=False
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = IncomeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度收入")
        verbose_name_plural = _("年度收入")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="income_household_year_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年 人均{self.per_capita}元"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.compute()
        super().save(*args, **kwargs)

    def compute(self) -> None:
        """纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出; 人均 = 纯收入 ÷ 人口."""
        self.net_income = (
            Decimal(self.wage)
            + Decimal(self.business)
            + Decimal(self.property_income)
            + Decimal(self.transfer)
            - Decimal(self.business_cost)
        )
        n = self.members_counted or 1
        self.per_capita = (self.net_income / n).quantize(Decimal("0.01"))

    @property
    def per_capita_after_spending(self) -> Decimal:
        """人均 after 合规自付支出 (and with 理赔收入), the figure compared for 突发严重困难户."""
        n = self.members_counted or 1
        return ((self.net_income + self.claims - self.compliant_spending) / n).quantize(
            Decimal("0.01")
        )
