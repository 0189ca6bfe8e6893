"""岗位、光伏与小额信贷: the ledgers of 公益性岗位, 光伏收益分配 and 小额信贷 (formats.md §6), and
the town's list of 村干部 that rule 31 reads (村干部及其家庭成员不得聘用为公益性岗位)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ledgers.models import LedgerRow


def _money(label: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, null=True, blank=True)


class PostRow(LedgerRow):
    """公益性岗位: one engagement of a labourer on a post, from 聘用开始日期 to 退岗 or the
    contract's end; a renewal is a new row with its own 聘用开始日期."""

    LEVEL = "person"

    class Status(models.TextChoices):
        ON = "在岗", _("在岗")
        LEFT = "已退岗", _("已退岗")

    post_name = models.CharField(_("岗位名称"), max_length=60, blank=True)
    category = models.CharField(_("岗位类别"), max_length=10, blank=True)
    funding = models.CharField(_("资金来源"), max_length=10, blank=True)
    start = models.DateField(_("聘用开始日期"))
    end = models.DateField(_("聘用结束日期"), null=True, blank=True)
    monthly_pay = _money(_("月补贴标准"))
    status = models.CharField(_("状态"), max_length=4, blank=True, default=Status.ON)
    exit_date = models.DateField(_("退岗日期"), null=True, blank=True)
    exit_reason = models.CharField(_("退岗原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("公益性岗位")
        verbose_name_plural = _("公益性岗位")
        ordering = ["-start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "start"], name="post_person_start")
        ]
        indexes = [models.Index(fields=["start"]), models.Index(fields=["funding", "status"])]

    def __str__(self) -> str:
        return f"{self.post_name or self.category or '公益性岗位'}（{self.start:%Y-%m-%d}起）"

    @property
    def term_end(self) -> object:
        """When the engagement ends: 退岗日期, else the contract's 聘用结束日期 (None: open)."""
        return self.exit_date or self.end


class PvIncomeRow(LedgerRow):
    """光伏收益分配: a village station's revenue of one year, its 运维 and the three allowed uses
    (公益岗位, 小型公益事业, 奖励补助; policy.md §10.4)."""

    LEVEL = "region"

    station = models.CharField(_("电站名称"), max_length=100)
    capacity = models.DecimalField(
        _("装机容量(kW)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    revenue = _money(_("发电收益"))
    upkeep = _money(_("运维费用"))
    post_wages = _money(_("公益岗位支出"))
    public_works = _money(_("公益事业支出"))
    awards = _money(_("奖励补助支出"))
    other = _money(_("其他支出"))
    published = models.DateField(_("公示日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("光伏收益分配")
        verbose_name_plural = _("光伏收益分配")
        ordering = ["-year", "region_id", "station"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "station", "year"], name="pv_region_station_year"
            )
        ]
        indexes = [models.Index(fields=["year"])]

    def __str__(self) -> str:
        return f"{self.year}年{self.station}收益分配"


class LoanRow(LedgerRow):
    """小额信贷: one loan contract of a borrower (脱贫人口 or 监测对象), with its 贴息 and repayment
    status."""

    LEVEL = "person"

    contract_no = models.CharField(_("合同编号"), max_length=60)
    bank = models.CharField(_("贷款银行"), max_length=60, blank=True)
    lent_date = models.DateField(_("放款日期"), null=True, blank=True)
    amount = _money(_("贷款金额"))
    term_months = models.PositiveSmallIntegerField(_("期限(月)"), null=True, blank=True)
    due_date = models.DateField(_("到期日期"), null=True, blank=True)
    rate = models.DecimalField(
        _("年利率(%)"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    use_mode = models.CharField(_("使用方式"), max_length=6, blank=True)
    purpose = models.CharField(_("贷款用途"), max_length=100, blank=True)
    subsidy = _money(_("贴息金额"))
    repayment = models.CharField(_("还款状态"), max_length=4, blank=True)
    overdue_amount = _money(_("逾期金额"))

    class Meta:
        verbose_name = _("小额信贷")
        verbose_name_plural = _("小额信贷")
        ordering = ["-lent_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "contract_no"], name="loan_person_contract")
        ]
        indexes = [models.Index(fields=["lent_date"]), models.Index(fields=["due_date"])]

    def __str__(self) -> str:
        return f"小额信贷{self.contract_no}"

    @property
    def term_end(self) -> object:
        """When the loan ends: its 到期日期."""
        return self.due_date


class CadreRow(LedgerRow):
    """村干部名单: who holds a village office, by 证件号码, kept by the town so that rule 31 can
    find 村干部 and their family members on a 公益性岗位."""

    LEVEL = "region"

    name = models.CharField(_("姓名"), max_length=60)
    cadre_id = models.CharField(_("证件号码"), max_length=22, db_index=True)
    office = models.CharField(_("职务"), max_length=30, blank=True)
    start = models.DateField(_("任职开始日期"))
    end = models.DateField(_("任职结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("村干部名单")
        verbose_name_plural = _("村干部名单")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "cadre_id", "start"], name="cadre_region_id_start"
            )
        ]
        indexes = [models.Index(fields=["start"])]

    def __str__(self) -> str:
        return f"{self.office or '村干部'}{self.name}"
