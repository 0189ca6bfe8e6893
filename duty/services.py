"""责任落实 services: problems kept in step with their measures, the measure and 销号 steps
(policy.md rule 38: a measure is done by its region, the problem is 销号 by a reviewer of the
level above who completed none of its measures, after all are done and no item of its linked
rule is open), overdue marks, work-team rotation, grids and pairings. Each change is audited in
its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from core import audit, hooks
from core.audit import snapshot
from core.batching import chunks
from core.dates import today
from core.masking import mask_phone
from core.models import AuditRecord
from core.permissions import Cap, can, require
from duty import evidence
from duty.models import (
    Alert,
    Evidence,
    GridHousehold,
    GridRole,
    GridUnit,
    Pairing,
    Problem,
    ProgressNote,
    RectificationRow,
    Review,
    Status,
    WorkTeamMember,
)
from ledgers.kit import ledger, region_names
from ledgers.models import LedgerQuerySet
from ledgers.services import save_row
from regions.models import Region
from registry.models import Household, HouseholdQuerySet

DONE = (Status.DONE, Status.CLOSED)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# -- problems follow their measures -----------------------------------------------------------


def after_rectification_write(
    *, actor: Any, values: Iterable[dict[str, Any]], how: str = "save"
) -> None:
    """The kit's hook after rows were imported, saved or deleted: the problems they belong to
    (and those they left) follow them."""
    numbers = {v["problem_no"] for v in values if v.get("problem_no")}
    left = set(
        Problem.objects.filter(
            pk__in=RectificationRow.objects.filter(problem_no__in=numbers)
            .exclude(problem_id=None)
            .values("problem_id")
        ).values_list("number", flat=True)
    )
    sync_problems(numbers | left, actor=actor, imported=how == "import")


def problem_status(count: int, done: int, closed: int) -> str:
    """A problem's 状态 from its `count` measures, `done` of them 已完成 or 已销号 and `closed`
    已销号: 已销号 when all are, 已完成 when all are done, else 整改中."""
    if count and closed == count:
        return Status.CLOSED
    if count and done == count:
        return Status.DONE
    return Status.OPEN


def sync_problems(numbers: set[str], *, actor: Any, imported: bool = False) -> None:
    """Create, update or remove the `Problem` of each problem number from its measures, set the
    measures' link to it and their overdue marks. A problem whose measures all came in 已销号 by
    an import is recorded as closed by the import (and reopened when an import reopens it)."""
    if not numbers:
        return
    rows: dict[str, dict[str, Any]] = {}
    first_fields = ("region_id", "source", "category", "description", "lead_unit")
    for chunk in chunks(sorted(numbers)):
        found = (
            RectificationRow.objects.filter(problem_no__in=chunk)
            .order_by("problem_no", "measure_no")
            .values("problem_no", "status", "rule_code", "closed_date", *first_fields)
        )
        for r in found:
            p = rows.setdefault(
                r["problem_no"],
                {**{f: r[f] for f in first_fields}, "count": 0, "done": 0, "closed": 0},
            )
            p["count"] += 1
            p["done"] += r["status"] in DONE
            p["closed"] += r["status"] == Status.CLOSED
            p["rule_code"] = p.get("rule_code") or r["rule_code"]
            if r["closed_date"]:
                p["closed_on"] = max(p.get("closed_on") or r["closed_date"], r["closed_date"])
    existing = {p.number: p for p in Problem.objects.filter(number__in=list(numbers))}
    on = today()
    created: list[Problem] = []
    changed: list[tuple[Problem, dict[str, Any]]] = []
    reviews: list[Review] = []
    for number in sorted(numbers):
        data = rows.get(number)
        problem = existing.get(number)
        if data is None:
            if problem is not None:
                audit.record(
                    actor=actor,
                    action="delete",
                    obj=problem,
                    before=snapshot(problem),
                    region_id=problem.region_id,
                    note="问题的整改措施已全部删除",
                )
                problem.delete()
            continue
        status = problem_status(data["count"], data["done"], data["closed"])
        values = {
            "region_id": data["region_id"],
            "source": data["source"],
            "category": data["category"],
            "description": data["description"],
            "lead_unit": data["lead_unit"],
            "rule_code": data.get("rule_code") or "",
            "status": status,
            "measure_count": data["count"],
        }
        if problem is None:
            problem = Problem(number=number, **values)
            if status == Status.CLOSED:
                problem.closed_on = data.get("closed_on") or on
                problem.closed_via = Problem.Via.IMPORT
                reviews.append(_import_review(problem, Review.Action.IMPORT_CLOSE, on))
            created.append(problem)
            continue
        was_closed = problem.status == Status.CLOSED
        if status == Status.CLOSED and not was_closed:
            values |= {
                "closed_on": data.get("closed_on") or on,
                "closed_via": Problem.Via.IMPORT if imported else problem.closed_via,
            }
            reviews.append(_import_review(problem, Review.Action.IMPORT_CLOSE, on))
        elif was_closed and status != Status.CLOSED:
            values |= {"closed_on": None, "closed_by": None, "closed_via": ""}
            reviews.append(_import_review(problem, Review.Action.IMPORT_REOPEN, on))
        before = {k: getattr(problem, k) for k in values if getattr(problem, k) != values[k]}
        if before:
            for k, v in values.items():
                setattr(problem, k, v)
            changed.append((problem, before))
    Problem.objects.bulk_create(created, batch_size=1000)
    for problem, before in changed:
        problem.save(update_fields=[*before, "updated_at"])
    for review in reviews:
        review.problem_id = review.problem.pk
    Review.objects.bulk_create(reviews, batch_size=1000)
    audit.audit_objects(
        actor,
        "update",
        [
            AuditRecord(
                action="create",
                object_type="duty.problem",
                object_id=str(p.pk),
                object_repr=str(p)[:200],
                region_id=p.region_id,
                after={"number": p.number, "status": p.status, "measures": p.measure_count},
            )
            for p in created
        ]
        + [
            AuditRecord(
                action="update",
                object_type="duty.problem",
                object_id=str(p.pk),
                object_repr=str(p)[:200],
                region_id=p.region_id,
                before={k: audit.plain(v) for k, v in before.items()},
                after={k: audit.plain(getattr(p, k)) for k in before},
            )
            for p, before in changed
        ],
    )
    for chunk in chunks(sorted(numbers)):
        RectificationRow.objects.filter(problem_no__in=chunk).update(
            problem_id=Subquery(
                Problem.objects.filter(number=OuterRef("problem_no")).values("pk")[:1]
            )
        )
        mark_overdue(RectificationRow.objects.filter(problem_no__in=chunk))


def _import_review(problem: Problem, action: str, on: dt.date) -> Review:
    return Review(
        problem=problem, action=action, date=on, note="随台账导入（在其他系统或台账中办理）"
    )


# -- overdue marks -----------------------------------------------------------------------------


def warn_days() -> int:
    """Days before its 整改时限 when a measure still 整改中 is marked orange."""
    return int(getattr(settings, "FANGPIN_RECTIFICATION_WARN_DAYS", 7))


def mark_overdue(rows: QuerySet | None = None, *, on: dt.date | None = None) -> dict[str, int]:
    """Orange (due within `warn_days`) and red (past its 整改时限) on measures still 整改中;
    nothing on the others. Three UPDATEs; the daily job runs it on every measure."""
    on = on or today()
    qs = rows if rows is not None else RectificationRow.objects.all()
    soon = on + dt.timedelta(days=warn_days())
    late = Q(status=Status.OPEN, deadline__lt=on)
    near = Q(status=Status.OPEN, deadline__gte=on, deadline__lte=soon)
    red = qs.filter(late).exclude(alert=Alert.RED).update(alert=Alert.RED)
    orange = qs.filter(near).exclude(alert=Alert.ORANGE).update(alert=Alert.ORANGE)
    cleared = qs.exclude(late | near).exclude(alert="").update(alert="")
    return {"red": red, "orange": orange, "cleared": cleared}


# -- the measure and 销号 steps ------------------------------------------------------------------


def _audit(actor: Any, obj: Any, action: str, before: Any, note: str = "") -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=snapshot(obj),
        region_id=obj.region_id,
        note=note,
    )


def _editable(problem: Problem | None) -> None:
    if problem is not None and problem.status == Status.CLOSED:
        raise ValidationError("该问题已销号，如需继续整改请由上级重新打开")


@transaction.atomic
def complete_measure(*, actor: Any, measure: RectificationRow, note: str = "") -> None:
    """已完成: the measure's region (its cadres) says the measure is carried out."""
    require(actor, Cap.EDIT_LEDGER, measure.region, "只有问题所在区划的干部可以标记措施完成")
    _editable(measure.problem)
    if measure.status != Status.OPEN:
        raise ValidationError("该措施已标记完成")
    before = snapshot(measure)
    measure.status, measure.alert = Status.DONE, ""
    measure.completed_by, measure.completed_on = _user(actor), today()
    if note.strip():
        measure.progress = note.strip()[:500]
        ProgressNote.objects.create(
            measure=measure, date=today(), text=measure.progress, author=_user(actor)
        )
    measure.updated_by = _user(actor)
    measure.save()
    _audit(actor, measure, "action", before, "措施标记为已完成")
    sync_problems({measure.problem_no}, actor=actor)


