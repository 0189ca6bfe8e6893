"""Changes in the exchange app: comparing a file, running checks, working items, rule settings."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core import audit, hooks
from core.audit import snapshot
from core.dates import today
from core.masking import mask_id, mask_numbers
from core.models import AuditRecord
from core.permissions import Cap, can, import_region, require
from core.pipeline import undone_if_interrupted
from core.xlsx import StreamWorkbook
from exchange import engine, readers
from exchange import parameters as parameters_
from exchange.models import Batch, Item, Kind, Rule, RuleYear
from regions.models import Region

Progress = Callable[[int, str], None]


def _quiet(pct: int, message: str) -> None:
    """Default progress callback: report nowhere."""


def compare(
    *,
    actor: Any,
    source: str,
    path: Path,
    filename: str = "",
    as_of: dt.date | None = None,
    region: Region | None = None,
    progress: Progress = _quiet,
) -> Batch:
    """Read, validate and match one department file, keep it, and run the source's rules.

    A file that cannot be used at all (unreadable, required headers missing) becomes a batch with
    status 已拒收 and the reasons; bad rows of a usable file are listed with row and reason.
    Without `region`, a user's file is their region's; a command's covers every county (None).
    """
    if source not in readers.SOURCES:
        raise ValidationError({"source": f"未知的数据来源“{source}”"})
    started = time.perf_counter()
    region = region or import_region(actor)
    as_of = as_of or today()
    spec = readers.SOURCES[source]
    rules = engine.ensure_rules()
    import duckdb

    con = duckdb.connect()
    with undone_if_interrupted("比对") as write, readers.workdir() as tmp:
        con.execute(f"SET temp_directory = '{tmp}'")
        con.execute("SET memory_limit = '1GB'")
        progress(5, "正在读取文件")
        try:
            parsed = readers.read(con, spec, Path(path), Path(tmp))
        except readers.FileRejected as exc:
            return _rejected(actor, source, filename or Path(path).name, as_of, region, exc)
        progress(40, f"已读取{parsed.records}行，正在读取户籍台账")
        engine.attach_register(con, engine.register_snapshot(region))
        progress(55, "正在匹配人员")
        with write:
            batch = Batch.objects.create(
                source=source,
                filename=(filename or Path(path).name)[:200],
                as_of=as_of,
                region=region,
                status=Batch.Status.DONE,
                records=parsed.records,
                rejected_rows=parsed.rejected,
                errors=parsed.errors,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            counts = engine.run_batch(con, batch, rules, progress)
            batch.warnings_created = counts["warnings_created"]
            batch.findings_created = counts["findings_created"]
            batch.seconds = round(time.perf_counter() - started, 2)
            batch.save()
            audit.record(
                actor=actor,
                action="import",
                note=f"部门数据比对：{batch}",
                obj=batch,
                after=snapshot(
                    batch, exclude=("errors", "unmatched_sample", "matched_regions", "created_at")
                ),
                region_id=getattr(region, "pk", None),
            )
    con.close()
    progress(100, "比对完成")
    return batch


@transaction.atomic
def _rejected(
    actor: Any,
    source: str,
    filename: str,
    as_of: dt.date,
    region: Region | None,
    exc: readers.FileRejected,
) -> Batch:
    batch = Batch.objects.create(
        source=source,
        filename=filename[:200],
        as_of=as_of,
        region=region,
        status=Batch.Status.REJECTED,
        matched_regions={},
        errors=[{"row": None, "message": m} for m in exc.messages],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action="import",
        obj=batch,
        note=f"部门数据文件已拒收：{exc}",
        region_id=getattr(region, "pk", None),
    )
    return batch


@transaction.atomic
def run_checks(*, actor: Any, region: Region | None = None, as_of: dt.date | None = None) -> dict:
    """Run every internal data-quality rule over the region (every county for None); store and
    close findings."""
    rules = engine.ensure_rules()
    result = engine.run_checks(region, rules, as_of or today())
    audit.record(
        actor=actor,
        action="action",
        object_type="exchange.rule",
        object_repr=f"数据质量校验 {region or '全部区划'}",
        after=result,
        region_id=getattr(region, "pk", None),
    )
    return result


@transaction.atomic
def assign(*, actor: Any, items: Iterable[Item], assignee: Any) -> int:
    """Hand open items to a user who can see them; returns how many were assigned."""
    from accounts.models import User

    if not User.objects.visible_to(actor).filter(pk=assignee.pk, is_active=True).exists():
        raise ValidationError({"assignee": "只能分派给本辖区内的在岗人员"})
    chosen = [i for i in items if i.status in (Item.Status.OPEN, Item.Status.ASSIGNED)]
    if not chosen:
        raise ValidationError("所选条目都已办结或关闭，无需分派")
    Item.objects.filter(pk__in=[i.pk for i in chosen]).update(
        assignee=assignee, status=Item.Status.ASSIGNED
    )
    audit.audit_objects(
        actor,
        "update",
        [
            AuditRecord(
                object_type="exchange.item",
                object_id=str(i.pk),
                object_repr=str(i.message)[:200],
                after={"assignee": assignee.pk},
                household_id=i.household_id,
            )
            for i in chosen
        ],
    )
    return len(chosen)


@transaction.atomic
def resolve(
    *,
    actor: Any,
    item: Item,
    result: str,
    note: str = "",
    changed_fields: Iterable[str] = (),
) -> Item:
    """Record the verification result. 纳入监测 opens a lead in the monitoring inbox."""
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("rule", "household")
        .get(pk=item.pk)
    )
    if item.status not in (Item.Status.OPEN, Item.Status.ASSIGNED):
        raise ValidationError(f"该条目已{item.get_status_display()}，不能再登记结果")
    changed = [c.strip() for c in changed_fields if c.strip()]
    note = note.strip()
    if result == Item.Result.DISMISS and not note:
        raise ValidationError({"result_note": "选择“不纳入”时请填写理由"})
    if result == Item.Result.CORRECTED and not changed:
        raise ValidationError({"changed_fields": "选择“已修正”时请写明修改了哪些字段"})
    if result not in Item.Result.values:
        raise ValidationError({"result": f"核实结果“{result}”无效"})
    if result == Item.Result.MONITOR and item.household is None:
        raise ValidationError({"result": "区划类问题（项目、资产、整改等）不能纳入监测"})
    before = snapshot(item)
    if result == Item.Result.MONITOR:
        item.lead = hooks.call(
            "monitoring.create_lead",
            actor=actor,
            source="部门筛查预警",
            reported_date=today(),
            household=item.household,
            risks=[item.rule.risk] if item.rule.risk else [],
            description=f"{item.rule.name}：{item.message}",
            origin=f"exchange.warning:{item.pk}",
            from_rules=True,
        )
    item.result = result
    item.result_note = note[:500]
    item.changed_fields = changed
    item.status = Item.Status.DONE
    item.resolved_by = actor if getattr(actor, "pk", None) else None
    item.resolved_at = timezone.now()
    item.save()
    audit.record(
        actor=actor,
        action="update",
        obj=item,
        before=before,
        after=snapshot(item),
        household_id=item.household_id,
        region_id=item.region_id,
    )
    return item


@transaction.atomic
def set_rule_parameters(
    *, actor: Any, rule: Rule, year: int, parameters: dict, enabled: bool | None = None
) -> RuleYear:
    """A county admin's thresholds (and whether the rule runs) for one year, in their own county
    and below (policy rule 29): a county beside it keeps its own. Keys must be the rule's own."""
    require(actor, Cap.SETTINGS, message="只有县级管理员可以修改规则参数")
    unknown = sorted(set(parameters) - set(rule.parameters))
    if unknown:
        raise ValidationError({"parameters": f"规则没有参数：{'、'.join(unknown)}"})
    for key, value in parameters.items():
        default = rule.parameters[key]
        if isinstance(default, int | float) and not isinstance(value, int | float):
            raise ValidationError({"parameters": f"参数“{parameters_.label(key)}”应为数字"})
        if isinstance(default, list) and not isinstance(value, list):
            raise ValidationError({"parameters": f"参数“{parameters_.label(key)}”应为列表"})
    region = getattr(actor, "region", None)  # none: a setting for every county
    setting, _ = RuleYear.objects.get_or_create(rule=rule, year=year, region=region)
    before = {"parameters": dict(setting.parameters), "enabled": setting.enabled}
    setting.parameters = parameters
    if enabled is not None:
        setting.enabled = enabled
    setting.updated_by = actor
    setting.save()
    audit.record(
        actor=actor,
        action="update",
        obj=rule,
        before={"year": year, "region": str(region or ""), **before},
        after={
            "year": year,
            "region": str(region or ""),
            "parameters": parameters,
            "enabled": setting.enabled,
        },
        region_id=getattr(region, "pk", None),
    )
    return setting


