"""What monitoring offers the other work apps (core.hooks), so they need not import it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from core.hooks import provide
from core.labels import Labels
from monitoring import services
from monitoring.models import Case, DeadlinePolicy, Lead, PolicyLabel

provide("monitoring.create_lead")(services.create_lead)


@provide("monitoring.income_formula")
def income_formula() -> str:
    """The configured rule-8 formula (DeadlinePolicy), which 民政's list is computed with too."""
    return DeadlinePolicy.current().after_spending_formula


@provide("monitoring.labels")
def labels(year: int) -> Labels | None:
    """The year's PolicyLabel as core.labels.Labels (None: the default applies)."""
    row = PolicyLabel.objects.filter(year=year).first()
    if row is None:
        return None
    return Labels(year, row.population, row.household or row.population, dict(row.categories))


@provide("monitoring.household_work")
def household_work(household_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Open leads (待研判 or in a procedure) and open procedures of each of these households:
    {id: {"leads": n, "cases": n}} (zeros included)."""
    ids = list(household_ids)
    out = {pk: {"leads": 0, "cases": 0} for pk in ids}
    leads = Lead.objects.open().filter(household_id__in=ids).values("household_id")
    for row in leads.annotate(n=Count("pk")):
        out[row["household_id"]]["leads"] = row["n"]
    cases = Case.objects.open().filter(household_id__in=ids).values("household_id")
    for row in cases.annotate(n=Count("pk")):
        out[row["household_id"]]["cases"] = row["n"]
    return out
