"""What the employment ledger keeps beside its rows: the register's 务工状况 follows each
labourer's latest month (set-wise, in the transaction that wrote the rows)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from core.batching import chunks
from core.fastinsert import BATCH, Inserter
from core.masking import mask_numbers
from core.middleware import current_request
from core.models import AuditRecord
from employment.figures import OUT, previous_month
from employment.models import EmploymentRow
from registry.models import Person

LISTED = 500  # labourers listed per change on the monthly page


def after_employment_write(
    *, actor: Any, values: Iterable[dict[str, Any]], how: str = "save"
) -> None:
    """The kit's hook after employment rows were imported, saved or deleted."""
    follow_latest_month({v["person_id"] for v in values if v.get("person_id")}, actor=actor)


def follow_latest_month(person_ids: Iterable[int], *, actor: Any = None) -> int:
    """Set each person's 务工状况 on the register to that of their latest month in the ledger
    (务工地点 is cleared for one now 未务工); a person with no month keeps what the register has,
    and a month reported without a 务工状况 says nothing of it (the month before it counts).
    Every change is audited on the person (bulk-inserted: a county's import changes a hundred
    thousand). Returns how many persons changed.

    Plain statements: each person's latest month is one step back along the (person, month)
    key, and the changes go in as one statement a batch on PostgreSQL, one executemany on SQLite
    (the ORM would build an expression per id)."""
    quote = connection.ops.quote_name
    rows, people = quote(EmploymentRow._meta.db_table), quote(Person._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    info = current_request()
    common = {
        "actor_id": getattr(actor, "pk", None),
        "action": "update",
        "object_type": "registry.person",
        "note": "务工状况随务工监测（一月一报）最近月份更新",
        "request_id": info.request_id if info else "",
        "ip": info.ip if info else "",
    }
    trail: list[dict[str, Any]] = []
    updates: list[tuple[str, bool, Any, int]] = []
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(set(person_ids))):
            cursor.execute(
                f"SELECT p.id, p.employment, p.work_place, p.household_id, p.name,"
                f" (SELECT e.status FROM {rows} e WHERE e.person_id = p.id AND e.status <> ''"
                f" ORDER BY e.month DESC LIMIT 1)"
                f" FROM {people} p WHERE p.id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            for pk, before, place, household_id, name, status in cursor.fetchall():
                if status is None or status == before:
                    continue
                updates.append((status, status == "未务工", now, pk))
                after: dict[str, Any] = {"employment": status}
                was: dict[str, Any] = {"employment": before}
                if status == "未务工" and place:
                    after["work_place"], was["work_place"] = "", place
                trail.append(
                    common
                    | {
                        "object_id": str(pk),
                        "object_repr": name[:200],
                        "before": was,
                        "after": after,
                        "household_id": household_id,
                    }
                )
        if connection.vendor == "postgresql":
            # A statement per batch: executemany is one UPDATE a person, each a round trip
            # through the pipeline (for a county's 117,000 labourers this call took 17 s; 12 s
            # now, most of it PostgreSQL rewriting the rows and their indexes).
            for batch in chunks(updates, BATCH):
                statuses, clear, _, ids = zip(*batch, strict=True)
                cursor.execute(
                    f"UPDATE {people} p SET employment = u.status,"
                    " work_place = CASE WHEN u.clear THEN '' ELSE p.work_place END,"
                    " updated_at = %s"
                    " FROM unnest(%s::text[], %s::boolean[], %s::bigint[]) AS u(status, clear, id)"
                    " WHERE p.id = u.id",
                    [now, list(statuses), list(clear), list(ids)],
                )
        else:  # SQLite steps through the one prepared statement in C
            cursor.executemany(
                f"UPDATE {people} SET employment = %s,"
                " work_place = CASE WHEN %s THEN '' ELSE work_place END, updated_at = %s"
                " WHERE id = %s",
                updates,
            )
    Inserter(AuditRecord, keyed=False).insert(trail)
    return len(trail)


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
    back = rows.filter(before__in=OUT).exclude(status__in=(*OUT, ""))
    return {"新外出": list(left[:LISTED]), "回流": list(back[:LISTED])}


MONTH_HEADERS = ["月份", "外出务工", "其中脱贫人口", "监测人口", "一般农户", "县内务工", "未务工"]
MONTH_HEADERS += ["新外出", "回流"]
CHANGE_HEADERS = ["变化", "所在地", "姓名", "证件号码", "上月", "本月", "务工单位"]


def export_monthly(
    *,
    actor: Any,
    region: Any,
    year: int,
    month: str,
    table: list[dict[str, Any]],
    lists: dict[str, list[dict[str, Any]]],
    out: Any,
) -> None:
    """The monthly page as a printable Excel 台账: each month's figures, then the month's 新外出
    and 回流 (ID numbers masked, as on the page). Audited."""
    from core import audit
    from core import labels as core_labels
    from core.permissions import Cap, require
    from ledgers.workbook import table_workbook

    require(actor, Cap.EXPORT, region)
    words = core_labels.for_year(year).words
    book = table_workbook(
        out,
        title=f"{region.name}{year}年务工监测月度情况",
        region=region,
        what=f"{year}年（新外出、回流名单为{month}）" if month else f"{year}年",
        headers=[words(h) for h in MONTH_HEADERS],
        widths={0: 10, 1: 24, 3: 20, 6: 20},
    )
    for r in table:
        work, changes = r["work"], r["changes"] or {}
        book.write_row(
            [
                r["month"],
                work["外出务工"]["persons"],
                work["外出务工"]["脱贫户"],
                work["外出务工"]["监测户"],
                work["外出务工"]["一般农户"],
                work["县内务工"]["persons"],
                work["未务工"]["persons"],
                changes.get("新外出", "—"),
                changes.get("回流", "—"),
            ]
        )
    listed = 0
    for title, rows in lists.items():
        book.write_row([])
        book.write_row([f"{month} {title}（{len(rows)}人）"], header=True)
        book.write_row(CHANGE_HEADERS, header=True)
        for r in rows:
            row = r["row"]
            name = row.person.name if row.person else ""
            before = row.before or "未填报"
            employer = mask_numbers(row.employer)  # masked as the list's 证件号码 are
            book.write_row([title, r["place"], name, r["id"], before, row.status, employer])
            listed += 1
    book.close()
    audit.record(
        actor=actor,
        action="export",
        object_type="employment.employmentrow",
        object_repr=f"导出{region.name}{year}年务工监测月度情况（名单{listed}人）",
        region_id=region.pk,
    )