@transaction.atomic
def undo_measure(*, actor: Any, measure: RectificationRow, reason: str) -> None:
    """Back to 整改中 before the problem is 销号 (the completion was premature)."""
    require(actor, Cap.EDIT_LEDGER, measure.region)
    _editable(measure.problem)
    if measure.status != Status.DONE:
        raise ValidationError("只有已完成的措施可以撤回")
    if not reason.strip():
        raise ValidationError("请填写撤回原因")
    before = snapshot(measure)
    measure.status, measure.completed_by, measure.completed_on = Status.OPEN, None, None
    measure.updated_by = _user(actor)
    measure.save()
    _audit(actor, measure, "action", before, f"撤回完成：{reason.strip()}")
    sync_problems({measure.problem_no}, actor=actor)


@transaction.atomic
def add_progress(
    *, actor: Any, measure: RectificationRow, text: str, date: dt.date | None = None
) -> ProgressNote:
    """A dated progress note; the ledger's 整改进展 shows the latest."""
    require(actor, Cap.EDIT_LEDGER, measure.region)
    _editable(measure.problem)
    text = text.strip()
    date = date or today()
    if not text:
        raise ValidationError({"text": "请填写整改进展"})
    if date > today():
        raise ValidationError({"date": "日期不能晚于今天"})
    note = ProgressNote.objects.create(
        measure=measure, date=date, text=text[:500], author=_user(actor)
    )
    latest = measure.notes.order_by("-date", "-id").first()
    if latest is not None and latest.text != measure.progress:
        before = snapshot(measure)
        measure.progress = latest.text
        measure.updated_by = _user(actor)
        measure.save(update_fields=["progress", "updated_by", "updated_at"])
        _audit(actor, measure, "update", before, "填报整改进展")
    return note


