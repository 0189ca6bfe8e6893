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
