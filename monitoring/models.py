"""Monitoring: leads (线索) from every channel. The identification procedure builds on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import codes
from core.masking import mask_id, mask_phone
from core.scoping import ScopedQuerySet, region_q


class LeadQuerySet(ScopedQuerySet):
    region_field = "region"

    def open(self) -> LeadQuerySet:
        return self.filter(status__in=[Lead.Status.NEW, Lead.Status.CASE_OPENED])

    def counted(self) -> LeadQuerySet:
        """The leads every count of leads counts: a merged lead is a duplicate of the lead it was
        merged into (the same household reported twice), not a lead of its own."""
        return self.exclude(status=Lead.Status.MERGED)


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

    @property
    def recorded_late(self) -> dt.date | None:
        """The day the lead was registered, when 补录 (`backfilled`) after its 发现日期."""
        return backfilled(self.reported_date, self.created_at)

    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def origin_kind(self) -> str:
        return self.origin.partition(":")[0]

    @property
    def origin_id(self) -> str:
        return self.origin.partition(":")[2]

    @property
    def origin_label(self) -> str:
        """The record that produced the lead, named in Chinese (部门比对预警 第38号)."""
        return origin_label(self.origin)

    @classmethod
    def audit_value(cls, field: str, value: Any) -> str | None:
        """变更记录 (core.audit.describe): the origin named, not `exchange.warning:38`."""
        return origin_label(str(value)) if field == "origin" else None


def origin_label(origin: str) -> str:
    if not origin:
        return ""
    kind, _, pk = origin.partition(":")
    label = ORIGINS.get(kind, "其他记录")
    return f"{label} 第{pk}号" if pk else label


# What `Lead.origin` names: the app record a lead came from.
ORIGINS = {
    "exchange.warning": "部门比对预警",
    "assistance.screening": "集中排查问卷",
    "monitoring.declaration": "农户自主申报",
}


# --- Policy years: thresholds, deadlines, holiday calendar (policy rules 3, 12) ---------------

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
}  # fmt: skip


class PolicyThresholdQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> PolicyThresholdQuerySet:
        """The provinces' lines and those of the user's own county (not a neighbour's)."""
        return self.filter(models.Q(region__isnull=True) | region_q(user, "region"))


class PolicyThreshold(models.Model):
    """监测范围 (yuan per person per year) of a province, or of a prefecture/county inside it.

    Provinces publish it every spring; a county may set a higher line. Never a constant in code.
    """

    province = models.CharField(_("省份代码"), max_length=2, choices=sorted(PROVINCES.items()))
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("适用市县"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空表示全省适用；填写本县表示县定标准（高于省定标准时使用）"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("监测范围（元/人·年）"), max_digits=10, decimal_places=2)
    effective_date = models.DateField(_("执行日期"))
    basis = models.CharField(_("文件依据"), max_length=200, blank=True)

    objects = PolicyThresholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("监测范围")
        verbose_name_plural = _("监测范围")
        ordering = ["province", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "region", "year"], name="threshold_unique_per_year"
            )
        ]

    def __str__(self) -> str:
        return self.label()

    def place(self) -> str:
        return (
            self.region.name
            if self.region_id and self.region
            else PROVINCES.get(self.province, self.province)
        )

    def label(self) -> str:
        """监测范围 8,700 元（湖北省 2025 年，2025-03-01 起）."""
        return (
            f"监测范围 {self.amount:,.0f} 元（{self.place()} {self.year} 年，"
            f"{self.effective_date:%Y-%m-%d} 起）"
        )


