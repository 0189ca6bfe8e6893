"""Registry import at county scale: a 130,000-household workbook into an EMPTY database.

    .venv/bin/python bench/bench_import.py            # both engines (FANGPIN_BENCH_ENGINES)

Generates bench/out/import-<N>.xlsx once (not timed; with a shared string table, as Excel and WPS
save a workbook — XlsxWriter's constant_memory mode would write every string inline, a layout
only streaming writers produce, which takes calamine a third longer to read), then per engine
migrates a fresh database, creates the county's region tree (setup, not timed) and runs
`fangpin import-registry FILE --create-regions` in a child process: wall time, rows/second and
the child's peak memory. django-import-export imports a slice of the same rows (households,
then persons) into another fresh database, for the ratio.
Targets (issue 3): < 60 s wall, < 2 GiB peak, ≥ 20× django-import-export's rows/second.
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

from bench.common import HOUSEHOLDS, OUT, PG_BASE, ROOT, engines

LAYOUT = "shared-strings"  # bump to regenerate the workbook after a change of its layout
SLICE = int(os.environ.get("FANGPIN_BENCH_IE_ROWS", "2000"))
RELATIONS = ("户主", "配偶", "之子", "之女", "之父", "之母", "之孙子")
RISKS = ("因病", "因残", "因学", "因自然灾害", "因务工就业不稳", "缺劳动力")


def workbook_path(households: int = HOUSEHOLDS) -> Path:
    return OUT / f"import-{households}.xlsx"


def generate(households: int = HOUSEHOLDS) -> tuple[Path, int]:
    """The county workbook (reused when present); returns its path and its number of data rows."""
    import random

    import xlsxwriter

    from core.idnumber import make_valid
    from imports.reader import HEADERS

    path = workbook_path(households)
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists() and json.loads(meta.read_text()).get("layout") == LAYOUT:
        return path, json.loads(meta.read_text())["rows"]
    OUT.mkdir(exist_ok=True)
    rng = random.Random(3)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("户籍台账")
    sheet.write_row(0, 0, ["大冶市防返贫监测户籍台账（基准测试）"])
    sheet.write_row(1, 0, HEADERS)
    col = {h: i for i, h in enumerate(HEADERS)}
    towns = [f"第{t + 1}镇" for t in range(15)]
    day0 = dt.date(1940, 1, 1)
    person_index = 0
    r = 2
    for n in range(households):
        town = towns[n % len(towns)]
        village = f"{town}第{(n // 15) % 22 + 1}村"
        group = f"{(n // 330) % 6 + 1}组"
        alleviated = rng.random() < 0.08
        monitored = rng.random() < (0.1 if alleviated else 0.008)
        category = ""
        if monitored:
            category = (
                "脱贫不稳定户" if alleviated else rng.choice(("边缘易致贫户", "突发严重困难户"))
            )
        identified = dt.date(2021 + rng.randrange(3), 1 + rng.randrange(12), 1)
        eliminated = monitored and rng.random() < 0.3
        size = rng.choice((1, 2, 3, 3, 3, 4, 4, 5))
        household = {
            "县(市、区)": "大冶市",
            "乡镇": town,
            "行政村": village,
            "村民小组": group,
            "户编号": f"420281{n:012d}",
            "是否脱贫户": "是" if alleviated else "否",
            "监测对象类别": category,
            "联系电话": f"13{rng.randrange(10**9):09d}",
            "脱贫年度": str(2014 + rng.randrange(7)) if alleviated else "",
            "识别监测时间": f"{identified:%Y-%m-%d}" if monitored else "",
            "风险类型": "、".join(rng.sample(RISKS, 1 + rng.randrange(2))) if monitored else "",
            "风险是否消除": ("是" if eliminated else "否") if monitored else "",
            "风险消除时间": f"{identified + dt.timedelta(days=200):%Y-%m-%d}" if eliminated else "",
            "风险消除方式": "帮扶消除" if eliminated else "",
            "家庭年人均纯收入": 6000 + rng.randrange(30000),
        }
        for m in range(size):
            male = (m % 2 == 0) if m < 2 else rng.random() < 0.5
            # (day, sequence) pairs are unique: 28,500 days from 1940 end in 2018.
            day = person_index % 28500
            seq = (person_index // 28500) * 2 + (1 if male else 0)
            birth = day0 + dt.timedelta(days=day)
            id_number = make_valid(f"420281{birth:%Y%m%d}{seq:03d}")
            person_index += 1
            values = {
                **household,
                "姓名": f"居民{person_index}",
                "证件号码": id_number,
                "与户主关系": RELATIONS[m] if m < len(RELATIONS) else "其他",
                "性别": "男" if male else "女",
                "民族": "汉族",
                "健康状况": rng.choice(("健康", "健康", "健康", "长期慢性病", "残疾")),
                "劳动技能": rng.choice(("普通劳动力", "普通劳动力", "弱劳动力或半劳动力")),
                "是否参加城乡居民基本医疗保险": "是",
            }
            for key, value in values.items():
                if isinstance(value, int):
                    sheet.write_number(r, col[key], value)
                elif value:
                    sheet.write_string(r, col[key], value)
            r += 1
    book.close()
    meta.write_text(json.dumps({"rows": r - 2, "households": households, "layout": LAYOUT}))
    return path, r - 2


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "FANGPIN_DATA_DIR": str(OUT / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }


def fresh_database(engine: str, name: str) -> str:
    """An empty, migrated database of its own; returns its DATABASE_URL."""
    if engine == "sqlite":
        db = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    else:
        base = PG_BASE.rstrip("/")
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
        url = f"{base}/{name}"
    subprocess.run(
        [sys.executable, "-m", "fangpin.cli", "migrate", "-v0"], env=_env(url), cwd=ROOT, check=True
    )
    return url


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child; (wall seconds, peak RSS MiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {out[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out


def regions_child(path: str) -> None:
    """In a child process: create the workbook's region tree (setup, not timed).

    A county's region tree is configured before its register is loaded; creating ~2,300 regions
    one by one through regions.services.create_region (validated and audited) is not what this
    benchmark measures.
    """
    import django

    django.setup()
    from core.tabular import open_table, text
    from regions.models import Region
    from regions.services import create_region

    table = open_table(path)
    index = table.index()
    cols = [index[h] for h in ("县(市、区)", "乡镇", "行政村", "村民小组")]
    made: dict[tuple[str, ...], Region] = {}
    for _, cells in table.rows:
        names = tuple(text(cells[i]) for i in cols)
        for depth in range(1, 5):
            key = names[:depth]
            if key not in made:
                parent = made.get(key[:-1]) if depth > 1 else None
                made[key] = create_region(actor=None, name=key[-1], level=depth, parent=parent)
    print(json.dumps({"regions": Region.objects.count()}))


def ie_child(path: str, rows: int) -> None:
    """In a child process: django-import-export imports the first `rows` rows (timed)."""
    import django

    django.setup()
    import tablib
    from import_export import fields, resources, widgets
    from python_calamine import CalamineWorkbook

    from regions.models import Region
    from regions.services import create_region
    from registry.models import Household, Person

    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows()
    next(sheet)
    header = [str(h) for h in next(sheet)]
    data = [list(next(sheet)) for _ in range(rows)]
    col = {h: i for i, h in enumerate(header)}
    county = create_region(actor=None, name="大冶市", level=1)  # the slice's few regions
    villages: dict[tuple[str, str], int] = {}
    towns: dict[str, Region] = {}
    for r in data:
        t, v = r[col["乡镇"]], r[col["行政村"]]
        if t not in towns:
            towns[t] = create_region(actor=None, name=t, level=2, parent=county)
        if (t, v) not in villages:
            villages[(t, v)] = create_region(actor=None, name=v, level=3, parent=towns[t]).pk

    class HouseholdResource(resources.ModelResource):
        class Meta:
            model = Household
            import_id_fields = ("number",)
            fields = ("number", "region", "is_alleviated", "category", "phone")

    class PersonResource(resources.ModelResource):
        household = fields.Field(
            column_name="household",
            attribute="household",
            widget=widgets.ForeignKeyWidget(Household, field="number"),
        )

        class Meta:
            model = Person
            import_id_fields = ("id_number",)
            fields = ("household", "name", "id_number", "relation", "sex", "health")

    households = tablib.Dataset(headers=["number", "region", "is_alleviated", "category", "phone"])
    persons = tablib.Dataset(
        headers=["household", "name", "id_number", "relation", "sex", "health"]
    )
    for r in data:
        number = r[col["户编号"]]
        households.append(
            [
                number,
                villages[(r[col["乡镇"]], r[col["行政村"]])],
                r[col["是否脱贫户"]] == "是",
                r[col["监测对象类别"]],
                r[col["联系电话"]],
            ]
        )
        persons.append(
            [
                number,
                r[col["姓名"]],
                r[col["证件号码"]],
                r[col["与户主关系"]],
                r[col["性别"]],
                r[col["健康状况"]],
            ]
        )
    started = time.perf_counter()
    result = HouseholdResource().import_data(households, dry_run=False, raise_errors=True)
    result = PersonResource().import_data(persons, dry_run=False, raise_errors=True)
    took = time.perf_counter() - started
    assert not result.has_errors()
    print(json.dumps({"rows": rows, "seconds": took}))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    started = time.perf_counter()
    path, rows = generate()
    print(f"workbook: {path.name}, {rows} rows ({time.perf_counter() - started:.0f} s, untimed)")
    results: dict[str, dict] = {}
    for engine in engines():
        url = fresh_database(engine, "fangpin_bench_import" if engine != "sqlite" else "import")
        setup = [sys.executable, __file__, "--regions", str(path)]
        subprocess.run(setup, env=_env(url), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        cmd = [
            sys.executable,
            "-m",
            "fangpin.cli",
            "import-registry",
            str(path),
            "--create-regions",
        ]
        wall, peak, out = measured(cmd, _env(url))
        result = json.loads(out.strip().splitlines()[-1])
        assert result["status"] == "imported", result
        ie_url = fresh_database(engine, "fangpin_bench_import_ie" if engine != "sqlite" else "ie")
        ie_cmd = [sys.executable, __file__, "--ie", str(path), str(SLICE)]
        _, _, ie_out = measured(ie_cmd, _env(ie_url))
        ie = json.loads(ie_out.strip().splitlines()[-1])
        ours = rows / wall
        theirs = ie["rows"] / ie["seconds"]
        results[engine] = {
            "rows": rows,
            "households": result["households_created"],
            "wall_s": round(wall, 1),
            "rows_per_s": round(ours),
            "peak_mib": round(peak),
            "import_export_rows_per_s": round(theirs),
            "import_export_slice": ie["rows"],
            "ratio": round(ours / theirs, 1),
        }
        r = results[engine]
        print(
            f"{engine}: {rows} rows ({r['households']} households) in {r['wall_s']} s wall = "
            f"{r['rows_per_s']} rows/s, peak {r['peak_mib']} MiB; django-import-export "
            f"{r['import_export_rows_per_s']} rows/s on {ie['rows']} rows → {r['ratio']}×",
            flush=True,
        )
    (OUT / "bench_import.json").write_text(json.dumps(results, indent=2))
    ok = all(
        r["wall_s"] < 60 and r["peak_mib"] < 2048 and r["ratio"] >= 20 for r in results.values()
    )
    print("targets (< 60 s, < 2 GiB, ≥ 20×):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--ie":
        ie_child(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--regions":
        regions_child(sys.argv[2])
    else:
        sys.exit(main())
