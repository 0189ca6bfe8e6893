"""What the benefit ledgers say about one household: its benefits by year (the household page)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q

from ledgers.kit import ledger
from registry.models import Person

KINDS = ("yulu", "education_aid", "housing_renovation")


def _what(kind: str, row: Any) -> str:
    if kind == "yulu":
        parts = [row.term, row.level, row.school]
    elif kind == "education_aid":
        parts = [row.term or "全年", row.stage, row.item]
    else:
        parts = [row.grade, row.method]
    return " ".join(p for p in parts if p)


def household_benefits(household: Any) -> list[dict[str, Any]]:
    """[{year, rows: [{kind, name, person, what, amount, pk}], amount}] newest year first: every
    row of the benefit ledgers about the household or one of its people (one query a ledger)."""
    by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for kind in KINDS:
        book = ledger(kind)
        who = Q(household=household)
        if book.level == "person":
            # Its people's rows too (someone who moved in brings theirs): both sides indexed.
            who |= Q(person_id__in=Person.objects.filter(household=household).values("pk"))
        for row in book.model.objects.filter(who).select_related("person"):
            by_year[row.year].append(
                {
                    "kind": kind,
                    "name": book.name,
                    "person": row.person.name if row.person else "",
                    "what": _what(kind, row),
                    "amount": row.amount,
                    "pk": row.pk,
                }
            )
    return [
        {
            "year": year,
            "rows": rows,
            "amount": sum((r["amount"] or Decimal(0) for r in rows), Decimal(0)),
        }
        for year, rows in sorted(by_year.items(), reverse=True)
    ]
