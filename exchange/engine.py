"""The comparison engine: register snapshot → DuckDB, batch rules in SQL, items stored set-wise.

Nothing here loops over the register in Python: the register is read with one query into an Arrow
table, department rows stay in DuckDB/Parquet, and only the rows a rule fires come back to Python
to become items (with a few bulk queries).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from core import hooks
from core.batching import chunks
from core.layout import YesNo
from core.masking import mask_numbers
from core.scoping import narrow, whole_tree
from exchange.models import Batch, Item, Rule, RuleRunStat, RuleYear, overlay
from exchange.rules import BUILTIN, BY_CODE, RuleDef
from registry.layouts import REGISTER

if TYPE_CHECKING:  # imported where used: they cost every command's start-up 0.3 s
    import duckdb
    import pyarrow as pa

Progress = Callable[[int, str], None]

# The register snapshot the rules read: the layout's person columns (registry.layouts; names the
# rules' SQL uses, e.g. insured for 是否参加城乡居民基本医疗保险) and the household's status.
_RULE_NAMES = {"medical_insurance": "insured"}
_PERSON_COLUMNS = [
    c
    for c in REGISTER.at_level("person")
    if c.key not in {"name", "id_number", "relation", "phone"}
]
_REG_FIELDS = (
    ("person_id", "id"),
    ("id_number", "id_number"),
    ("household_id", "household_id"),
    ("region_id", "household__region_id"),
    ("is_member", "is_member"),
    ("birth_date", "birth_date"),
    *((_RULE_NAMES.get(c.key, c.key), c.key) for c in _PERSON_COLUMNS),
    ("alleviated", "household__is_alleviated"),
    ("category", "household__category"),
    ("eliminated", "household__risk_eliminated"),
)
_BOOL = {"is_member", "alleviated", "eliminated"} | {
    _RULE_NAMES.get(c.key, c.key) for c in _PERSON_COLUMNS if isinstance(c.kind, YesNo)
}
_TEXT = {
    _RULE_NAMES.get(c.key, c.key) for c in _PERSON_COLUMNS if not isinstance(c.kind, YesNo)
} | {"category"}


def rules_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exchange"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_rules() -> dict[str, Rule]:
    """The Rule rows for every built-in rule and every registered check (created on first use).

    A rule's 规则说明 is the code's, not a setting: a stored one that the code has since
    reworded (the checks' English docstrings became Chinese) is brought up to date."""
    from core.checks import all_checks

    existing = {r.code: r for r in Rule.objects.all()}
    missing = [
        Rule(
            code=d.code,
            name=d.name,
            kind=d.kind,
            severity=d.severity,
            sources=list(d.sources),
            parameters=d.parameters,
            explanation=d.explanation,
            risk=d.risk,
            description=(d.check.__doc__ or "").strip() if d.check else "",
        )
        for d in BUILTIN
        if d.code not in existing
    ]
    checks = [c for c in all_checks() if c.code not in BY_CODE]
    missing += [
        Rule(
            code=c.code,
            name=c.name,
            kind="finding",
            severity=c.severity,
            sources=["register"],
            explanation="{message}",
            description=c.description,
            parameters=c.parameters,
        )
        for c in checks
        if c.code not in existing
    ]
    described = {
        **{d.code: (d.check.__doc__ or "").strip() if d.check else "" for d in BUILTIN},
        **{c.code: c.description for c in checks},
    }
    stale = [
        r for r in existing.values() if r.code in described and r.description != described[r.code]
    ]
    for rule in stale:
        rule.description = described[rule.code]
    if stale:
        Rule.objects.bulk_update(stale, ["description"])
    if missing:
        Rule.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {r.code: r for r in Rule.objects.all()}
    return existing


_SNAPSHOTS: dict[tuple, pa.Table] = {}
SNAPSHOT_SECONDS = 300


def _register_version(region: Any) -> tuple:
    """A cheap fingerprint of the register: counts, last ids and last changes of people and
    households. Comparing eight department files in a row then reads the register once."""
    from django.db.models import Count, Max

    from registry.models import Household, Person

    people = Person.objects.aggregate(n=Count("pk"), last=Max("pk"), changed=Max("updated_at"))
    homes = Household.objects.aggregate(n=Count("pk"), last=Max("pk"), changed=Max("updated_at"))
    return (
        connection.alias,
        connection.settings_dict["NAME"],
        getattr(region, "pk", None),
        *people.values(),
        *homes.values(),
    )


def register_snapshot(region: Any) -> pa.Table:
    """Every person of the region with the household facts rules need (cached per version).

    The version cannot see writes that bypass `updated_at` (queryset.update()), so a snapshot is
    also kept no longer than SNAPSHOT_SECONDS: a batch of files in a row reads the register once,
    a worker running for days never compares against an old one.
    """
    version = (*_register_version(region), int(time.monotonic() // SNAPSHOT_SECONDS))
    table = _SNAPSHOTS.get(version)
    if table is None:
        _SNAPSHOTS.clear()  # one snapshot at a time: a county's is ~50 MB
        table = _SNAPSHOTS[version] = _read_register(region)
    return table


def _read_register(region: Any) -> pa.Table:
    """Every person of the region with the household facts rules need, in one query."""
    import pyarrow as pa

    from registry.models import Person

    people: QuerySet = narrow(Person.objects.all(), region, "household__region")
    sql, params = (
        people.order_by().values_list(*(orm for _, orm in _REG_FIELDS)).query.sql_with_params()
    )
    columns: list[list] = [[] for _ in _REG_FIELDS]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(50_000):
            for i, column in enumerate(zip(*rows, strict=True)):
                columns[i].extend(column)
    arrays = []
    for (name, _), values in zip(_REG_FIELDS, columns, strict=True):
        if name == "birth_date":
            arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
        elif name in _BOOL:
            arrays.append(pa.array([None if v is None else bool(v) for v in values], pa.bool_()))
        elif name in _TEXT or name == "id_number":
            arrays.append(pa.array(values, pa.string()))
        else:
            arrays.append(pa.array(values, pa.int64()))
    return pa.Table.from_arrays(arrays, names=[n for n, _ in _REG_FIELDS])


def attach_register(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """Expose the snapshot as DuckDB view `reg` with proper types and no NULL text."""
    con.register("reg_arrow", table)
    text = ", ".join(f"coalesce({c}, '') AS {c}" for c in sorted(_TEXT))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE reg AS SELECT person_id, id_number, household_id, "
        "region_id, is_member, CAST(birth_date AS DATE) AS birth_date, dibao, tekun, insured, "
        f"coalesce(alleviated, false) AS alleviated, coalesce(eliminated, false) AS eliminated, "
        f"{text} FROM reg_arrow"
    )


def attach_measures(con: duckdb.DuckDBPyConnection, region: Any) -> None:
    """The assistance measures (household, category, status, term) as DuckDB table `measures`."""
    import pyarrow as pa

    qs = narrow(hooks.call("assistance.measures"), region, "household__region")
    rows = list(qs.values_list("household_id", "category", "status", "start_date", "end_date"))
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [[], [], [], [], []]
    con.register(
        "measures_arrow",
        pa.table(
            {
                "household_id": pa.array(columns[0], pa.int64()),
                "category": pa.array(columns[1], pa.string()),
                "status": pa.array(columns[2], pa.string()),
                "start_date": pa.array(columns[3], pa.date32()),
                "end_date": pa.array(columns[4], pa.date32()),
            }
        ),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE measures AS SELECT * FROM measures_arrow")


_REG_JOINED = (
    "r.person_id, r.household_id, r.region_id, r.birth_date, r.sex, r.health, r.labour_skill, "
    "r.schooling, r.employment, r.work_place, r.dibao, r.tekun, r.insured, r.alleviated, "
    "r.category, r.eliminated"
)


def matched_view(name: str, rows_sql: str) -> str:
    """SQL creating view `name`: valid department rows joined to current members."""
    return (
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT d.*, {_REG_JOINED} FROM ({rows_sql}) d "
        "JOIN reg r ON r.id_number = d.id_number WHERE r.is_member"
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        return float(value)
    return value


def _shown(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float | Decimal):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}" if value >= 1000 else str(value)
    return str(value)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, params: dict, evidence: dict) -> str:
    """The explanation with the evidence figures filled in (money with thousands separators).

    ID and mobile numbers in it are masked (a 残疾人证号 is its holder's ID number and two
    digits): whoever may see the item reads the message, and the full numbers stay in the
    evidence and on the person, behind the register's own masks."""
    context = _Blank({k: _shown(v) for k, v in {**params, **evidence}.items()})
    return mask_numbers(template.format_map(context))[:500]


def fingerprint(code: str, person_id: int | None, household_id: int, key: str) -> str:
    who = f"p{person_id}" if person_id else f"h{household_id}"
    return hashlib.sha1(f"{code}|{who}|{key}".encode()).hexdigest()


def store(
    rule: Rule,
    rows: Iterable[dict],
    *,
    params: dict,
    source: str,
    batch: Batch | None,
    scope: Any,
    now: dt.datetime,
    spoken_for: set[int] | None = None,
    leave: Iterable[str] = (),
) -> tuple[int, int, int]:
    """Turn fired rows into items: new ones created, known ones refreshed, silent ones closed.

    Returns (fired, created, closed). One item per fingerprint (rule + who + evidence key).
    With `spoken_for` (the households a department file's rows name), only those households'
    silent items are closed: a file says nothing of the people it leaves out. Nor are the items
    under the region paths in `leave` closed: a county with a setting of its own runs apart.
    """
    # Raw executemany rather than bulk_create: the ORM spends ~1 ms per object compiling an
    # INSERT, which is most of a county run when a rule fires tens of thousands of times.
    fields = {f.name: f for f in Item._meta.concrete_fields}
    stamp = fields["last_seen"].get_db_prep_save(now, connection)
    batch_id = batch.pk if batch is not None else None
    fired: dict[str, tuple] = {}
    region_of: dict[str, int] = {}
    for row in rows:
        evidence = {
            k: _plain(v)
            for k, v in row.items()
            if k not in ("person_id", "household_id", "region_id", "key")
        }
        key = str(row["key"])
        fp = fingerprint(rule.code, row["person_id"], row["household_id"], key)
        region_of[fp] = row["region_id"]
        fired[fp] = (
            row["household_id"],
            row["region_id"],
            row["person_id"],
            key[:200],
            fields["evidence"].get_db_prep_save(evidence, connection),
            render(rule.explanation, params, evidence),
        )
    known: dict[str, int] = {}
    for chunk in chunks(list(fired)):
        known.update(Item.objects.filter(fingerprint__in=chunk).values_list("fingerprint", "pk"))
    table = connection.ops.quote_name(Item._meta.db_table)
    empty_list = fields["changed_fields"].get_db_prep_save([], connection)
    new = [fp for fp in fired if fp not in known]
    head = (rule.pk, rule.kind, rule.severity, source)
    tail = (batch_id, batch_id, stamp, stamp, empty_list)
    with connection.cursor() as cur:
        columns = (
            "rule_id, kind, severity, source, household_id, region_id, person_id, fingerprint, "
            "evidence_key, evidence, message, first_batch_id, last_batch_id, first_seen, "
            "last_seen, changed_fields, status, times_seen, result, result_note"
        )
        inserts = [
            (*head, *fired[fp][:3], fp, *fired[fp][3:], *tail, "open", 1, "", "") for fp in new
        ]
        if connection.vendor == "postgresql":  # COPY: no per-row round trip or query parsing
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for record in inserts:
                    copy.write_row(record)
        else:  # SQLite: one prepared statement, looped in C
            cur.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 20)})", inserts
            )
        cur.executemany(
            f"UPDATE {table} SET evidence = %s, message = %s, last_batch_id = %s, "
            "last_seen = %s, times_seen = times_seen + 1, closed_at = NULL, "
            "status = CASE WHEN status = 'closed' THEN 'open' ELSE status END WHERE id = %s",
            [(fired[fp][4], fired[fp][5], batch_id, stamp, pk) for fp, pk in known.items()],
        )
    # Only the scope's own: a county's file closes nothing of the county beside it.
    stale = narrow(Item.objects.open().filter(rule=rule, last_seen__lt=now), scope)
    for path in leave:
        stale = stale.exclude(region__path__startswith=path)
    if spoken_for is None:
        closed = stale.update(status=Item.Status.CLOSED, closed_at=now)
    else:
        gone = [pk for pk, h in stale.values_list("pk", "household_id") if h in spoken_for]
        closed = sum(
            Item.objects.filter(pk__in=chunk).update(status=Item.Status.CLOSED, closed_at=now)
            for chunk in chunks(gone)
        )
    new_by_region = Counter(region_of[fp] for fp in new)
    RuleRunStat.objects.bulk_create(
        [
            RuleRunStat(
                rule=rule,
                region_id=region_id,
                batch=batch,
                run_at=now,
                fired=count,
                new=new_by_region.get(region_id, 0),
            )
            for region_id, count in Counter(region_of.values()).items()
        ],
        batch_size=1000,
    )
    return len(fired), len(new), closed


