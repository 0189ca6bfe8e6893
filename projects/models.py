"""衔接资金项目, their payments and the assets they leave (formats.md §6, policy.md rules 35–37).

Three kit ledgers keyed by their own county-wide numbers: `Project` (项目编号), `ProjectPayment`
(项目编号 + 凭证号; its region is its project's) and `Asset` (资产编号). Beside them: the
households a project benefits (联农带农, chosen from the register) and the approvals recorded for
changes of a project's 建设内容 or budget (变更批复), which the change history (the audit trail
of the project row) is checked against.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedQuerySet
from ledgers.models import LedgerRow

CATEGORIES = (
    "产业发展",
    "就业帮扶",
    "乡村建设",
    "基础设施",
    "易地搬迁后扶",
    "巩固三保障成果",
    "项目管理费",
    "其他",
)
INDUSTRY = "产业发展"
STATUSES = ("未开工", "在建", "已完工", "已验收", "已终止")
FINISHED = ("已完工", "已验收")
STOPPED = "已终止"
ASSET_CATEGORIES = ("经营性", "公益性", "到户类")
OWNERS = ("县", "乡镇", "村集体", "农户")
ASSET_STATUSES = ("正常运营", "闲置", "损毁", "已处置")
# The fund columns (下达资金) in the order the office writes them: 中央/省/市/县/其他.
FUNDS = (
    ("fund_central", "中央"),
    ("fund_province", "省级"),
    ("fund_city", "市级"),
    ("fund_county", "县级"),
    ("fund_other", "其他"),
)
# What a change of is a change of the approved plan (建设内容 or budget).
PLAN_FIELDS = ("content", *(key for key, _ in FUNDS))
PLAN_LABELS = {
    "content": "建设内容",
    "fund_central": "中央衔接资金",
    "fund_province": "省级衔接资金",
    "fund_city": "市级衔接资金",
    "fund_county": "县级衔接资金",
    "fund_other": "其他资金",
}


def _money(label: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, null=True, blank=True)


class Project(LedgerRow):
    """衔接资金项目: one project, its funds by level, its dates, 质保金 and 绩效目标."""

    LEVEL = "region"

    project_no = models.CharField(_("项目编号"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    batch = models.CharField(_("批次"), max_length=40, blank=True)
    category = models.CharField(_("项目类别"), max_length=10, blank=True)
    unit = models.CharField(_("实施单位"), max_length=100, blank=True)
    content = models.CharField(_("建设内容"), max_length=1000, blank=True)
    fund_central = _money(_("中央衔接资金"))
    fund_province = _money(_("省级衔接资金"))
    fund_city = _money(_("市级衔接资金"))
    fund_county = _money(_("县级衔接资金"))
    fund_other = _money(_("其他资金"))
    planned_start = models.DateField(_("计划开工日期"), null=True, blank=True)
    planned_end = models.DateField(_("计划完工日期"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工日期"), null=True, blank=True)
    actual_end = models.DateField(_("实际完工日期"), null=True, blank=True)
    accepted = models.DateField(_("验收日期"), null=True, blank=True)
    contract_amount = _money(_("合同金额"))
    settlement_amount = _money(_("结算金额"))
    retention = _money(_("质保金"))
    retention_due = models.DateField(_("质保期满日期"), null=True, blank=True)
    paid_amount = _money(_("已支付金额"))
    performance_goal = models.CharField(_("绩效目标"), max_length=1000, blank=True)
    households_benefited = models.PositiveIntegerField(_("联农带农户数"), null=True, blank=True)
    status = models.CharField(_("项目状态"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("衔接资金项目")
        verbose_name_plural = _("衔接资金项目")
        ordering = ["project_no"]
        indexes = [models.Index(fields=["year", "category"])]

    def __str__(self) -> str:
        return f"{self.project_no} {self.name}"

    @property
    def allocated(self) -> Decimal:
        """下达资金: the five fund columns summed."""
        return sum((getattr(self, key) or Decimal(0) for key, _ in FUNDS), start=Decimal(0))


class ProjectPayment(LedgerRow):
    """项目资金支付: one payment voucher of a project (its region is the project's)."""

    LEVEL = "region"

    project_no = models.CharField(_("项目编号"), max_length=40)
    voucher_no = models.CharField(_("凭证号"), max_length=40)
    paid_date = models.DateField(_("支付日期"), null=True, blank=True)
    amount = _money(_("金额"))
    purpose = models.CharField(_("支付内容"), max_length=200, blank=True)
    # Beside the layout: the project named (set by the import's link, kept when it goes).
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )

    class Meta:
        verbose_name = _("项目资金支付")
        verbose_name_plural = _("项目资金支付")
        ordering = ["project_no", "paid_date", "voucher_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["project_no", "voucher_no"], name="project_payment_voucher"
            )
        ]
        indexes = [
            models.Index(fields=["paid_date"]),
            # Covers the sums by project and by month (the progress page reads only the index).
            models.Index(fields=["project_no", "paid_date", "amount"], name="payment_sums"),
        ]

    def __str__(self) -> str:
        return f"{self.project_no} {self.voucher_no}"


