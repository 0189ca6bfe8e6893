"""Department comparison at county scale: a 3,000,000-row 医保 file plus one file of every other
source against the 130,000-household demo county, from the service call to finished warnings.

    .venv/bin/python bench/bench_exchange.py          # engines from FANGPIN_BENCH_ENGINES

Per engine, three child processes (so each peak memory is its own): `generate` writes the files
under bench/out/exchange-<N>/ from real register ID numbers plus unmatched and malformed rows
(not timed); `run` clears earlier batches and calls exchange.services.compare for every file
(timed: wall time and peak RSS); `pandas` does the 医保 part of the same job with pandas (read,
validate, normalise, match, 12-month self-payment rule) for comparison.
Targets (issue 5): < 60 s wall, < 2 GiB peak.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HOUSEHOLDS, OUT, build_county, engines, peak_rss_mb

MEDICAL_ROWS = int(os.environ.get("FANGPIN_BENCH_MEDICAL_ROWS", "3000000"))
OTHER_ROWS = 20_000
AS_OF = dt.date(2026, 6, 30)
SOURCES = (
    "medical",
    "disability",
    "civil",
    "education",
    "housing",
    "employment",
    "disaster",
    "civil_registry",
)


def files_dir() -> Path:
    return OUT / f"exchange-{HOUSEHOLDS}"


def _pick(values: tuple[str, ...], salt: int) -> str:
    """SQL choosing one of `values` from the row number (deterministic)."""
    cases = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE hash(i * {salt}) % {len(values)} {cases} END"


def _day(start: str, days: int, salt: int) -> str:
    return f"strftime(DATE '{start}' + CAST(hash(i * {salt}) % {days} AS INTEGER), '%Y-%m-%d')"


# Columns per source after 证件号码 and 姓名, as SQL over row number i.
COLUMNS: dict[str, list[str]] = {
    "medical": [
        _day("2025-07-01", 365, 3),
        _pick(("住院", "门诊慢特病", "普通门诊", "普通门诊", "普通门诊"), 5),
        "CAST(1000 + hash(i * 7) % 9000 AS VARCHAR)",
        "'600'",
        "'0'",
        "'0'",
        "CAST(CASE WHEN hash(i * 11) % 1000 = 0 THEN 8000 + hash(i * 13) % 20000 "
        "ELSE hash(i * 17) % 800 END AS VARCHAR)",
    ],
    "disability": [
        "ids.id_number || '41'",
        _pick(("肢体", "视力", "听力", "智力", "精神"), 3),
        _pick(("一级", "二级", "三级", "四级"), 5),
        _day("2025-01-01", 540, 7),
    ],
    "civil": [
        _pick(("农村低保", "农村特困", "临时救助", "低保边缘", "刚性支出困难"), 3),
        _day("2024-01-01", 900, 5),
        "CASE WHEN hash(i * 7) % 5 = 0 THEN " + _day("2025-01-01", 500, 11) + " ELSE '' END",
        "CAST(300 + hash(i * 13) % 900 AS VARCHAR)",
    ],
    "education": [
        _pick(("小学", "初中", "高中", "中职"), 3),
        _pick(("一年级", "二年级", "三年级"), 5),
        "CASE WHEN hash(i * 7) % 100 = 0 THEN '辍学' ELSE '在读' END",
        _pick(("第一小学", "第二中学", "县职校"), 11),
        _day("2026-01-01", 150, 13),
    ],
    "housing": [
        "CASE WHEN hash(i * 3) % 33 = 0 THEN 'C' WHEN hash(i * 3) % 97 = 0 THEN 'D' "
        "ELSE " + _pick(("A", "B"), 5) + " END",
        _day("2025-06-01", 365, 7),
    ],
    "employment": [
        _pick(("已就业", "已就业", "未就业"), 3),
        _pick(("广东省广州市白云区", "浙江省义乌市", "湖北省武汉市", ""), 5),
        "CAST(2000 + hash(i * 7) % 6000 AS VARCHAR)",
        _day("2026-01-01", 150, 11),
    ],
    "disaster": [
        _pick(("洪涝", "干旱", "冰雹", "风灾"), 3),
        _day("2026-03-01", 100, 5),
        "CAST(hash(i * 7) % 30000 AS VARCHAR)",
    ],
    "civil_registry": [
        _pick(("死亡", "迁出", "迁入", "死亡"), 3),
        _day("2026-01-01", 170, 5),
    ],
}


def generate() -> dict:
    """Write every source file from the register's ID numbers (child process)."""
    import duckdb
    import pyarrow as pa

    from core.idnumber import make_valid
    from exchange.readers import SOURCES as SPECS
    from registry.models import Person

    out = files_dir()
    out.mkdir(exist_ok=True)
    ids = list(Person.objects.filter(is_member=True).values_list("id_number", flat=True))
    fake = [make_valid(f"110105{1950 + k % 50}0101{k % 1000:03d}") for k in range(1000)]
    con = duckdb.connect()
    con.register("ids_arrow", pa.table({"id_number": ids, "idx": range(len(ids))}))
    con.register("fake_arrow", pa.table({"id_number": fake, "idx": range(len(fake))}))
    n = len(ids)
    sizes = {}
    for source in SOURCES:
        rows = MEDICAL_ROWS if source == "medical" else OTHER_ROWS
        headers = SPECS[source].headers
        extra = ", ".join(
            f'{expr} AS "{h}"' for expr, h in zip(COLUMNS[source], headers[2:], strict=True)
        )
        # 1 row in 200 names someone outside the register; a few rows are malformed.
        select = (
            f'SELECT CASE WHEN i % 200 = 7 THEN f.id_number ELSE ids.id_number END AS "证件号码", '
            f"'某某' AS \"姓名\", {extra} FROM range({rows}) t(i) "
            f"JOIN ids_arrow ids ON ids.idx = hash(i) % {n} "
            "JOIN fake_arrow f ON f.idx = i % 1000"
        )
        bad = ", ".join(["'x'"] * (len(headers) - 1))
        path = out / f"{source}.csv"
        con.execute(
            f"COPY ({select} UNION ALL SELECT 'ABC123', {bad} FROM range(5)) "
            f"TO '{path}' (HEADER, DELIMITER ',')"
        )
        if source == "civil":  # one file in GB18030, as county offices often send
            text = path.read_text(encoding="utf-8")
            path.write_text(text, encoding="gb18030")
        sizes[source] = rows + 5
    return {"persons": n, "rows": sizes}