def _fire_sql(con: duckdb.DuckDBPyConnection, sql: str, as_of: dt.date, params: dict) -> list[dict]:
    return _rows(con, sql, {**params, "as_of": as_of})


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    cur = con.execute(sql, used)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def run_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    rules: dict[str, Rule],
    progress: Progress,
) -> dict[str, int]:
    """Load the batch's rows, match them, keep them as Parquet and run the source's rules."""
    # A random part keeps names unique even when ids are reused (rolled-back tests, restores).
    out = rules_dir() / f"batch-{batch.pk}-{uuid.uuid4().hex[:12]}.parquet"
    con.execute(f"COPY (SELECT * FROM parsed) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
    batch.rows_file = str(out)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE valid AS SELECT p.*, r.person_id IS NOT NULL AS found "
        "FROM parsed p LEFT JOIN (SELECT id_number, person_id FROM reg) r "
        "USING (id_number) WHERE p.error IS NULL"
    )
    matched, unmatched = con.execute(
        "SELECT count(*) FILTER (WHERE found), count(*) FILTER (WHERE NOT found) FROM valid"
    ).fetchone() or (0, 0)
    batch.matched, batch.unmatched = int(matched), int(unmatched)
    batch.matched_regions = {
        str(region): int(n)
        for region, n in con.execute(
            "SELECT r.region_id, count(*) FROM valid JOIN reg r USING (id_number) "
            "WHERE found GROUP BY r.region_id"
        ).fetchall()
    }
    batch.unmatched_sample = [
        {"row": int(r), "id_number": i, "name": n}
        for r, i, n in con.execute(
            "SELECT row_no, id_number, name FROM valid WHERE NOT found ORDER BY row_no LIMIT 200"
        ).fetchall()
    ]
    con.execute(matched_view("src", "SELECT * EXCLUDE (found) FROM valid"))
    if batch.source == "medical":
        earlier = [
            f
            for f in Batch.objects.filter(source="medical", status=Batch.Status.DONE)
            .exclude(rows_file="")
            .values_list("rows_file", flat=True)
            if Path(f).exists()
        ]
        if earlier:
            # Monthly files overlap when a department re-sends rows: count each settlement once.
            listed = ", ".join(f"'{f}'" for f in [*earlier, str(out)])
            rows_sql = (
                f"SELECT DISTINCT * EXCLUDE (row_no, error) FROM read_parquet([{listed}], "
                "union_by_name=true) WHERE error IS NULL"
            )
        else:
            rows_sql = "SELECT * EXCLUDE (row_no, error, found) FROM valid"
        con.execute(matched_view("med", rows_sql))
    if batch.source == "employment":
        attach_measures(con, batch.region)
    progress(70, "正在运行比对规则")
    # A department's silence is no verification: a file (a town's share, a month's new
    # certificates, one whose rows were all refused) closes open items only of the households
    # its valid rows name (policy.md §7: warnings are verified and the outcome registered).
    spoken_for = {h for (h,) in con.execute("SELECT DISTINCT household_id FROM src").fetchall()}
    now = timezone.now()
    counts = {"warnings_created": 0, "findings_created": 0}
    paths: dict[int, str] = {}
    for definition in BUILTIN:
        rule = rules[definition.code]
        if batch.source not in definition.sources or not definition.sql:
            continue
        result = run_rule(
            rule,
            partial(_fire_sql, con, definition.sql, batch.as_of),
            year=batch.as_of.year,
            scope=batch.region,
            paths=paths,
            source=batch.source,
            batch=batch,
            now=now,
            spoken_for=spoken_for,
        )
        counts[f"{rule.kind}s_created"] += result[1] if result else 0
    return counts