class Asset(LedgerRow):
    """帮扶项目资产: one asset a project left, its 确权, 管护, yearly income and state."""

    LEVEL = "region"

    asset_no = models.CharField(_("资产编号"), max_length=40, unique=True)
    name = models.CharField(_("资产名称"), max_length=200, blank=True)
    project_no = models.CharField(_("来源项目编号"), max_length=40, blank=True, db_index=True)
    category = models.CharField(_("资产类别"), max_length=4, blank=True)
    original_value = _money(_("原值"))
    owner = models.CharField(_("确权主体"), max_length=4, blank=True)
    owned_on = models.DateField(_("确权日期"), null=True, blank=True)
    keeper = models.CharField(_("管护主体"), max_length=100, blank=True)
    keeper_person = models.CharField(_("管护责任人"), max_length=60, blank=True)
    income_year = models.PositiveSmallIntegerField(_("收益年度"), null=True, blank=True)
    income = _money(_("年度收益"))
    distribution = models.CharField(_("收益分配说明"), max_length=500, blank=True)
    status = models.CharField(_("资产状态"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("帮扶项目资产")
        verbose_name_plural = _("帮扶项目资产")
        ordering = ["asset_no"]
        indexes = [models.Index(fields=["income_year"])]

    def __str__(self) -> str:
        return f"{self.asset_no} {self.name}"


class BeneficiaryQuerySet(ScopedQuerySet):
    region_field = "project__region"


class Beneficiary(models.Model):
    """A household a project benefits (联农带农), chosen from the register."""

    # The (project, household) index serves a lookup by project: none of its own.
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.CASCADE,
        related_name="beneficiaries",
        db_index=False,
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    how = models.CharField(_("带动方式"), max_length=100, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("联农带农户")
        verbose_name_plural = _("联农带农户")
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="project_beneficiary")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.household_id}"


class ApprovalQuerySet(ScopedQuerySet):
    region_field = "project__region"


class Approval(models.Model):
    """A 变更批复: the approval of one change of a project's 建设内容 or budget (the change is
    the audit record of the project row that made it)."""

    # The (project, change_id) index serves a lookup by project: none of its own.
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.CASCADE,
        related_name="approvals",
        db_index=False,
    )
    change_id = models.BigIntegerField(_("变更记录"), db_index=True)
    document_no = models.CharField(_("批复文号"), max_length=100)
    approved_on = models.DateField(_("批复日期"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("变更批复")
        verbose_name_plural = _("变更批复")
        ordering = ["approved_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "change_id"], name="project_change_approval")
        ]

    def __str__(self) -> str:
        return f"{self.document_no}"
