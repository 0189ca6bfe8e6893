"""What exchange offers the other work apps (core.hooks): the department rows of given people,
for the 信息比对 step of monitoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from django.db.models import Count, Max, Q, QuerySet

from core.hooks import provide
from exchange.models import Batch
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
