"""The prints of one household a county office files (issue 16): the 户档案 (the household's whole
record, for its 户袋) and the 明白卡 (the policies it enjoys, its contact cadre, the hotline).

They gather what every app keeps about the household, so they live here, above the work apps.
ID numbers and phones are masked as on the pages (a user who may see them uses 显示 first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from assistance.models import Contact, Measure, Visit
from core import audit
from core.dates import today
from core.permissions import Cap, require
from ledgers.kit import Ledger, ledgers
from monitoring.models import Case, NoticeContact
from registry.models import Household

MEASURES_SHOWN = (Measure.Status.PLANNED, Measure.Status.ONGOING, Measure.Status.DONE)


@dataclass
class LedgerBlock:
    """A ledger's rows of the household: its name, the headers and the shown cells."""

    kind: str
    name: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


def ledger_rows(household: Household, kinds: Iterable[Ledger] | None = None) -> list[LedgerBlock]:
    """Every person or household ledger's rows of this household (one query per ledger),
    masked; ledgers without rows are left out."""
    out = []
    for ledger in kinds or ledgers().values():
        if ledger.level == "region":
            continue
        qs = (
            ledger.model.objects.filter(household=household)
            .select_related(*ledger.related())
            .order_by("pk")
        )
        shown = [c for c in ledger.layout.exported if c.key not in ("id_number", "number")]
        rows = []
        for row in qs[:200]:
            values = ledger.values(row)
            rows.append([c.show(values.get(c.key), full=False) for c in shown])
        if rows:
            out.append(LedgerBlock(ledger.kind, ledger.name, [c.header for c in shown], rows))
    return out


def household_record(household: Household) -> dict[str, Any]:
    """Everything kept about one household for its 户档案."""
    on = today()
    members = list(household.persons.filter(is_member=True).order_by("id"))
    for p in members:
        p.age = p.age_on(on)
    return {
        "household": household,
        "place": household.region.place(),
        "members": members,
        "removed": list(household.persons.filter(is_member=False).order_by("id")),
        "incomes": list(household.incomes.order_by("-year")),
        "events": list(household.events.select_related("person").order_by("date", "id")),
        "cases": list(
            Case.objects.filter(household=household)
            .prefetch_related("steps")
            .order_by("start_date", "id")
        ),
        "contacts": list(Contact.objects.filter(household=household).order_by("-start_date")),
        "measures": list(
            Measure.objects.filter(household=household)
            .select_related("person")
            .order_by("-start_date", "-id")
        ),
        "visits": list(
            Visit.objects.filter(household=household)
            .select_related("visitor")
            .order_by("-date", "-id")[:50]
        ),
        "ledgers": ledger_rows(household),
        "today": on,
    }


def policy_card(household: Household) -> dict[str, Any]:
    """What the 明白卡 says: the household, its measures and the policies it enjoys (its rows
    in the benefit ledgers), its contact cadre, and where to call."""
    on = today()
    supervision = NoticeContact.for_region(household.region)
    return {
        "household": household,
        "place": household.region.place(),
        "members": household.persons.filter(is_member=True).count(),
        "contacts": list(Contact.objects.current().filter(household=household)),
        "measures": list(
            Measure.objects.filter(household=household, status__in=MEASURES_SHOWN)
            .select_related("person")
            .order_by("category", "-start_date")
        ),
        "ledgers": ledger_rows(household),
        "supervision": supervision,
        "hotline": str(getattr(settings, "FANGPIN_HOTLINE", "12317")),
        "today": on,
    }


@transaction.atomic
def log_print(*, actor: Any, household: Household, what: str) -> None:
    """Prints with people's data are for who may export, and logged like an export."""
    require(actor, Cap.EXPORT, household.region)
    audit.record(
        actor=actor,
        action="export",
        obj=household,
        household_id=household.pk,
        region_id=household.region_id,
        note=f"打印{what}",
    )
