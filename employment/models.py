"""就业与产业帮扶台账 (formats.md §6): 务工监测（一月一报）, 务工补贴, 产业奖补."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ledgers.models import LedgerRow


class EmploymentRow(LedgerRow):
    """务工监测（一月一报）: one labourer's work in one month (the history behind the register's
    务工状况, which follows the latest month)."""

    LEVEL = "person"

    month = models.CharField(_("月份"), max_length=7)
    status = models.CharField(_("务工状况"), max_length=10, blank=True)
    form = models.CharField(_("就业形式"), max_length=10, blank=True)
    employer = models.CharField(_("务工单位"), max_length=100, blank=True)
    income = models.DecimalField(_("月收入"), max_digits=12, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("务工监测")
        verbose_name_plural = _("务工监测")
        ordering = ["-month", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="employment_person_month")
        ]
        # Serves the monthly figures (employment.figures): counts by month and status (the
        # distinct households come from the person, where the labourer lives now).
        indexes = [models.Index(fields=["month", "status", "household"])]

    def __str__(self) -> str:
        return f"{self.month}务工监测"


class LabourSubsidyRow(LedgerRow):
    """务工补贴: one subsidy of one kind paid to a labourer in a year."""

    LEVEL = "person"

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("补贴类型"), max_length=12)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2, null=True)
    paid_date = models.DateField(_("发放日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("务工补贴")
        verbose_name_plural = _("务工补贴")
        ordering = ["-year", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "kind"], name="labour_subsidy_person_year_kind"
            )
        ]
        indexes = [models.Index(fields=["year", "kind"])]

    def __str__(self) -> str:
        return f"{self.year}年{self.kind}"


class IndustryAidRow(LedgerRow):
    """产业奖补: one 奖补 payment to a household (到户产业奖补, 三业奖补, 庭院经济奖补)."""

    LEVEL = "household"

    year = models.PositiveSmallIntegerField(_("年度"))
    item = models.CharField(_("奖补项目"), max_length=10)
    industry = models.CharField(_("产业类型"), max_length=50, blank=True)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2, null=True)
    paid_date = models.DateField(_("发放日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("产业奖补")
        verbose_name_plural = _("产业奖补")
        ordering = ["-year", "item", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year", "item", "industry"],
                name="industry_aid_household_year_item",
            )
        ]
        indexes = [models.Index(fields=["year", "item"])]

    def __str__(self) -> str:
        return f"{self.year}年{self.item}"