@transaction.atomic
def add_evidence(*, actor: Any, measure: RectificationRow, upload: Any) -> Evidence:
    """佐证材料: a photo or a PDF, checked (duty.evidence) and stored; removed again on failure."""
    require(actor, Cap.EDIT_LEDGER, measure.region, "只有问题所在区划的干部可以上传佐证材料")
    _editable(measure.problem)
    stored = evidence.store(upload)
    try:
        row = Evidence.objects.create(
            measure=measure,
            file=stored.file,
            name=stored.name,
            content_type=stored.content_type,
            size=stored.size,
            uploaded_by=_user(actor),
        )
        audit.record(
            actor=actor,
            action="create",
            obj=row,
            after={"name": row.name, "size": row.size, "measure": measure.pk},
            region_id=measure.region_id,
        )
    except Exception:
        default_storage.delete(stored.file)
        raise
    return row


def is_above(user_region: Region, region: Region) -> bool:
    """The level above a problem's region: a region strictly containing it (the county also
    reviews its own county-level problems, having nobody above it in the system)."""
    if region.parent_id is None:
        return user_region.pk == region.pk
    return region.path.startswith(user_region.path) and user_region.pk != region.pk


def makers(problem: Problem) -> set[int]:
    """The users who marked a measure of the problem done."""
    return set(
        problem.measures.exclude(completed_by=None).values_list("completed_by_id", flat=True)
    )