class PolicyLabel(models.Model):
    """The year's name of the monitored population and of its categories (core.labels).

    2026 onwards defaults to 防止返贫致贫对象 (policy.md §9); a row overrides the default of its
    year, e.g. a province renaming a category. Codes on the register never change.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    population = models.CharField(
        _("对象名称"), max_length=20, help_text=_("如 监测对象、防止返贫致贫对象")
    )
    household = models.CharField(
        _("户的名称"), max_length=20, help_text=_("按户计数时的名称，如 监测户")
    )
    categories = models.JSONField(
        _("类别名称"),
        default=dict,
        blank=True,
        help_text=_('类别代码到本年名称，如 {"边缘易致贫户": "易致贫户"}；未列出的沿用代码'),
    )
    basis = models.CharField(_("文件依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("年度名称")
        verbose_name_plural = _("年度名称")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年：{self.population}"


class StepCode(models.TextChoices):
    VISIT = "visit", _("入户核查")
    COMPARE = "compare", _("信息比对")
    REVIEW = "review", _("村级民主评议")
    NOTICE = "notice", _("公示")
    TOWN = "town", _("乡镇审核")
    COUNTY = "county", _("县级审定")


# A step recorded more than this many days after the date it states is shown as 补录 (a week of
# work away from the network, then entered, is ordinary; more is worth an assessor's look).
BACKFILL_DAYS = 7


def backfilled(stated: dt.date | None, recorded_at: dt.datetime | None) -> dt.date | None:
    """The day a date was recorded, when that is more than BACKFILL_DAYS after the date it
    states (补录): a date can be given as it was, but an assessor sees which were written in
    afterwards (policy sets no limit, so it is shown, not refused)."""
    if stated is None or recorded_at is None:
        return None
    recorded = timezone.localdate(recorded_at)
    return recorded if (recorded - stated).days > BACKFILL_DAYS else None


DEFAULT_STEP_DAYS = {"visit": 3, "compare": 5, "review": 7, "notice": 12, "town": 14, "county": 15}

# Evidence of the steps (policy.md §4.2: 承诺授权, 评议 minutes and photos, 公示; 审核意见).
MATERIALS = {
    "consent": "签字承诺授权书",
    "visit_form": "入户核查表",
    "minutes": "评议记录",
    "notice": "公示照片",
    "opinion": "审核意见",
    "evidence": "其他佐证材料",
}
REQUIRED, OPTIONAL = "required", "optional"
# 承诺授权 authorises the economic checks of a new identification: asked of identification only.
IDENTIFY_ONLY_MATERIALS = {"consent"}
DEFAULT_MATERIALS: dict[str, dict[str, str]] = {
    "visit": {"consent": REQUIRED, "visit_form": OPTIONAL},
    "compare": {},
    "review": {"minutes": REQUIRED},
    "notice": {"notice": REQUIRED},
    "town": {"opinion": OPTIONAL},
    "county": {"opinion": OPTIONAL},
}


class DeadlinePolicy(models.Model):
    """Deadlines of the procedure: days from the lead date by which each step must be done.

    The default follows qinan.gov.cn (whole procedure 15 calendar days); Hainan and Anhui count 20
    working days — switch `working_days` and the offsets.
    """

    name = models.CharField(_("名称"), max_length=60, default="默认时限")
    year = models.PositiveSmallIntegerField(
        _("适用年度"),
        null=True,
        blank=True,
        unique=True,
        help_text=_(
            "留空为默认时限；填写年度的，自该年度起算（发现线索或发起程序）的程序按此时限，"
            "直至下一个设置了时限的年度"
        ),
    )
    working_days = models.BooleanField(
        _("按工作日计算"), default=False, help_text=_("否：按自然日计算")
    )
    step_days = models.JSONField(
        _("各环节完成时限（自发现线索起的天数）"), default=dict, blank=True
    )
    warn_days = models.PositiveSmallIntegerField(
        _("预警提前天数"),
        default=1,
        help_text=_("距到期日不超过该天数（含当天）时显示橙色预警；超过到期日显示红色"),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("公示天数"),
        default=5,
        help_text=_("公示至少持续的天数（含首尾两天）；期满后才能办结公示并进入下一环节"),
    )
    materials = models.JSONField(
        _("各环节材料要求"),
        default=dict,
        blank=True,
        help_text=_("{环节: {材料: required|optional}}；未设置的环节按默认要求"),
    )
    after_spending_formula = models.CharField(
        _("扣除刚性支出后人均收入公式"),
        max_length=120,
        default="(纯收入+理赔收入-合规自付支出)/人口",
        help_text=_("可用：纯收入、理赔收入、合规自付支出、人口，以及 + - * / 和括号"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")

    def __str__(self) -> str:
        unit = "个工作日" if self.working_days else "天"
        since = f"（{self.year}年起）" if self.year else ""
        return f"{self.name}{since}：全程 {self.total_days()} {unit}，公示 {self.notice_days} 天"

    def days_for(self, step: str) -> int:
        return int({**DEFAULT_STEP_DAYS, **(self.step_days or {})}.get(step, 15))

    def total_days(self) -> int:
        return max(self.days_for(s) for s in DEFAULT_STEP_DAYS)

    def materials_for(self, step: str) -> dict[str, str]:
        """{material: "required" | "optional"} of a step (the setting, else the default)."""
        configured = (self.materials or {}).get(step)
        return dict(DEFAULT_MATERIALS.get(step, {}) if configured is None else configured)

    @classmethod
    def current(cls) -> DeadlinePolicy:
        """The default row (created with the national defaults on first use): the deadlines of
        years without their own row, the materials per step and the income formula."""
        policy = cls.objects.filter(year__isnull=True).order_by("pk").first()
        return policy or cls.objects.create(step_days=dict(DEFAULT_STEP_DAYS))

    @classmethod
    def for_year(cls, year: int) -> DeadlinePolicy:
        """The deadlines of procedures started in `year`: the latest row of that year or before,
        else the default row. A province's new rule applies from its year, and a procedure keeps
        the rule of the year it started in."""
        row = cls.objects.filter(year__lte=year).order_by("-year").first()
        return row or cls.current()


class Holiday(models.Model):
    """A day off on a weekday (法定节假日) or a weekend working day (调休上班)."""

    class Kind(models.TextChoices):
        OFF = "off", _("放假")
        WORK = "work", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=4, choices=Kind.choices, default=Kind.OFF)
    name = models.CharField(_("名称"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class EliminationPolicy(models.Model):
    """风险消除条件 of one year (policy.md §4.3, rules 21–24). A year without a row uses the latest
    earlier row, else the national defaults (the field defaults)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    min_months = models.PositiveSmallIntegerField(
        _("识别后至少满（月）"), default=6, help_text=_("帮扶消除：自识别监测时间起")
    )
    green_min_months = models.PositiveSmallIntegerField(
        _("绿色通道识别的户至少满（月）"), default=6
    )
    natural_min_months = models.PositiveSmallIntegerField(_("自然消除至少满（月）"), default=6)
    min_measures = models.PositiveSmallIntegerField(_("至少已落实帮扶措施（项）"), default=1)
    natural_min_measures = models.PositiveSmallIntegerField(
        _("自然消除至少已落实帮扶措施（项）"), default=1
    )
    stable_months = models.PositiveSmallIntegerField(
        _("收入稳定超过监测范围（月）"),
        default=6,
        help_text=_("消除前这段时间所涉各年度的收入记录，人均纯收入均须高于当年监测范围"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("风险消除条件")
        verbose_name_plural = _("风险消除条件")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年风险消除条件"

    @classmethod
    def for_year(cls, year: int) -> EliminationPolicy:
        """The conditions in force in `year` (an unsaved row of national defaults if none)."""
        row = cls.objects.filter(year__lte=year).order_by("-year").first()
        return row or cls(year=year)


class NoticeContact(models.Model):
    """The 监督电话 a county or town prints on its villages' 公示 (the nearest one applies)."""

    region = models.OneToOneField(
        "regions.Region", verbose_name=_("县或乡镇"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.CharField(
        _("监督单位"), max_length=60, blank=True, help_text=_("如 金山店镇纪委")
    )
    phone = models.CharField(_("监督电话"), max_length=20)

    class Meta:
        verbose_name = _("公示监督电话")
        verbose_name_plural = _("公示监督电话")
        ordering = ["region__path"]

    def __str__(self) -> str:
        return f"{self.unit or self.region}：{self.phone}"

    @classmethod
    def for_region(cls, region: Any) -> NoticeContact | None:
        """The setting of the region's nearest town or county."""
        ids = [int(x) for x in region.path.strip("/").split("/") if x]
        rows = {r.region_id: r for r in cls.objects.filter(region_id__in=ids)}
        return next((rows[i] for i in reversed(ids) if i in rows), None)


# --- Identification / elimination cases -----------------------------------------------------

# The income components a case records at 入户核查 (policy.md §5), as the register's income records.
INCOME_FIELDS = (
    "wage",
    "business",
    "property_income",
    "transfer",
    "business_cost",
    "claims",
    "compliant_spending",
)


class CaseQuerySet(ScopedQuerySet):
    region_field = "region"

    def open(self) -> CaseQuerySet:
        return self.filter(status=Case.Status.OPEN)

    def finished_late(self) -> CaseQuerySet:
        """Cases with a step done after its due date (逾期办结): once done, a step's colour is
        gone, but an assessor still asks which procedures missed their time limit."""
        late = CaseStep.objects.filter(case=models.OuterRef("pk"), done_on__gt=models.F("due_date"))
        return self.filter(models.Exists(late))


class Case(models.Model):
    """One run of the procedure: identification (识别), risk elimination (风险消除) or roll-back.

    The facts gathered at 入户核查 live on the case; each step's who/when/decision is a CaseLog.
    `current_step`, `due_date` and `alert` repeat the open step so lists need no join.
    """

    class Kind(models.TextChoices):
        IDENTIFY = "identify", _("监测对象识别")
        ELIMINATE = "eliminate", _("风险消除")
        ROLLBACK = "rollback", _("风险消除回退")
        EXIT = "exit", _("退出监测")

    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        APPROVED = "approved", _("已审定")
        REJECTED = "rejected", _("不予认定")

    class Alert(models.TextChoices):
        NONE = "", _("正常")
        ORANGE = "orange", _("即将到期")
        RED = "red", _("已逾期")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.IDENTIFY)
    # The (status, current_step, region) index serves a lookup by status: none of its own.
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=False
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_cases",
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("线索"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    subject_name = models.CharField(_("户主/申请人"), max_length=60, blank=True)
    start_date = models.DateField(_("起算日期"), help_text=_("发现线索之日，时限由此起算"))
    current_step = models.CharField(
        _("当前环节"), max_length=10, choices=StepCode.choices, blank=True, db_index=True
    )
    due_date = models.DateField(_("当前环节到期日"), null=True, blank=True)
    alert = models.CharField(
        _("时限预警"), max_length=6, choices=Alert.choices, blank=True, db_index=True
    )
    risks = models.CharField(_("风险类型"), max_length=120, blank=True)
    description = models.TextField(_("困难情况"), blank=True)
    category = models.CharField(_("拟认定类别"), max_length=10, blank=True)
    green_channel = models.BooleanField(_("绿色通道"), default=False)
    # 入户核查 facts (income window per policy rule 6)
    consent = models.CharField(
        _("承诺授权"),
        max_length=10,
        blank=True,
        choices=[("file", "已上传签字承诺授权书"), ("confirmed", "已当面确认（记录在案）")],
    )
    is_alleviated = models.BooleanField(_("是否脱贫户"), default=False)
    window_start = models.DateField(_("收入计算起"), null=True, blank=True)
    window_end = models.DateField(_("收入计算止"), null=True, blank=True)
    wage = models.DecimalField(_("工资性收入"), max_digits=12, decimal_places=2, null=True)
    business = models.DecimalField(_("生产经营性收入"), max_digits=12, decimal_places=2, null=True)
    property_income = models.DecimalField(
        _("财产性收入"), max_digits=12, decimal_places=2, null=True
    )
    transfer = models.DecimalField(_("转移性收入"), max_digits=12, decimal_places=2, null=True)
    business_cost = models.DecimalField(
        _("生产经营性支出"), max_digits=12, decimal_places=2, null=True
    )
    claims = models.DecimalField(_("理赔收入"), max_digits=12, decimal_places=2, null=True)
    compliant_spending = models.DecimalField(
        _("合规自付支出"), max_digits=12, decimal_places=2, null=True
    )
    members_counted = models.PositiveSmallIntegerField(_("计算人口数"), null=True)
    sudden_hardship = models.BooleanField(_("收入骤减或刚性支出骤增"), default=False)
    housing_unsafe = models.BooleanField(_("住房出现安全问题"), null=True)
    dropout = models.BooleanField(_("义务教育阶段适龄儿童少年失学辍学"), null=True)
    water_unsafe = models.BooleanField(_("饮水出现安全问题"), null=True)
    uninsured = models.BooleanField(_("有家庭成员未参加基本医疗保险"), null=True)
    rigid_spending_resolved = models.BooleanField(_("大额刚性支出已稳定解决"), null=True)
    elimination_method = models.CharField(
        _("风险消除方式"),
        max_length=10,
        blank=True,
        choices=[(v, v) for v in codes.ELIMINATION_METHODS],
    )
    monitor_contact = models.CharField(_("监测联系人"), max_length=60, blank=True)
    monitor_phone = models.CharField(_("监测联系人电话"), max_length=20, blank=True)
    exit_reason = models.CharField(
        _("退出原因"),
        max_length=20,
        blank=True,
        choices=[(v, v) for v in codes.MONITORING_EXIT_REASONS],
    )
    criteria_override = models.CharField(
        _("县级放行理由"),
        max_length=300,
        blank=True,
        help_text=_("不满足风险消除条件而由县级管理员放行时的理由"),
    )
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)
    decision_date = models.DateField(_("审定日期"), null=True, blank=True)
    decision_note = models.CharField(_("审定意见"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("识别案件")
        verbose_name_plural = _("识别案件")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["status", "current_step", "region"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.subject_name or '—'}"

    @property
    def risk_list(self) -> list[str]:
        return codes.split_multi(self.risks)

    @property
    def start_recorded_late(self) -> dt.date | None:
        """The day the 起算日期 was entered, when 补录 (`backfilled`): an identification's is its
        lead's 发现日期, entered with the lead; another procedure's is given when it starts."""
        if self.lead_id and self.lead is not None:
            return self.lead.recorded_late
        return backfilled(self.start_date, self.created_at)


class CaseStepQuerySet(ScopedQuerySet):
    region_field = "case__region"


class CaseStep(models.Model):
    """One step of a case with its due date; the open step is the case's `current_step`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未开始")
        OPEN = "open", _("办理中")
        DONE = "done", _("已完成")

    # The (case, code) index serves a lookup by case: none of its own.
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="steps", db_index=False
    )
    code = models.CharField(_("环节"), max_length=10, choices=StepCode.choices)
    order = models.PositiveSmallIntegerField(_("顺序"))
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    due_date = models.DateField(_("到期日"))
    alert = models.CharField(_("时限预警"), max_length=6, choices=Case.Alert.choices, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    done_on = models.DateField(_("办理日期"), null=True, blank=True)
    decision = models.CharField(_("办理结论"), max_length=20, blank=True)
    note = models.CharField(_("意见"), max_length=500, blank=True)

    objects = CaseStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["case_id", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_step_unique")]

    def __str__(self) -> str:
        return f"{self.get_code_display()}（{self.get_status_display()}）"

    @property
    def late_days(self) -> int:
        """Calendar days a done step was completed after its due date (0 when on time)."""
        if self.done_on is None or self.done_on <= self.due_date:
            return 0
        return (self.done_on - self.due_date).days

    @property
    def recorded_late(self) -> dt.date | None:
        """The day a done step was recorded, when 补录 (`backfilled`) after its 办理日期."""
        return backfilled(self.done_on, self.completed_at)


class CaseLogQuerySet(ScopedQuerySet):
    region_field = "case__region"


class CaseLog(models.Model):
    """The history of a case: each completion, return, green-channel measure — who, when, what."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="logs"
    )
    step = models.CharField(_("环节"), max_length=10, choices=StepCode.choices, blank=True)
    action = models.CharField(_("动作"), max_length=20)
    decision = models.CharField(_("结论"), max_length=20, blank=True)
    note = models.CharField(_("意见"), max_length=500, blank=True)
    data = models.JSONField(_("记录内容"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = CaseLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AttachmentQuerySet(ScopedQuerySet):
    region_field = "region"


class Attachment(models.Model):
    """An evidence file of a lead or a case (承诺授权书, 评议记录…); never public media."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村"), on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    step = models.CharField(_("环节"), max_length=10, blank=True, choices=StepCode.choices)
    kind = models.CharField(
        _("材料类型"), max_length=20, blank=True, choices=list(MATERIALS.items())
    )
    file = models.FileField(_("文件"), upload_to="leads/%Y/%m/")
    name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("材料")
        verbose_name_plural = _("材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# --- Self-declaration (农户自主申报, policy rule 30) ----------------------------------------


class DeclarationChannel(models.Model):
    """The secret token behind a village's public declaration page and its QR code."""

    region = models.OneToOneField(
        "regions.Region", verbose_name=_("村"), on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(_("令牌"), max_length=40, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("自主申报入口")
        verbose_name_plural = _("自主申报入口")

    def __str__(self) -> str:
        return f"{self.region} 自主申报"


class Declaration(models.Model):
    """One public submission: its ticket, and the phone and address used for rate limiting."""

    ticket = models.CharField(_("受理编号"), max_length=20, unique=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="declarations")
    phone = models.CharField(_("联系电话"), max_length=20, db_index=True)
    client_address = models.CharField(_("来源地址"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("自主申报")
        verbose_name_plural = _("自主申报")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.ticket