def batch_items(items: Any, batch: Batch) -> Any:
    """The items a batch found: its own, and those it found that a later file of the same source
    found again (re-uploading a file moves `last_batch` on; the earlier batch keeps them)."""
    return items.filter(
        Q(last_batch=batch)
        | Q(source=batch.source, first_batch_id__lte=batch.pk, last_batch_id__gt=batch.pk)
    )


@dataclass(frozen=True)
class Figures:
    """A batch's figures as one user may read them. `whole`: the file's own, for who sees the
    batch's whole scope; else the user's share (本辖区): rows matched to their people and the
    items found in their region, and None for what no region holds (records, people on no
    register, error rows; matched too for a batch compared before the shares were kept)."""

    whole: bool
    records: int | None
    matched: int | None
    unmatched: int | None
    rejected_rows: int | None
    warnings_created: int
    findings_created: int


def batch_figures(user: Any, batches: Iterable[Batch]) -> dict[int, Figures]:
    """Each batch's `Figures` for `user`, by batch pk, in three queries however many batches."""
    batches = list(batches)
    whole = set(
        Batch.objects.visible_to(user, whole=True)
        .filter(pk__in=[b.pk for b in batches])
        .values_list("pk", flat=True)
    )
    shares = [b for b in batches if b.pk not in whole]
    found: Counter[tuple[int, str]] = Counter()
    mine: set[str] = set()
    if shares:
        counts = (
            Item.objects.visible_to(user)
            .filter(first_batch__in=shares)
            .values("first_batch_id", "kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        found.update({(c["first_batch_id"], c["kind"]): c["n"] for c in counts})
        keys = {int(k) for b in shares for k in b.matched_regions or {}}
        if keys:
            regions = Region.objects.visible_to(user).filter(pk__in=keys)
            mine = {str(pk) for pk in regions.values_list("pk", flat=True)}
    figures = {}
    for b in batches:
        if b.pk in whole:
            figures[b.pk] = Figures(
                whole=True,
                records=b.records,
                matched=b.matched,
                unmatched=b.unmatched,
                rejected_rows=b.rejected_rows,
                warnings_created=b.warnings_created,
                findings_created=b.findings_created,
            )
            continue
        shared = b.matched_regions
        figures[b.pk] = Figures(
            whole=False,
            records=None,
            matched=None if shared is None else sum(n for k, n in shared.items() if k in mine),
            unmatched=None,
            rejected_rows=None,
            warnings_created=found[(b.pk, Kind.WARNING)],
            findings_created=found[(b.pk, Kind.FINDING)],
        )
    return figures


def feedback_workbook(*, actor: Any, batch: Batch) -> bytes:
    """核实结果反馈表: the department's own columns for each item of the batch, plus the result."""
    spec = readers.SOURCES[batch.source]
    # People found again later but not in this batch's own rows are left out below.
    items = list(
        batch_items(Item.objects.visible_to(actor), batch)
        .select_related("rule", "person", "household", "resolved_by")
        .order_by("region_id", "household_id", "id")
    )
    dept: dict[str, tuple] = {}
    ids = sorted({i.person.id_number for i in items if i.person})
    if ids and batch.rows_file and Path(batch.rows_file).exists():
        names = [c.alias if c.kind != "id" else "id_number" for c in spec.columns]
        import duckdb

        con = duckdb.connect()
        con.execute("CREATE TEMP TABLE wanted (id_number VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [(i,) for i in ids])
        rows = con.execute(
            f"SELECT {', '.join(names)} FROM read_parquet('{batch.rows_file}') "
            "WHERE error IS NULL AND id_number IN (SELECT id_number FROM wanted) "
            "QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY row_no DESC) = 1"
        ).fetchall()
        con.close()
        dept = {r[0]: r for r in rows}
        items = [
            i
            for i in items
            if i.last_batch_id == batch.pk or (i.person is not None and i.person.id_number in dept)
        ]
    show_full = can(actor, Cap.REVEAL)
    buffer = io.BytesIO()
    book = StreamWorkbook(buffer, sheet="核实结果反馈表")
    extra = ["规则", "说明", "核实结果", "处理说明", "修正内容", "核实人", "办结日期"]
    book.write_row([*spec.headers, *extra], header=True)
    book.print_setup(header_row=0)
    for item in items:
        id_number = item.person.id_number if item.person else ""
        values = list(dept.get(id_number, ()))
        if not values:
            name = item.person.name if item.person else getattr(item.household, "head_name", "")
            values = [id_number, name] + [""] * (len(spec.columns) - 2)
        if not show_full:
            # The department's other cells may hold the number too (a 残疾人证号 is the ID
            # number and two digits).
            values = [
                mask_id(id_number),
                *(mask_numbers(v) if isinstance(v, str) else v for v in values[1:]),
            ]
        else:
            values[0] = id_number
        typed = [item.result_note, "；".join(item.changed_fields)]  # what the verifier wrote
        if not show_full:
            typed = [mask_numbers(t) for t in typed]
        book.write_row(
            [
                *values,
                item.rule.name,
                item.message,
                item.result or item.get_status_display(),
                *typed,
                item.resolved_by.get_full_name() if item.resolved_by else "",
                timezone.localdate(item.resolved_at) if item.resolved_at else "",
            ]
        )
    book.close()
    audit.record(
        actor=actor,
        action="export",
        obj=batch,
        note=f"导出核实结果反馈表 {len(items)} 条",
        region_id=batch.region_id,
    )
    return buffer.getvalue()


ITEM_HEADERS = ["序号", "级别", "类型", "规则", "数据来源", "乡镇/村", "户编号", "户主", "成员"]
ITEM_HEADERS += ["说明", "状态", "核实结果", "核实人", "最近发现"]


@transaction.atomic
def export_items(*, actor: Any, items: Any, out: Any) -> int:
    """The work queue (already scoped and filtered) as a printable Excel 台账 with a 合计 row
    of the red and yellow ones. Audited."""
    from ledgers.workbook import table_workbook, totals_row
    from regions.models import place_names

    require(actor, Cap.EXPORT)
    region = actor.region
    book = table_workbook(
        out,
        title=f"{region.name}部门比对预警与疑点清单",
        region=region,
        what=f"截至 {today():%Y-%m-%d}",
        headers=ITEM_HEADERS,
        widths={3: 24, 5: 20, 6: 22, 9: 40},
    )
    rows = items.select_related("rule", "household", "region", "person", "assignee").order_by(
        "-last_seen", "-id"
    )
    count = red = 0
    for start in range(0, rows.count(), 2000):
        chunk = list(rows[start : start + 2000])
        places = place_names(i.region for i in chunk if i.region_id)
        for item in chunk:
            count += 1
            red += item.severity == "red"
            book.write_row(
                [
                    count,
                    item.get_severity_display(),
                    item.get_kind_display(),
                    item.rule.name,
                    item.get_source_display(),
                    places.get(item.region_id, ""),
                    item.household.number if item.household else "",
                    item.household.head_name if item.household else "",
                    item.person.name if item.person else "",
                    item.message,
                    item.get_status_display(),
                    item.result,
                    str(item.assignee or ""),
                    timezone.localtime(item.last_seen).date() if item.last_seen else "",
                ]
            )
    totals_row(book, count, "条", "", "", f"其中红色{red}条、黄色{count - red}条")
    book.close()
    audit.record(
        actor=actor,
        action="export",
        object_type="exchange.item",
        object_repr=f"导出预警与疑点{count}条",
        region_id=region.pk,
        note="部门比对预警与疑点清单",
    )
    return count
