"""政策落实台账: benefits a person or a household received (formats.md §6)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ledgers.models import LedgerRow


class YuluRow(LedgerRow):
    """雨露计划: one term's subsidy to a 中职/高职 student of a 脱贫户 or 监测户."""

    LEVEL = "person"

    year = models.PositiveSmallIntegerField(_("年度"))
    term = models.CharField(_("学期"), max_length=4)
    school = models.CharField(_("学校名称"), max_length=100, blank=True)
    level = models.CharField(_("学历层次"), max_length=4, blank=True)
    grade = models.CharField(_("年级"), max_length=20, blank=True)
    amount = models.DecimalField(_("补助金额"), max_digits=12, decimal_places=2, null=True)
    paid_date = models.DateField(_("发放日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("雨露计划")
        verbose_name_plural = _("雨露计划")
        ordering = ["-year", "term", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "term"], name="yulu_person_year_term")
        ]
        indexes = [models.Index(fields=["year", "term"])]

    def __str__(self) -> str:
        return f"{self.year}年{self.term}雨露计划"


class EducationAidRow(LedgerRow):
    """教育资助: one aid item of one term (or the whole year) to a pupil or student."""

    LEVEL = "person"

    year = models.PositiveSmallIntegerField(_("年度"))
    term = models.CharField(_("学期"), max_length=4, blank=True)
    stage = models.CharField(_("学段"), max_length=4, blank=True)
    item = models.CharField(_("资助项目"), max_length=8)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2, null=True)
    paid_date = models.DateField(_("发放日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("教育资助")
        verbose_name_plural = _("教育资助")
        ordering = ["-year", "term", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "term", "item"], name="education_aid_key"
            )
        ]
        indexes = [models.Index(fields=["year", "stage"])]

    def __str__(self) -> str:
        return f"{self.year}年{self.term}{self.item}"


class HousingRenovationRow(LedgerRow):
    """危房改造: a C/D-level house of a household renovated in a year."""

    LEVEL = "household"

    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("鉴定等级"), max_length=4, blank=True)
    method = models.CharField(_("改造方式"), max_length=6, blank=True)
    amount = models.DecimalField(_("补助金额"), max_digits=12, decimal_places=2, null=True)
    start_date = models.DateField(_("开工日期"), null=True, blank=True)
    finish_date = models.DateField(_("竣工日期"), null=True, blank=True)
    accepted_date = models.DateField(_("验收日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("危房改造")
        verbose_name_plural = _("危房改造")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="housing_renovation_key")
        ]
        indexes = [models.Index(fields=["year"])]

    def __str__(self) -> str:
        return f"{self.year}年危房改造"
