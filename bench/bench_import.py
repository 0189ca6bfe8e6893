"""Registry import at county scale, on workbooks shaped like national-system exports.

    .venv/bin/python bench/bench_import.py            # both engines (FANGPIN_BENCH_ENGINES)
    FANGPIN_BENCH_VARIANTS=standard,national …        # which county workbooks (bench/workbook.py)

Per engine and workbook variant, in child processes (each peak memory is its own):
- the first load: `fangpin import-registry FILE --create-regions` into an EMPTY, freshly migrated
  database, the region tree created by the import itself: wall, rows/s, peak, and the import's
  own phase timings (its JSON's `phases`);
- the monthly re-sync: the same county with 1% of the person rows changed, into that database:
  wall, peak, and whether exactly the changed persons are reported as updated;
- the 10,000-household slice (FANGPIN_BENCH_SLICE; 0 skips it) into a fresh database (the median
  of FANGPIN_BENCH_SLICE_RUNS runs, 5 by default), and
  django-import-export importing the same rows into another, in the same run: the ratio.
Targets (issue 21): first load < 30 s and < 2 GiB; re-sync < 20 s and exact; slice ≥ 40×.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HOUSEHOLDS, OUT, PG_BASE, ROOT, bytecode, engines, run_child
from bench.workbook import changed, workbook

SLICE_HOUSEHOLDS = int(os.environ.get("FANGPIN_BENCH_SLICE", "10000"))
SLICE_RUNS = int(os.environ.get("FANGPIN_BENCH_SLICE_RUNS", "5"))
VARIANTS = os.environ.get("FANGPIN_BENCH_VARIANTS", "standard").split(",")


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
    """Run a child; (wall seconds, its own peak RSS MiB, stdout)."""
    child, code = run_child(cmd, env)
    if code != 0:
        raise SystemExit(f"{cmd} failed ({code}): {child.out[-2000:]}")
    return child.wall, child.peak_mib, child.out


def ie_child(path: str, rows: int) -> None:
    """In a child process: django-import-export imports the same rows with every column the file
    carries (timed). It is handed the values our checker parsed (untimed), so it only writes."""
    import datetime as dt

    import django

    django.setup()
    import tablib
    from import_export import fields, resources, widgets

    from core.tabular import open_table
    from imports.validation import Checker, _risk_text
    from regions.models import Region
    from regions.services import create_region
    from registry.models import Household, Person

    checker = Checker(create_regions=True, today=dt.date.today())
    checker.read(open_table(path))
    assert not checker.report.errors, checker.report.errors[:3]
    households_in = list(checker.households.values())
    made: dict[tuple[str, ...], Region] = {}  # the file's regions, county first
    for hh in households_in:
        for depth in range(1, len(hh.region_path) + 1):
            key = hh.region_path[:depth]
            if key not in made:
                made[key] = create_region(
                    actor=None, name=key[-1], level=depth, parent=made.get(key[:-1])
                )
    hh_fields = sorted({k for hh in households_in for k in hh.values} & _model_fields(Household))
    person_fields = sorted(
        {k for hh in households_in for p in hh.persons for k in p.values} & _model_fields(Person)
    )

    class HouseholdResource(resources.ModelResource):
        class Meta:
            model = Household
            import_id_fields = ("number",)
            fields = ("number", "region", "head_name", "member_count", *hh_fields)

    class PersonResource(resources.ModelResource):
        household = fields.Field(
            column_name="household",
            attribute="household",
            widget=widgets.ForeignKeyWidget(Household, field="number"),
        )

        class Meta:
            model = Person
            import_id_fields = ("id_number",)
            fields = ("household", "id_number", *person_fields)

    households = tablib.Dataset(
        headers=["number", "region", "head_name", "member_count", *hh_fields]
    )
    persons = tablib.Dataset(headers=["household", "id_number", *person_fields])
    for hh in households_in:
        head = next((p for p in hh.persons if p.values.get("relation") == "户主"), hh.persons[0])
        values = {**hh.values, "risks": _risk_text(hh.values.get("risks") or [])}
        households.append(
            [
                hh.number,
                made[hh.region_path].pk,
                head.values["name"],
                len(hh.persons),
                *(values.get(k) for k in hh_fields),
            ]
        )
        for person in hh.persons:
            persons.append(
                [hh.number, person.id_number, *(person.values.get(k) for k in person_fields)]
            )
    started = time.perf_counter()
    result = HouseholdResource().import_data(households, dry_run=False, raise_errors=True)
    result = PersonResource().import_data(persons, dry_run=False, raise_errors=True)
    took = time.perf_counter() - started
    assert not result.has_errors()
    assert Person.objects.count() == rows, Person.objects.count()
    columns = len(hh_fields) + len(person_fields)
    print(json.dumps({"rows": rows, "seconds": took, "columns": columns}))


def _model_fields(model: type) -> set[str]:
    return {f.name for f in model._meta.concrete_fields}


def run_import(path: Path, url: str, *extra: str) -> tuple[float, float, dict]:
    """`fangpin import-registry FILE --create-regions` in a child: wall, peak MiB, its JSON."""
    cmd = [sys.executable, "-m", "fangpin.cli", "import-registry", str(path), "--create-regions"]
    wall, peak, out = measured([*cmd, *extra], _env(url))
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == "imported", {k: result[k] for k in ("status", "errors")}
    return wall, peak, result


def phases(result: dict) -> str:
    found = result.get("phases") or {}
    return ", ".join(f"{k} {v:.1f}" for k, v in found.items()) or "—"


def county_runs(engine: str, variant: str) -> dict:
    """First load into an empty database (regions created by the import), then the re-sync."""
    path, rows = workbook(HOUSEHOLDS, variant)
    url = fresh_database(engine, f"fangpin_bench_import_{variant}" if engine != "sqlite" else "imp")
    wall, peak, result = run_import(path, url)
    first = {
        "rows": rows,
        "households": result["households_created"],
        "regions_created": result.get("regions_created"),
        "wall_s": round(wall, 1),
        "rows_per_s": round(rows / wall),
        "peak_mib": round(peak),
        "phases": result.get("phases"),
    }
    print(
        f"{engine} {variant} first load: {rows} rows, {first['households']} households, "
        f"{first['regions_created']} regions in {first['wall_s']} s = "
        f"{first['rows_per_s']} rows/s, "
        f"peak {first['peak_mib']} MiB [{phases(result)}]",
        flush=True,
    )
    re_path, _, changed_ids = changed(HOUSEHOLDS, variant)
    wall, peak, result = run_import(re_path, url)
    resync = {
        "wall_s": round(wall, 1),
        "peak_mib": round(peak),
        "changed_rows": len(changed_ids),
        "persons_updated": result["persons_updated"],
        "households_updated": result["households_updated"],
        "exact": result["persons_updated"] == len(changed_ids)
        and result["households_updated"] == 0,
        "phases": result.get("phases"),
    }
    print(
        f"{engine} {variant} re-sync (1%): {resync['wall_s']} s, peak {resync['peak_mib']} MiB, "
        f"{resync['persons_updated']} persons updated for {resync['changed_rows']} changed rows "
        f"({'exact' if resync['exact'] else 'NOT exact'}) [{phases(result)}]",
        flush=True,
    )
    return {"first_load": first, "resync": resync}


def slice_runs(engine: str) -> dict:
    """A 10,000-household file: ours and django-import-export, in the same run."""
    path, rows = workbook(SLICE_HOUSEHOLDS, "standard")
    # A run of two seconds varies by a tenth from one run to the next on a busy machine (one of
    # django-import-export's minute, by far less): ours is the median of SLICE_RUNS, each into
    # a fresh database.
    runs = []
    for _ in range(SLICE_RUNS):
        db = fresh_database(engine, "fangpin_bench_import_slice" if engine != "sqlite" else "slice")
        runs.append(run_import(path, db)[:2])
    walls = sorted(wall for wall, _ in runs)
    wall, peak = statistics.median(walls), max(p for _, p in runs)
    ie_url = fresh_database(engine, "fangpin_bench_import_ie" if engine != "sqlite" else "ie")
    _, _, ie_out = measured([sys.executable, __file__, "--ie", str(path), str(rows)], _env(ie_url))
    ie = json.loads(ie_out.strip().splitlines()[-1])
    out = {
        "rows": rows,
        "wall_s": round(wall, 2),
        "walls_s": [round(w, 2) for w in walls],
        "peak_mib": round(peak),
        "import_export_s": round(ie["seconds"], 1),
        "ratio": round(ie["seconds"] / wall, 1),
    }
    print(
        f"{engine} slice: {SLICE_HOUSEHOLDS} households ({rows} rows) in {out['wall_s']} s wall "
        f"(median of {out['walls_s']}); "
        f"django-import-export {out['import_export_s']} s → {out['ratio']}×",
        flush=True,
    )
    return out


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    started = time.perf_counter()
    bytecode()
    for variant in VARIANTS:
        workbook(HOUSEHOLDS, variant)
    if SLICE_HOUSEHOLDS:
        workbook(SLICE_HOUSEHOLDS, "standard")
    print(
        f"bytecode and workbooks ready ({time.perf_counter() - started:.0f} s, untimed)", flush=True
    )
    results: dict[str, dict] = {}
    for engine in engines():
        results[engine] = {v: county_runs(engine, v) for v in VARIANTS}
        if SLICE_HOUSEHOLDS:
            results[engine]["slice"] = slice_runs(engine)
    (OUT / "bench_import.json").write_text(json.dumps(results, indent=2))
    ok = all(
        r[v]["first_load"]["wall_s"] < 30
        and r[v]["first_load"]["peak_mib"] < 2048
        and r[v]["resync"]["wall_s"] < 20
        and r[v]["resync"]["exact"]
        and r.get("slice", {"ratio": 40})["ratio"] >= 40
        for r in results.values()
        for v in VARIANTS
    )
    print(
        "targets (first load < 30 s and < 2 GiB, re-sync < 20 s and exact, ≥ 40×):",
        "met" if ok else "NOT met",
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--ie":
        ie_child(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