def run() -> dict:
    """Compare every file through the service, timed (child process)."""
    from exchange import services
    from exchange.models import Batch, Item, RuleRunStat

    RuleRunStat.objects.all().delete()
    Item.objects.all().delete()
    for f in Batch.objects.exclude(rows_file="").values_list("rows_file", flat=True):
        Path(f).unlink(missing_ok=True)
    Batch.objects.all().delete()
    per_source = {}
    started = time.perf_counter()
    for source in SOURCES:
        t0 = time.perf_counter()
        batch = services.compare(
            actor=None, source=source, path=files_dir() / f"{source}.csv", as_of=AS_OF
        )
        per_source[source] = {
            "seconds": round(time.perf_counter() - t0, 1),
            "records": batch.records,
            "matched": batch.matched,
            "unmatched": batch.unmatched,
            "rejected_rows": batch.rejected_rows,
            "warnings_created": batch.warnings_created,
            "findings_created": batch.findings_created,
        }
    wall = time.perf_counter() - started
    return {"wall_s": round(wall, 1), "peak_mib": peak_rss_mb(), "sources": per_source}


def run_pandas() -> dict:
    """The 医保 part of the job with pandas: read, validate, normalise, match, 12-month rule."""
    import pandas as pd
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.id, p.id_number, h.is_alleviated, h.category, h.risk_eliminated "
            "FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
            "WHERE p.is_member"
        )
        reg = pd.DataFrame(
            cur.fetchall(),
            columns=["person_id", "id_number", "alleviated", "category", "eliminated"],
        )
    df = pd.read_csv(files_dir() / "medical.csv", dtype=str, keep_default_na=False)
    ids = df["证件号码"].str.replace(r"[\s\-]", "", regex=True).str.upper()
    is18 = ids.str.fullmatch(r"\d{17}[\dX]")
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        pd.to_numeric(ids.str[i], errors="coerce").fillna(0).astype(int) * w
        for i, w in enumerate(weights)
    )
    check = total.mod(11).map(dict(enumerate("10X98765432")))
    date = pd.to_datetime(df["结算日期"], errors="coerce", format="%Y-%m-%d")
    self_paid = pd.to_numeric(df["个人自付"].str.replace(",", ""), errors="coerce")
    cost = pd.to_numeric(df["医疗总费用"], errors="coerce")
    kind_ok = df["就诊类型"].isin(["住院", "门诊慢特病", "普通门诊"])
    valid = is18 & (ids.str[17] == check) & date.notna() & self_paid.notna() & cost.notna()
    valid &= kind_ok
    rows = pd.DataFrame({"id_number": ids[valid], "date": date[valid], "paid": self_paid[valid]})
    merged = rows.merge(reg, on="id_number", how="left")
    matched = merged["person_id"].notna()
    window = merged[matched & (merged["date"] > pd.Timestamp(AS_OF) - pd.DateOffset(months=12))]
    window = window.assign(
        priority=window["alleviated"].astype(bool)
        | ((window["category"] != "") & ~window["eliminated"].astype(bool))
    )
    sums = window.groupby(["person_id", "priority"])["paid"].sum().reset_index()
    fired = sums[sums["paid"] >= sums["priority"].map({True: 5000, False: 20000})]
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_mib": peak_rss_mb(),
        "records": len(df),
        "rejected_rows": int((~valid).sum()),
        "matched": int(matched.sum()),
        "warnings": len(fired),
    }


def child(engine: str, mode: str) -> None:
    from bench.common import setup_county

    setup_county(engine)
    result = {"generate": generate, "run": run, "pandas": run_pandas}[mode]()
    print(json.dumps(result, ensure_ascii=False))


def spawn(engine: str, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", engine, mode],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    results = {}
    failed = False
    for engine in engines():
        build_county(engine)
        if not (files_dir() / "civil_registry.csv").exists():
            print(f"[{engine}] generating department files…", file=sys.stderr)
            print(f"  {spawn(engine, 'generate')}", file=sys.stderr)
        ours = spawn(engine, "run")
        theirs = spawn(engine, "pandas")
        ok = ours["wall_s"] < 60 and ours["peak_mib"] < 2048
        failed |= not ok
        results[engine] = {"fangpin": ours, "pandas_medical_only": theirs}
        print(
            f"[{engine}] all 8 sources: {ours['wall_s']} s, peak {ours['peak_mib']} MiB "
            f"({'OK' if ok else 'TOO SLOW/BIG'}); 医保 alone "
            f"{ours['sources']['medical']['seconds']} s vs pandas {theirs['wall_s']} s, "
            f"peak {theirs['peak_mib']} MiB"
        )
        for source, figures in ours["sources"].items():
            print(f"    {source}: {figures}")
    (OUT / "bench_exchange.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
