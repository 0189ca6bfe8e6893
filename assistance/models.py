"""Assistance: 一户一策 measures (contacts, visits and screenings build on the same app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import codes
from core.scoping import ScopedQuerySet


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

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    category = models.CharField(_("措施类别"), max_length=12, choices=codes.choices("measure"))
    subtype = models.CharField(_("具体措施"), max_length=60, blank=True)
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