@dataclass(frozen=True)
class Share:
    """The part of a run's scope that one setting of a rule governs: its `region` and below
    (None: the whole scope), less the regions at `inner` whose own settings govern them."""

    region: Any
    params: dict
    enabled: bool
    inner: tuple[str, ...]

    def holds(self, path: str) -> bool:
        return (self.region is None or path.startswith(self.region.path)) and not any(
            path.startswith(p) for p in self.inner
        )


def shares(rule: Rule, year: int, scope: Any) -> list[Share]:
    """The rule's year in `scope`, split by the counties (or regions) inside it that set their
    own parameters (policy rule 29); one share, the whole scope, where none did."""
    where = scope.path if scope is not None and not whole_tree(scope) else ""
    base: list[tuple[str, RuleYear]] = []
    own: dict[str, tuple[Any, RuleYear]] = {}
    for setting in rule.yearly.filter(year=year).select_related("region"):
        region = setting.region
        if region is None:
            base.append(("", setting))  # every county's
        elif (where and where.startswith(region.path)) or (not where and whole_tree(region)):
            base.append((region.path, setting))  # a region above the scope, or the scope
        elif region.path.startswith(where):
            own[region.path] = (region, setting)  # inside the scope; another county's is not

    def overlaid(settings: list[tuple[str, RuleYear]]) -> tuple[dict, bool]:
        return overlay(rule, [s for _, s in sorted(settings, key=lambda p: len(p[0]))])

    out = [Share(None, *overlaid(base), tuple(own))]
    for path, (region, _) in own.items():
        covering = [(p, s) for p, (_, s) in own.items() if path.startswith(p)]
        deeper = tuple(p for p in own if p != path and p.startswith(path))
        out.append(Share(region, *overlaid(base + covering), deeper))
    return out


