"""What assistance offers the other work apps (core.hooks), so they need not import it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from assistance import services
from assistance.models import Measure
from core.hooks import provide


@provide("assistance.save_measure")
def save_measure(*, actor: Any, household: Any, **fields: Any) -> Measure:
    """Record a 一户一策 measure (the 绿色通道 of monitoring records one before the procedure)."""
    return services.save_measure(actor=actor, household=household, **fields)


@provide("assistance.live_measures")
def live_measures() -> QuerySet[Measure]:
    """Measures that are planned, ongoing or done (not stopped): monitoring and comparison rules
    read them."""
    return Measure.objects.exclude(status=Measure.Status.STOPPED)


@provide("assistance.measures")
def measures() -> QuerySet[Measure]:
    """Every measure, for comparison rules that judge their status themselves."""
    return Measure.objects.all()
