"""What exchange offers the other work apps (core.hooks), so they need not import it: the
department rows of given people (for the 信息比对 step of monitoring), and the open items (预警 and
疑点) of a rule in a region (for the rectification ledger's 关联规则)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q, QuerySet

from core.hooks import provide
from core.masking import mask_numbers
from core.scoping import narrow
from exchange.engine import ensure_rules, register_snapshot
from exchange.models import Batch, Item, ItemQuerySet, Rule
from exchange.readers import SOURCES, _lit

if TYPE_CHECKING:
    import duckdb


def _batches(region: Any) -> QuerySet[Batch]:
    """Comparable batches whose scope covers `region` (the county's file covers its villages, a
    command's every county) or lies inside it."""
    qs = Batch.objects.filter(status=Batch.Status.DONE).exclude(rows_file="")
    if region is None:
        return qs
    above = [int(pk) for pk in region.path.strip("/").split("/") if pk]
    return qs.filter(
        Q(region_id__in=above) | Q(region__path__startswith=region.path) | Q(region__isnull=True)
    )


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
                        "batch_name": mask_numbers(batch.filename),
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
    """A department cell as the case page shows it (and its step's record keeps it): a 残疾人证号
    is its holder's ID number and two digits, and any text may hold a number, so numbers are
    masked as the register masks them."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    return mask_numbers(str(value))


def _open_below(region: Any) -> ItemQuerySet:
    return narrow(Item.objects.open(), region)


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


def _people(con: duckdb.DuckDBPyConnection, region: Any) -> None:
    """DuckDB table `people` (id_number, person_id, household_id) of `region` and below, from
    the register snapshot the comparisons use (read once, cached while the register is
    unchanged)."""
    snapshot = register_snapshot(region).select(["id_number", "person_id", "household_id"])
    con.register("people_arrow", snapshot)
    con.execute("CREATE OR REPLACE TEMP TABLE people AS SELECT * FROM people_arrow")


def _source_rows(source: str, region: Any) -> tuple[str, int]:
    """SQL of the valid rows of the source's loaded batches for `region` (each row once, however
    many monthly files repeat it), and how many batches they come from."""
    files = [
        f
        for f in _batches(region).filter(source=source).values_list("rows_file", flat=True)
        if Path(f).exists()
    ]
    if not files:
        return "", 0
    listed = ", ".join(_lit(f) for f in files)
    sql = (
        f"SELECT DISTINCT * EXCLUDE (row_no, error) FROM read_parquet([{listed}], "
        "union_by_name=true) WHERE error IS NULL"
    )
    return sql, len(files)


def _four(rows: Any, persons: Any, households: Any, amount: Any) -> dict[str, Any]:
    return {
        "rows": int(rows or 0),
        "persons": int(persons or 0),
        "households": int(households or 0),
        "amount": f"{Decimal(amount or 0).quantize(Decimal('0.01'))}",
    }


AID_TYPES = next(c for c in SOURCES["civil"].columns if c.alias == "aid_type").values

# 医保 figures of the report (formats.md §8): 人次 (settlements) by what the fund paid.
MEDICAL_FIGURES = {
    "住院医疗救助": ("visit_type = '住院' AND assist_paid > 0", "assist_paid"),
    "大病保险": ("serious_paid > 0", "serious_paid"),
    "门诊慢特病医疗救助": ("visit_type = '门诊慢特病' AND assist_paid > 0", "assist_paid"),
}


@provide("exchange.policy_figures")
def policy_figures(region: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The department figures the report's 三、政策落实 quotes, for the people of `region`
    (and below) on the register, in [start, end]: 医保 settlements (人次 = rows, persons,
    households, amount paid by the fund) with 医疗救助支付 > 0 (住院, 门诊慢特病) and
    大病保险支付 > 0, by 结算日期, and `settlements`, every settlement of theirs in the period
    (0: the batches hold none, so the report has no 医保 figure to give); 民政 assistance by
    救助类别 (persons, households, amount) whose 开始日期…结束日期 overlaps the period. Each
    settlement or assistance row counts once however many batches repeat it."""
    empty = _four(0, 0, 0, 0)
    out: dict[str, Any] = {
        "medical": {
            "batches": 0,
            "settlements": 0,
            **{label: dict(empty) for label in MEDICAL_FIGURES},
        },
        "civil": {
            "batches": 0,
            "by_type": {t: dict(empty) for t in AID_TYPES},
        },
    }
    medical, med_batches = _source_rows("medical", region)
    civil, civil_batches = _source_rows("civil", region)
    if not (med_batches or civil_batches):
        return out
    import duckdb

    con = duckdb.connect()
    try:
        _people(con, region)
        period = {"start": start, "end": end}
        if med_batches:
            out["medical"]["batches"] = med_batches
            selects = ", ".join(
                f"count(*) FILTER (WHERE {where}), "
                f"count(DISTINCT person_id) FILTER (WHERE {where}), "
                f"count(DISTINCT household_id) FILTER (WHERE {where}), "
                f"sum({paid}) FILTER (WHERE {where})"
                for where, paid in MEDICAL_FIGURES.values()
            )
            found = (
                con.execute(
                    f"SELECT {selects}, count(*) FROM ({medical}) m JOIN people USING (id_number) "
                    "WHERE settle_date BETWEEN $start AND $end",
                    period,
                ).fetchone()
                or ()
            )
            for i, label in enumerate(MEDICAL_FIGURES):
                out["medical"][label] = _four(*found[i * 4 : i * 4 + 4])
            out["medical"]["settlements"] = int(found[-1] or 0) if found else 0
        if civil_batches:
            out["civil"]["batches"] = civil_batches
            for aid_type, persons, households, amount, n in con.execute(
                "SELECT aid_type, count(DISTINCT person_id), count(DISTINCT household_id), "
                f"sum(amount), count(*) FROM ({civil}) c JOIN people USING (id_number) "
                "WHERE start_date <= $end AND (end_date IS NULL OR end_date >= $start) "
                "GROUP BY aid_type",
                period,
            ).fetchall():
                out["civil"]["by_type"][aid_type] = _four(n, persons, households, amount)
    finally:
        con.close()
    return out