def run_rule(
    rule: Rule,
    fire: Callable[[dict], Iterable[dict]],
    *,
    year: int,
    scope: Any,
    paths: dict[int, str],
    **store_args: Any,
) -> tuple[int, int, int] | None:
    """Fire the rule once per share of `scope` with the share's parameters and store what it
    found there; (fired, created, closed) summed, None where the rule is off in the whole scope.
    A share whose rule is off is left as it is. `paths` caches region paths across the rules of
    one run."""
    parts = shares(rule, year, scope)
    if not any(share.enabled for share in parts):
        return None
    total = (0, 0, 0)
    for share in parts:
        if not share.enabled:
            continue
        rows: Iterable[dict] = fire(share.params)
        if len(parts) > 1:
            rows = list(rows)
            _region_paths(paths, {r["region_id"] for r in rows if r.get("region_id")})
            rows = [r for r in rows if share.holds(paths.get(r.get("region_id") or 0, ""))]
        result = store(
            rule,
            rows,
            params=share.params,
            scope=share.region or scope,
            leave=share.inner,
            **store_args,
        )
        total = (total[0] + result[0], total[1] + result[1], total[2] + result[2])
    return total


def _region_paths(paths: dict[int, str], wanted: set[int]) -> None:
    from regions.models import Region

    missing = sorted(wanted - set(paths))
    for chunk in chunks(missing):
        paths.update(Region.objects.filter(pk__in=chunk).values_list("pk", "path"))


