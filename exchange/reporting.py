"""The department batches' sentences in the work report (formats.md §8, section 三、政策落实):
医保 救助 人次 from the 医保 settlements, 兜底保障 from the 民政 救助 records.

Rows are read from the batches' Parquet files (each settlement or record once, however many
files repeated it) and counted for the people of the region on the register.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exchange.models import Batch

if TYPE_CHECKING:
    import duckdb

# 兜底保障 as the reports list it: 救助类别 → the words of seed 000 (persons; 农村低保 also 户).
CIVIL_WORDS = (
    ("农村特困", "人落实特困供养保障"),
    ("农村低保", "户落实农村低保保障"),
    ("临时救助", "人落实临时救助"),
    ("事实无人抚养儿童", "人落实事实无人抚养儿童基本生活补助"),
    ("重度残疾人护理补贴", "人落实重度残疾人护理补贴"),
    ("困难残疾人生活补贴", "人落实困难残疾人生活补贴"),
    ("低保边缘", "人纳入低保边缘"),
    ("刚性支出困难", "人纳入刚性支出困难"),
)


def _files(source: str) -> list[str]:
    return [
        f
        for f in Batch.objects.filter(source=source, status=Batch.Status.DONE)
        .exclude(rows_file="")
        .values_list("rows_file", flat=True)
        if Path(f).exists()
    ]


def _people(con: duckdb.DuckDBPyConnection, region: Any) -> None:
    """The region's people as DuckDB table `people` (id_number, household_id)."""
    import pyarrow as pa

    from registry.models import Person

    qs = Person.objects.all()
    if region.parent_id is not None:
        qs = qs.filter(household__region__path__startswith=region.path)
    ids, households = [], []
    for id_number, household_id in qs.values_list("id_number", "household_id").iterator(
        chunk_size=50_000
    ):
        ids.append(id_number)
        households.append(household_id)
    con.register(
        "people_arrow",
        pa.table(
            {
                "id_number": pa.array(ids, pa.string()),
                "household_id": pa.array(households, pa.int64()),
            }
        ),
    )
    con.execute("CREATE TEMP TABLE people AS SELECT * FROM people_arrow")


def _rows(files: list[str]) -> str:
    listed = ", ".join(f"'{f}'" for f in files)
    return (
        f"(SELECT DISTINCT * EXCLUDE (row_no) FROM read_parquet([{listed}], union_by_name=true) "
        "WHERE error IS NULL)"
    )


def medical(region: Any, start: dt.date, end: dt.date) -> dict[str, int] | None:
    """人次 of 住院 with 医疗救助, of 大病保险 and of 门诊慢特病 with 医疗救助 (None: no batch)."""
    import duckdb

    files = _files("medical")
    if not files:
        return None
    con = duckdb.connect()
    try:
        _people(con, region)
        row = con.execute(
            f"""
SELECT count(*) FILTER (WHERE visit_type = '住院' AND coalesce(assist_paid, 0) > 0),
       count(*) FILTER (WHERE coalesce(serious_paid, 0) > 0),
       count(*) FILTER (WHERE visit_type = '门诊慢特病' AND coalesce(assist_paid, 0) > 0),
       count(*)
FROM {_rows(files)} d JOIN people p USING (id_number)
WHERE d.settle_date BETWEEN $start AND $end""",
            {"start": start, "end": end},
        ).fetchone()
    finally:
        con.close()
    inpatient, serious, chronic, total = (int(v or 0) for v in row or (0, 0, 0, 0))
    return {"inpatient": inpatient, "serious": serious, "chronic": chronic, "total": total}


def civil(region: Any, start: dt.date, end: dt.date) -> dict[str, dict[str, int]] | None:
    """Per 救助类别, persons (and households) whose record overlaps [start, end]."""
    import duckdb

    files = _files("civil")
    if not files:
        return None
    con = duckdb.connect()
    try:
        _people(con, region)
        rows = con.execute(
            f"""
SELECT d.aid_type, count(DISTINCT d.id_number), count(DISTINCT p.household_id)
FROM {_rows(files)} d JOIN people p USING (id_number)
WHERE d.start_date <= $end AND (d.end_date IS NULL OR d.end_date >= $start)
GROUP BY d.aid_type""",
            {"start": start, "end": end},
        ).fetchall()
    finally:
        con.close()
    return {aid: {"persons": int(p), "households": int(h)} for aid, p, h in rows}


