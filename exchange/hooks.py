"""What exchange offers the other work apps (core.hooks), so they need not import it: the
department rows of given people (for the 信息比对 step of monitoring), and the open items (预警 and
疑点) of a rule in a region (for the rectification ledger's 关联规则)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from core.hooks import provide
from exchange.engine import ensure_rules
from exchange.models import Batch, Item, ItemQuerySet, Rule
from exchange.readers import SOURCES, _lit


def _batches(region: Any) -> QuerySet[Batch]:
    """Comparable batches whose scope covers `region` (the county's file covers its villages) or
    lies inside it."""
    qs = Batch.objects.filter(status=Batch.Status.DONE).exclude(rows_file="")
    if region is None:
        return qs
    above = [int(pk) for pk in region.path.strip("/").split("/") if pk]
    return qs.filter(Q(region_id__in=above) | Q(region__path__startswith=region.path))


@provide("exchange.loaded_sources")
def loaded_sources(*, region: Any = None) -> list[dict[str, Any]]:
    """Every department source with how many batches are loaded for `region` and the latest
    比对基准日 (0 and None when none is)."""
    counts = {
        row["source"]: row
        for row in _batches(region).values("source").annotate(n=Count("pk"), latest=Max("as_of"))
    }
    return [
        {
            "source": code,
            "label": spec.department,
            "batches": counts.get(code, {}).get("n", 0),
            "latest": counts.get(code, {}).get("latest"),
        }
        for code, spec in SOURCES.items()
    ]


@provide("exchange.person_findings")
def person_findings(
    id_numbers: Iterable[str], *, region: Any = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The rows of the loaded department batches about these people: per row its department,
    batch, 比对基准日 and the file's columns (Chinese headers), newest batch first."""
    numbers = sorted({n for n in id_numbers if n})
    if not numbers:
        return []
    batches = {b.rows_file: b for b in _batches(region) if Path(b.rows_file).exists()}
    found: list[dict[str, Any]] = []
    import duckdb

    con = duckdb.connect()
    try:
        for source, spec in SOURCES.items():
            files = [f for f, b in batches.items() if b.source == source]
            if not files:
                continue
            headers = {c.alias: c.header for c in spec.columns if c.kind != "id"}
            listed = ", ".join(_lit(f) for f in files)
            cur = con.execute(
                f"SELECT * FROM read_parquet([{listed}], union_by_name=true, filename=true) "
                f"WHERE error IS NULL AND list_contains($ids, id_number) LIMIT {int(limit)}",
                {"ids": numbers},
            )
            names = [d[0] for d in cur.description]
            for values in cur.fetchall():
                row = dict(zip(names, values, strict=True))
                batch = batches[row["filename"]]
                found.append(
                    {
                        "source": source,
                        "source_label": spec.department,
                        "batch": batch.pk,
                        "batch_name": batch.filename,
                        "as_of": batch.as_of.isoformat(),
                        "id_number": row["id_number"],
                        "name": row.get("name") or "",
                        "row": row["row_no"],
                        "fields": {
                            header: _shown(row.get(alias))
                            for alias, header in headers.items()
                            if alias != "name" and row.get(alias) not in (None, "")
                        },
                    }
                )
    finally:
        con.close()
    order = {code: i for i, code in enumerate(SOURCES)}
    found.sort(key=lambda f: (f["as_of"], f["batch"]), reverse=True)  # newest batch first
    found.sort(key=lambda f: order[f["source"]])  # stable: per department in the usual order
    return found[:limit]


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    return str(value)


def _open_below(region: Any) -> ItemQuerySet:
    items = Item.objects.open()
    if region is not None and region.parent_id is not None:
        items = items.filter(region__path__startswith=region.path)
    return items


@provide("exchange.open_items")
def open_items(rule_code: str, region: Any) -> int:
    """How many items of the rule `rule_code` are still open (待核实 or 已分派) in `region` and
    below (everywhere when `region` is None or the county)."""
    return _open_below(region).filter(rule__code=rule_code).count()


@provide("exchange.open_item_rules")
def open_item_rules(region: Any) -> list[dict[str, Any]]:
    """The rules with open items in `region` and below: [{code, name, rule_id, count}], by code."""
    rows = (
        _open_below(region)
        .values("rule_id", "rule__code", "rule__name")
        .annotate(count=Count("pk"))
        .order_by("rule__code")
    )
    return [
        {
            "code": r["rule__code"],
            "name": r["rule__name"],
            "rule_id": r["rule_id"],
            "count": r["count"],
        }
        for r in rows
    ]


@provide("exchange.rule")
def rule(code: str) -> dict[str, Any] | None:
    """The rule with this code as {id, code, name} (a built-in or registered check counts before
    its first run), or None when the system has no such rule."""
    found = Rule.objects.filter(code=code).first() or ensure_rules().get(code)
    return {"id": found.pk, "code": found.code, "name": found.name} if found else None