def run_checks(region: Any, rules: dict[str, Rule], as_of: dt.date) -> dict[str, Any]:
    """Every internal check (built-in and registered by other apps), stored as findings."""
    from core.checks import all_checks

    now = timezone.now()
    created = closed = 0
    counts: dict[str, int] = {}
    jobs: list[tuple[Rule, Callable[[dict], Iterable[dict]]]] = [
        (rules[d.code], partial(_builtin_rows, d.check, region, as_of))
        for d in BUILTIN
        if d.check is not None
    ]
    jobs += [
        (rules[c.code], partial(_registered_rows, c, region))
        for c in all_checks()
        if c.code not in BY_CODE
    ]
    paths: dict[int, str] = {}
    for rule, rows_for in jobs:
        result = run_rule(
            rule,
            rows_for,
            year=as_of.year,
            scope=region,
            paths=paths,
            source="register",
            batch=None,
            now=now,
        )
        if result is None:
            continue
        fired, new, gone = result
        counts[rule.code] = fired
        created += new
        closed += gone
    return {"findings_created": created, "findings_closed": closed, "counts": counts}


def _builtin_rows(check: Any, region: Any, as_of: dt.date, params: dict) -> Iterable[dict]:
    return check(region, params, as_of)


def _registered_rows(check: Any, region: Any, params: dict) -> Iterable[dict]:
    """Adapt a core.checks result ({household_id, person_id, message, evidence}) to rule rows."""
    from registry.models import Household

    rows = list(check.fn(region, params) if check.parameters else check.fn(region))
    regions: dict[int, int] = {}
    households = sorted({r["household_id"] for r in rows if r.get("household_id")})
    for chunk in chunks(households):
        regions.update(Household.objects.filter(pk__in=chunk).values_list("pk", "region_id"))
    for r in rows:
        evidence = r.get("evidence") or {}
        household = r.get("household_id")
        yield {
            "person_id": r.get("person_id"),
            "household_id": household,
            # A finding about a region (a project, an asset, a work team) names its region.
            "region_id": regions.get(household) if household else r["region_id"],
            "key": r.get("key") or r["message"][:200],
            "message": r["message"],
            **{k: v for k, v in evidence.items() if k != "message"},
        }


def rule_definition(code: str) -> RuleDef | None:
    return BY_CODE.get(code)
