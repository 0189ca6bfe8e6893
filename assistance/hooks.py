"""What assistance offers the other work apps (core.hooks), so they need not import it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, QuerySet

from assistance import services
from assistance.models import Contact, Measure, Screening, Visit
from core.batching import chunks
from core.hooks import provide
from core.scoping import narrow
from registry.models import Household


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


@provide("assistance.household_dues")
def household_dues(household_ids: Iterable[int], today: dt.date) -> dict[int, dict[str, Any]]:
    """What is due for each of these households: {id: {last_visit, visit_due, screenings}} —
    the last visit's date, whether a visit is overdue under the visit frequencies, and how many
    screenings of running campaigns are still to fill in. A few queries whatever the number."""
    ids = list(household_ids)
    out: dict[int, dict[str, Any]] = {
        pk: {"last_visit": None, "visit_due": False, "screenings": 0} for pk in ids
    }
    if not ids:
        return out
    households = Household.objects.filter(pk__in=ids)
    for pk in services.overdue_households(households, today).values_list("pk", flat=True):
        out[pk]["visit_due"] = True
    last = Visit.objects.filter(household_id__in=ids).values("household_id").annotate(d=Max("date"))
    for row in last:
        out[row["household_id"]]["last_visit"] = row["d"]
    open_screenings = (
        Screening.objects.filter(household_id__in=ids, done=False, campaign__end_date__gte=today)
        .values("household_id")
        .annotate(n=Count("pk"))
    )
    for row in open_screenings:
        out[row["household_id"]]["screenings"] = row["n"]
    return out


@provide("assistance.unsafe_house_answers")
def unsafe_house_answers(region: Any) -> dict[int, dt.date | None]:
    """Households of `region` (and below) whose screening answered 是 to “现住房为C级或D级危房”:
    {household id: the latest such screening's campaign start}."""
    qs = Screening.objects.filter(answers__housing="是")
    qs = narrow(qs, region, "household__region")
    out: dict[int, dt.date | None] = {}
    for household_id, day in qs.values_list("household_id", "campaign__start_date"):
        latest = out.get(household_id)
        out[household_id] = max(latest, day) if latest and day else (latest or day)
    return out


@provide("assistance.contact_names")
def contact_names(household_ids: Iterable[int]) -> dict[int, list[str]]:
    """The current 帮扶联系人 of each of these households by name: {id: [name, …]} (households
    without one are left out). One query per thousand households."""
    out: dict[int, list[str]] = {}
    for chunk in chunks(sorted(set(household_ids))):
        rows = (
            Contact.objects.current()
            .filter(household_id__in=chunk)
            .order_by("household_id", "start_date", "pk")
            .values_list("household_id", "name")
        )
        for household_id, name in rows:
            out.setdefault(household_id, []).append(name)
    return out