@provide("exchange.unsafe_houses")
def unsafe_houses(region: Any, grades: Iterable[str] = ("C", "D")) -> list[dict[str, Any]]:
    """Households of `region` whose house the 住建 batches last appraised at one of `grades`:
    [{household_id, person_id, grade, assessed_date}], one per household (its latest appraisal)."""
    rows_sql, batches = _source_rows("housing", region)
    if not batches:
        return []
    import duckdb

    con = duckdb.connect()
    try:
        _people(con, region)
        found = con.execute(
            "SELECT household_id, person_id, grade, assessed_date FROM ("
            "  SELECT p.household_id, p.person_id, h.grade, h.assessed_date, row_number() OVER "
            "  (PARTITION BY p.household_id ORDER BY h.assessed_date DESC, p.person_id) AS rn"
            f"  FROM ({rows_sql}) h JOIN people p USING (id_number)"
            ") WHERE rn = 1 AND list_contains($grades, grade) ORDER BY household_id",
            {"grades": list(grades)},
        ).fetchall()
    finally:
        con.close()
    return [
        {"household_id": h, "person_id": p, "grade": g, "assessed_date": d} for h, p, g, d in found
    ]


@provide("exchange.rule_parameters")
def rule_parameters(codes: list[str], year: int, region: Any = None) -> dict[str, dict[str, Any]]:
    """{code: the rule's parameters for `year` in `region`} (defaults overlaid with the settings
    of that year that cover the region: every county's, then its county's) for those of `codes`
    the system has as rules; two queries."""
    return {
        found.code: found.parameters_for(year, region)
        for found in Rule.objects.filter(code__in=codes).prefetch_related("yearly")
    }
