"""What the employment ledger keeps beside its rows: the register's 务工状况 follows each
labourer's latest month (set-wise, in the transaction that wrote the rows)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from core import audit
from core.batching import chunks
from core.models import AuditRecord
from employment.figures import OUT, previous_month
from employment.models import EmploymentRow
from registry.models import Person

LISTED = 500  # labourers listed per change on the monthly page


def after_employment_write(*, actor: Any, values: list[dict[str, Any]], how: str = "save") -> None:
    """The kit's hook after employment rows were imported, saved or deleted."""
    follow_latest_month({v["person_id"] for v in values if v.get("person_id")}, actor=actor)


def follow_latest_month(person_ids: Iterable[int], *, actor: Any = None) -> int:
    """Set each person's 务工状况 on the register to that of their latest month in the ledger
    (务工地点 is cleared for one now 未务工); a person with no month keeps what the register has.
    Every change is audited on the person. Returns how many persons changed."""
    latest = Subquery(
        EmploymentRow.objects.filter(person_id=OuterRef("pk"))
        .order_by("-month")
        .values("status")[:1]
    )
    changed = 0
    now = timezone.now()
    for chunk in chunks(sorted(set(person_ids))):
        found = (
            Person.objects.filter(pk__in=chunk)
            .annotate(latest=latest)
            .exclude(latest=None)
            .exclude(employment=F("latest"))
            .values_list("pk", "employment", "work_place", "latest", "household_id", "name")
        )
        by_status: dict[str, list[int]] = {}
        records = []
        for pk, before, place, status, household_id, name in found:
            by_status.setdefault(status, []).append(pk)
            after: dict[str, Any] = {"employment": status}
            was: dict[str, Any] = {"employment": before}
            if status == "未务工" and place:
                after["work_place"], was["work_place"] = "", place
            records.append(
                AuditRecord(
                    action="update",
                    object_type="registry.person",
                    object_id=str(pk),
                    object_repr=name[:200],
                    before=was,
                    after=after,
                    household_id=household_id,
                    note="务工状况随务工监测（一月一报）最近月份更新",
                )
            )
        for status, pks in by_status.items():
            fields: dict[str, Any] = {"employment": status, "updated_at": now}
            if status == "未务工":
                fields["work_place"] = ""
            Person.objects.filter(pk__in=pks).update(**fields)
        audit.audit_objects(actor, "update", records)
        changed += len(records)
    return changed


def changes(qs: Any, month: str) -> dict[str, list[EmploymentRow]]:
    """The labourers of `qs` (employment rows) who 新外出 or 回流 in `month` against the month
    before (employment.figures says how), with `before` the status of the month before."""
    before = previous_month(month)
    earlier = Subquery(
        EmploymentRow.objects.filter(person_id=OuterRef("person_id"), month=before).values(
            "status"
        )[:1]
    )
    if not qs.filter(month=before).exists():
        return {"新外出": [], "回流": []}
    rows = (
        qs.filter(month=month)
        .annotate(before=earlier)
        .select_related("person", "region", "region__parent")
        .order_by("region__path", "person__name", "pk")
    )
    left = rows.filter(Q(before__isnull=True) | ~Q(before__in=OUT), status__in=OUT)
    back = rows.filter(before__in=OUT).exclude(status__in=OUT)
    return {"新外出": list(left[:LISTED]), "回流": list(back[:LISTED])}