WHOLE = {1: "全县", 2: "全镇", 3: "全村"}


def insured(region: Any, on: dt.date) -> dict[str, int]:
    """Members of the 脱贫户 and 监测户 on `on` by 是否参加城乡居民基本医疗保险 (as recorded)."""
    from django.db.models import Count, Q

    from core.batching import chunks
    from registry import history
    from registry.models import Person

    ids = [s.household_id for s in history.statuses(region, on)]
    out = {"total": 0, "yes": 0, "no": 0}
    for part in chunks(ids):
        found = Person.objects.filter(is_member=True, household_id__in=part).aggregate(
            total=Count("id"),
            yes=Count("id", filter=Q(medical_insurance=True)),
            no=Count("id", filter=Q(medical_insurance=False)),
        )
        for k, v in found.items():
            out[k] += int(v or 0)
    return out


def _insurance_sentence(region: Any, on: dt.date) -> str:
    found = insured(region, on)
    if not found["total"]:
        return ""
    whole = WHOLE.get(region.level, "")
    if found["yes"] == found["total"]:
        return f"{whole}所有脱贫户、监测户{found['total']}人已全部参加了城乡居民基本医疗保险"
    unknown = found["total"] - found["yes"] - found["no"]
    text = (
        f"{whole}脱贫户、监测户{found['total']}人中已参加城乡居民基本医疗保险{found['yes']}人，"
        f"未参保{found['no']}人"
    )
    return text + (f"，未登记参保情况{unknown}人" if unknown else "")


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """三、政策落实: 健康帮扶 (参保 from the register, 医保 batches) and 兜底保障 (民政) of
    `region` for [start, end]."""
    policy = []
    med = medical(region, start, end)
    parts = [p for p in [_insurance_sentence(region, end)] if p]
    if med is not None and med["total"]:
        parts.append(
            f"住院医疗救助{med['inpatient']}人次、大病保险政策{med['serious']}人次、"
            f"门诊慢性病救助{med['chronic']}人次"
        )
    else:
        parts.append("本期无医保结算数据")
    policy.append("健康帮扶：" + "，".join(parts) + "。")
    aid = civil(region, start, end)
    if not aid:
        policy.append("兜底保障：本期无民政救助数据。")
    else:
        parts = []
        for kind, words in CIVIL_WORDS:
            if kind in aid:
                n = aid[kind]["households" if words.startswith("户") else "persons"]
                parts.append(f"{n}{words}")
        policy.append("兜底保障：已有" + "，".join(parts) + "。")
    return {"policy": policy}


def report_figures(region: Any, start: dt.date, end: dt.date) -> list[dict[str, str]]:
    """The figures of `report_sections` with their definitions (the report's appendix)."""
    out = []
    med = medical(region, start, end)
    if med and med["total"]:
        out += [
            {"label": "住院医疗救助", "value": f"{med['inpatient']}人次",
             "definition": "医保结算中就诊类型为住院且医疗救助支付大于0的（结算日期在本期）"},
            {"label": "大病保险", "value": f"{med['serious']}人次",
             "definition": "医保结算中大病保险支付大于0的"},
            {"label": "门诊慢性病救助", "value": f"{med['chronic']}人次",
             "definition": "医保结算中就诊类型为门诊慢特病且医疗救助支付大于0的"},
        ]  # fmt: skip
    for kind, pair in (civil(region, start, end) or {}).items():
        value = (
            f"{pair['households']}户{pair['persons']}人"
            if kind == "农村低保"
            else f"{pair['persons']}人"
        )
        out.append(
            {
                "label": kind,
                "value": value,
                "definition": "民政救助记录中该类别、救助期与本期重叠的人（户）",
            }
        )
    return [{"section": "三、政策落实情况", **f} for f in out]