def open_items(problem: Problem) -> int | None:
    """How many items of the problem's linked rule are open in its scope (None: no rule)."""
    if not problem.rule_code or not hooks.provided("exchange.open_items"):
        return None
    return int(hooks.call("exchange.open_items", problem.rule_code, problem.rule_scope))


def _reviewer(actor: Any, problem: Problem) -> None:
    require(actor, Cap.REVIEW, problem.region)
    if not is_above(actor.region, problem.region):
        raise PermissionDenied("销号须由上一级审核：村级问题由乡镇或县审核，乡镇问题由县审核")
    if actor.pk in makers(problem):
        raise PermissionDenied(
            "您完成了该问题的整改措施，不能由本人审核销号（审核人与整改人须为不同人员）"
        )


@transaction.atomic
def review(*, actor: Any, problem: Problem, decision: str, note: str) -> Review:
    """销号 (every measure done, no open item of the linked rule) or 退回 (back to 整改中), by a
    reviewer of the level above who completed none of the problem's measures."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    _reviewer(actor, problem)
    note = note.strip()
    if not note:
        raise ValidationError({"note": "请填写审核意见"})
    if problem.status == Status.CLOSED:
        raise ValidationError("该问题已销号")
    measures = problem.measures.all()
    on = today()
    before = snapshot(problem)
    pending = None
    if decision == Review.Action.CLOSE:
        left = measures.exclude(status__in=DONE).count()
        if left:
            raise ValidationError(f"还有{left}条整改措施未完成，不能销号")
        pending = open_items(problem)
        if pending:
            raise ValidationError(
                f"关联规则{problem.rule_code}在{problem.rule_scope.name}仍有{pending}条未办结的"
                "问题数据，请核实修正后再销号"
            )
        measures.update(status=Status.CLOSED, closed_date=on, alert="")
        problem.status, problem.closed_on = Status.CLOSED, on
        problem.closed_by, problem.closed_via = _user(actor), Problem.Via.REVIEW
        problem.save()
        message = "审核销号"
    elif decision == Review.Action.RETURN:
        if not measures.filter(status=Status.DONE).exists():
            raise ValidationError("没有已完成的措施可以退回")
        measures.filter(status=Status.DONE).update(
            status=Status.OPEN, completed_by=None, completed_on=None
        )
        problem.status = Status.OPEN
        problem.save()
        mark_overdue(problem.measures.all())
        message = "退回整改"
    else:
        raise ValidationError("未知的审核结论")
    row = Review.objects.create(
        problem=problem,
        action=decision,
        actor=_user(actor),
        date=on,
        note=note[:500],
        open_items=pending,
    )
    _audit(actor, problem, "action", before, f"{message}：{note}")
    return row


@transaction.atomic
def reopen(*, actor: Any, problem: Problem, reason: str) -> Review:
    """重新打开 a 销号 problem (a later inspection found it again): its measures go back to
    整改中 and must be completed and reviewed again."""
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    require(actor, Cap.REVIEW, problem.region)
    if not is_above(actor.region, problem.region):
        raise PermissionDenied("只有上一级可以重新打开已销号的问题")
    if problem.status != Status.CLOSED:
        raise ValidationError("只有已销号的问题可以重新打开")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写重新打开的原因"})
    before = snapshot(problem)
    problem.measures.update(
        status=Status.OPEN, closed_date=None, completed_by=None, completed_on=None
    )
    problem.status, problem.closed_on, problem.closed_by, problem.closed_via = (
        Status.OPEN,
        None,
        None,
        "",
    )
    problem.save()
    mark_overdue(problem.measures.all())
    row = Review.objects.create(
        problem=problem, action=Review.Action.REOPEN, actor=_user(actor), date=today(), note=reason
    )
    _audit(actor, problem, "action", before, f"重新打开：{reason}")
    return row


@transaction.atomic
def link_rule(*, actor: Any, problem: Problem, rule_code: str, scope: Region | None) -> None:
    """关联规则 and its scope (within the problem's region); the measures' 关联规则 follow."""
    require(actor, Cap.EDIT_LEDGER, problem.region)
    _editable(problem)
    rule_code = rule_code.strip()
    if scope is not None and not scope.path.startswith(problem.region.path):
        raise ValidationError({"scope": "规则范围应在问题所在区划之内"})
    if rule_code and hooks.call("exchange.rule", rule_code) is None:
        raise ValidationError({"rule_code": f"系统中没有编码为“{rule_code}”的规则"})
    before = snapshot(problem)
    problem.rule_code = rule_code
    problem.scope = scope if scope is not None and scope.pk != problem.region_id else None
    problem.save()
    problem.measures.exclude(rule_code=rule_code).update(rule_code=rule_code)
    _audit(actor, problem, "update", before, "关联规则")


def next_number(region: Region, on: dt.date) -> str:
    """A new 问题编号 for a problem made from system items: XT + year + a serial."""
    prefix = f"XT{on.year}"
    taken = Problem.objects.filter(number__startswith=prefix).count()
    serial = taken + 1
    while Problem.objects.filter(number=f"{prefix}{serial:04d}").exists():
        serial += 1
    return f"{prefix}{serial:04d}"


@transaction.atomic
def create_from_items(
    *,
    actor: Any,
    rule_code: str,
    region: Region,
    deadline: dt.date,
    unit: str = "",
    responsible: str = "",
    lead_unit: str = "",
) -> Problem:
    """系统问题数据 → a problem: the open items of a rule in a region become one problem (linked
    to the rule, scoped to the region) with one measure "核实修正", so 疑点数据 → 实地核查 → 修正 →
    销号 is one flow: the problem cannot be 销号 while any of those items is open."""
    require(actor, Cap.EDIT_LEDGER, region)
    rule = hooks.call("exchange.rule", rule_code)
    count = hooks.call("exchange.open_items", rule_code, region) if rule else 0
    if not count:
        raise ValidationError({"rule_code": "该规则在此区划没有未办结的问题数据"})
    if deadline < today():
        raise ValidationError({"deadline": "整改时限不能早于今天"})
    number = next_number(region, today())
    values = {
        "problem_no": number,
        "measure_no": 1,
        "source": "系统问题数据",
        "category": "数据质量",
        "description": (
            f"{rule['name']}（规则{rule_code}）：{region.name}共{count}条问题数据待核实修正"
        ),
        **region_names(region),
        "lead_unit": lead_unit,
        "unit": unit,
        "responsible": responsible,
        "measure": "逐条实地核查，修正系统数据或说明情况，办结全部问题数据",
        "measure_type": "限时整改",
        "deadline": deadline,
        "rule_code": rule_code,
    }
    save_row(actor=actor, ledger=ledger("rectification"), values=values)
    problem = Problem.objects.get(number=number)
    problem.from_items = count
    problem.save(update_fields=["from_items", "updated_at"])
    return problem


# -- 驻村工作队 ---------------------------------------------------------------------------------


def in_post(region: Region, on: dt.date) -> LedgerQuerySet:
    """Members of the work teams of `region` and below in post on `on`."""
    return (
        WorkTeamMember.objects.below(region)
        .filter(start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
    )


@transaction.atomic
def rotate(
    *,
    actor: Any,
    leaving: WorkTeamMember,
    on: dt.date,
    name: str,
    unit: str,
    post: str,
    phone: str = "",
) -> WorkTeamMember:
    """轮换: the leaving member's stint ends the day before `on`; the new member starts on `on`
    in the same village (both rows stay: who was in post on any date is known)."""
    require(actor, Cap.EDIT_LEDGER, leaving.region)
    if leaving.end is not None and leaving.end < on:
        raise ValidationError({"on": "该队员已离任"})
    if on <= leaving.start:
        raise ValidationError({"on": "轮换日期应晚于该队员的驻村开始日期"})
    if on > today() + dt.timedelta(days=366):
        raise ValidationError({"on": "轮换日期过远"})
    teams = ledger("work_teams")
    names = region_names(leaving.region)
    old = teams.values(leaving) | {"end": on - dt.timedelta(days=1)}
    save_row(actor=actor, ledger=teams, values=old, row=leaving)
    return save_row(  # type: ignore[return-value]
        actor=actor,
        ledger=teams,
        values={
            **names,
            "name": name.strip(),
            "unit": unit.strip(),
            "post": post,
            "start": on,
            "end": None,
            "phone": phone,
        },
    )


# -- 网格 ---------------------------------------------------------------------------------------


@transaction.atomic
def save_grid_unit(*, actor: Any, region: Region, name: str, note: str = "") -> GridUnit:
    require(actor, Cap.PLAN, region)
    name = name.strip() or region.name
    if GridUnit.objects.filter(region=region, name=name).exists():
        raise ValidationError({"name": f"{region.name}已有名为“{name}”的网格"})
    unit = GridUnit.objects.create(region=region, name=name, note=note)
    audit.record(actor=actor, action="create", obj=unit, after=snapshot(unit), region_id=region.pk)
    return unit


@transaction.atomic
def add_grid_role(
    *,
    actor: Any,
    unit: GridUnit,
    role: str,
    start: dt.date,
    user: Any = None,
    name: str = "",
    phone: str = "",
) -> GridRole:
    """网格长, 监管员, 监测员 or 网格员 of a grid: a user of its region or a named person."""
    require(actor, Cap.PLAN, unit.region)
    if user is not None:
        own = getattr(user.region, "path", None) or "-"
        if not (own.startswith(unit.region.path) or unit.region.path.startswith(own)):
            raise ValidationError({"user": "该用户不属于本网格所在区划"})
    name = (name or (str(user) if user is not None else "")).strip()
    if not name:
        raise ValidationError({"name": "请填写姓名或选择系统用户"})
    if start > today():
        raise ValidationError({"start": "开始日期不能晚于今天"})
    row = GridRole.objects.create(
        unit=unit, role=role, user=user, name=name, phone=phone, start=start
    )
    audit.record(
        actor=actor, action="create", obj=row, after=snapshot(row), region_id=unit.region_id
    )
    return row


@transaction.atomic
def end_grid_role(*, actor: Any, role: GridRole, on: dt.date) -> None:
    """A role ends (调整): its households are left without a 网格员 until assigned again."""
    require(actor, Cap.PLAN, role.unit.region)
    if on < role.start:
        raise ValidationError({"on": "结束日期不能早于开始日期"})
    before = snapshot(role)
    role.end = on
    role.save(update_fields=["end"])
    released = GridHousehold.objects.filter(member=role)
    count = released.count()
    released.delete()
    audit.record(
        actor=actor,
        action="update",
        obj=role,
        before=before,
        after=snapshot(role),
        region_id=role.unit.region_id,
        note=f"调整网格员，{count}户待重新分配" if count else "",
    )


@transaction.atomic
def assign_households(
    *, actor: Any, member: GridRole, households: Iterable[Any], on: dt.date | None = None
) -> int:
    """Give these households to a 网格员 (each household has one; a change replaces it)."""
    require(actor, Cap.PLAN, member.unit.region)
    if member.role != GridRole.Role.MEMBER:
        raise ValidationError("只能把农户分配给网格员")
    if member.end is not None and member.end < today():
        raise ValidationError("该网格员已不在岗")
    on = on or today()
    scope = member.unit.region.path
    chosen = list(households)
    outside = [h for h in chosen if not h.region.path.startswith(scope)]
    if outside:
        raise ValidationError(f"{outside[0]}不在网格“{member.unit.name}”所在区划")
    before = dict(
        GridHousehold.objects.filter(household__in=chosen).values_list("household_id", "member_id")
    )
    GridHousehold.objects.filter(household__in=chosen).exclude(member=member).delete()
    new = [
        GridHousehold(household=h, member=member, assigned_on=on)
        for h in chosen
        if before.get(h.pk) != member.pk
    ]
    GridHousehold.objects.bulk_create(new)
    audit.audit_objects(
        actor,
        "update",
        [
            AuditRecord(
                action="update" if h.household.pk in before else "create",
                object_type="duty.gridhousehold",
                object_id=str(h.household.pk),
                object_repr=f"网格户 {h.household}"[:200],
                household_id=h.household.pk,
                region_id=h.household.region_id,
                before={"网格员": before.get(h.household.pk)},
                after={"网格员": member.pk, "姓名": member.name},
            )
            for h in new
        ],
    )
    return len(new)


def grid_households(user: Any) -> HouseholdQuerySet:
    """The households assigned to the grid roles this user holds today (none for others)."""
    roles = GridRole.objects.current().filter(user=user, role=GridRole.Role.MEMBER)
    return Household.objects.filter(
        pk__in=GridHousehold.objects.filter(member__in=roles).values("household_id")
    )


def coverage(region: Region) -> list[dict[str, Any]]:
    """Per village of `region` (or the village itself): households, those with a 网格员, those
    without — two GROUP BY queries."""
    villages = list(
        Region.objects.below(region)
        .filter(level=Region.Level.VILLAGE, retired=False)
        .order_by("path")
        .values("pk", "name", "path", "parent__name")
    )
    by_path: dict[int, dict[str, Any]] = {
        v["pk"]: {**v, "households": 0, "covered": 0} for v in villages
    }
    village_of = _village_case()
    total = (
        Household.objects.filter(region__path__startswith=region.path)
        .annotate(village=village_of)
        .values("village")
        .annotate(n=Count("pk"))
    )
    for row in total:
        if row["village"] in by_path:
            by_path[row["village"]]["households"] = row["n"]
    covered = (
        GridHousehold.objects.filter(household__region__path__startswith=region.path)
        .annotate(village=_village_case("household__region"))
        .values("village")
        .annotate(n=Count("pk"))
    )
    for row in covered:
        if row["village"] in by_path:
            by_path[row["village"]]["covered"] = row["n"]
    out = []
    for v in by_path.values():
        v["uncovered"] = v["households"] - v["covered"]
        v["rate"] = round(100 * v["covered"] / v["households"], 1) if v["households"] else None
        out.append(v)
    return out


def _village_case(field: str = "region") -> Any:
    """The household's village: its region, or the region's parent when it lives in a 组."""
    from django.db.models import Case, F, When

    return Case(
        When(**{f"{field}__level": Region.Level.GROUP}, then=F(f"{field}__parent_id")),
        default=F(f"{field}_id"),
    )


# -- 结对帮扶 -----------------------------------------------------------------------------------


@transaction.atomic
def save_pairing(*, actor: Any, pairing: Pairing | None = None, **values: Any) -> Pairing:
    """A pairing of a unit with a village (created or changed)."""
    village = values["village"]
    require(actor, Cap.EDIT_LEDGER, village)
    if village.level != Region.Level.VILLAGE:
        raise ValidationError({"village": "结对帮扶的对象应为行政村"})
    if values.get("end") and values["end"] < values["start"]:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    before = snapshot(pairing) if pairing is not None else None
    obj = pairing or Pairing()
    if pairing is not None:
        require(actor, Cap.EDIT_LEDGER, pairing.village)
    for k, v in values.items():
        setattr(obj, k, v)
    obj.full_clean()
    obj.save()
    audit.record(
        actor=actor,
        action="update" if before else "create",
        obj=obj,
        before=before,
        after=snapshot(obj),
        region_id=village.pk,
    )
    return obj


def pairings_on(region: Region, on: dt.date) -> QuerySet[Pairing]:
    """Pairings of villages of `region` current on `on`."""
    return Pairing.objects.filter(village__path__startswith=region.path, start__lte=on).filter(
        Q(end__isnull=True) | Q(end__gte=on)
    )


def show_phones(*, actor: Any, members: list[WorkTeamMember], region: Region) -> None:
    """Set each member's `shown_phone`: in full for a user who may see phones (the sight is
    logged), masked for anyone else."""
    full = can(actor, Cap.REVEAL)
    for m in members:
        m.shown_phone = m.phone if full else mask_phone(m.phone)  # type: ignore[attr-defined]
    if full and any(m.phone for m in members):
        audit.record(
            actor=actor,
            action="view_sensitive",
            obj=region,
            region_id=region.pk,
            object_repr=f"查看{region.name}驻村工作队完整联系电话（{len(members)}人）",
        )
