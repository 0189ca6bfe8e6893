"""Changes to the register. Each is atomic, audited in the same transaction, and writes history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit, codes, hooks
from core.audit import snapshot
from core.batching import chunks
from core.dates import today
from core.idnumber import normalize
from core.masking import mask_id
from core.models import AuditRecord
from core.permissions import Cap, acts_for_server, can, require
from core.scoping import whole_tree
from regions.models import Region
from registry import rules
from registry.models import (
    EventKind,
    Household,
    HouseholdEvent,
    HouseholdQuerySet,
    IncomeRecord,
    Membership,
    Person,
    looks_like_id_number,
)


def status_of(h: Household) -> rules.HouseholdStatus:
    """The status fields of a saved household."""
    return rules.HouseholdStatus(
        is_alleviated=h.is_alleviated,
        alleviated_year=h.alleviated_year,
        category=h.category,
        risks=h.risk_list,
        identified_date=h.identified_date,
        risk_eliminated=h.risk_eliminated,
        eliminated_date=h.eliminated_date,
        elimination_method=h.elimination_method,
    )


def _write_events(
    h: Household,
    before: rules.HouseholdStatus | None,
    actor: Any,
    source: str,
    exit_reason: str = "",
    on: dt.date | None = None,
    note: str = "",
) -> list[HouseholdEvent]:
    """The events of a status change, and the corrected dates moved onto the events that
    recorded them (each move audited)."""
    after = status_of(h)
    ends = h.events.last_ends().get(h.pk) if before is not None else None
    events = [
        HouseholdEvent(
            household=h, actor=actor if getattr(actor, "pk", None) else None, source=source, **e
        )
        for e in rules.status_events(before, after, on or today(), exit_reason, ends)
    ]
    HouseholdEvent.objects.bulk_create(events)
    corrections = rules.date_corrections(before, after)
    if corrections:
        for event, old in HouseholdEvent.objects.correct_dates({h.pk: corrections}):
            audit.record(
                actor=actor,
                action="update",
                obj=event,
                before={"date": old.isoformat()},
                after={"date": event.date.isoformat()},
                household_id=h.pk,
                region_id=h.region_id,
                note=note or "更正日期",
            )
    return events


def _check(h: Household) -> None:
    errors = rules.check_status(status_of(h), today())
    if errors:
        raise ValidationError(errors)


# --- Status fields belong to the procedures ----------------------------------------------------

# 监测对象类别, risks, 识别监测时间, 风险是否消除 and its date and 方式 change only by a
# procedure (识别, 风险消除, 回退, 再标注, 剔除/识别不精准退出), an import of the national
# system's register, or a county admin's correction with a stated reason — never by a plain edit
# (policy.md §4, issue 12).
PROCEDURE_FIELDS = (
    "category",
    "risks",
    "identified_date",
    "risk_eliminated",
    "eliminated_date",
    "elimination_method",
)
PROCEDURE_SOURCES = frozenset({"识别程序", "风险消除程序", "风险消除回退程序", "退出监测程序"})
IMPORT_SOURCE = "导入"
CORRECTION_SOURCE = "手工更正"
STATUS_SOURCES = PROCEDURE_SOURCES | {IMPORT_SOURCE, CORRECTION_SOURCE}
PLAIN_EDIT = "手工录入"


def _guard_status(before: Household | None, after: Household, source: str) -> None:
    """Refuse a change of the procedure-owned fields from any source but STATUS_SOURCES."""
    if source in STATUS_SOURCES:
        return
    before = before or Household()  # a new household: compared with the empty status
    changed = [name for name in PROCEDURE_FIELDS if getattr(after, name) != getattr(before, name)]
    if changed:
        raise ValidationError(
            {
                name: "只能通过识别、风险消除、回退、再标注或剔除/退出程序变更，"
                "录入错误请由县级管理员手工更正"
                for name in changed
            }
        )


def create_household(
    *,
    actor: Any,
    head: dict[str, Any] | None = None,
    source: str = PLAIN_EDIT,
    **fields: Any,
) -> Household:
    """Create a household with its 户主 (`head`: the head's member fields); its status becomes
    history events. A household is never registered without a head, and only an import or a
    procedure (`source` in STATUS_SOURCES) may create it with a status."""
    # Outside the transaction: the try is logged even when the household is refused.
    _log_taken_number(actor, (head or {}).get("id_number"))
    return _create_household(actor=actor, head=head, source=source, **fields)


@transaction.atomic
def _create_household(
    *, actor: Any, head: dict[str, Any] | None, source: str, **fields: Any
) -> Household:
    if actor is not None:
        require(actor, Cap.EDIT_REGISTER, fields.get("region"))
    risks = fields.pop("risk_list", None)
    # The household's phone is its 户主's (as in update_household): one given for the household
    # is the head's, unless the head's own is given.
    phone = fields.pop("phone", None)
    if phone and head is not None and not head.get("phone"):
        head = {**head, "phone": phone}
    h = Household(**fields)
    if risks is not None:
        h.risk_list = risks
    if Household.objects.filter(number=h.number).exists():
        raise ValidationError({"number": f"户编号{h.number}已存在"})
    _guard_status(None, h, source)
    _check(h)
    h.full_clean()
    if not head or not head.get("name") or not head.get("id_number"):
        raise ValidationError({"head": "新增农户须同时登记户主（姓名和证件号码）"})
    h.save()
    _write_events(h, None, actor, source)
    audit.record(
        actor=actor,
        action="create",
        obj=h,
        after=snapshot(h),
        household_id=h.pk,
        region_id=h.region_id,
    )
    _add_person(
        actor=actor,
        household=h,
        reason=Membership.StartReason.ORIGINAL,
        date=None,
        **{**head, "relation": "户主"},
    )
    h.refresh_from_db()
    return h


def _refuse_move_in_procedure(h: Household) -> None:
    """A household with a monitoring lead or procedure under way stays in its village until it
    ends: the lead and the procedure's steps belong to that village's staff (who would go on
    acting on a household no longer theirs) and its 公示 is that village's."""
    if not hooks.provided("monitoring.household_work"):
        return
    if any(hooks.call("monitoring.household_work", [h.pk])[h.pk].values()):
        raise ValidationError(
            {"region": "该户有未办结的监测线索或程序，须在原所在村办结后才能变更所在区划"}
        )


@transaction.atomic
def update_household(
    *,
    actor: Any,
    household: Household,
    source: str = PLAIN_EDIT,
    exit_reason: str = "",
    note: str = "",
    on: dt.date | None = None,
    **fields: Any,
) -> Household:
    """Change a household's fields; status changes become dated events (an un-marking with
    `exit_reason`; events no status field dates, such as a roll-back, are dated `on`, default
    today). The status fields (PROCEDURE_FIELDS) change only when `source` is a procedure, an
    import or a county correction (STATUS_SOURCES); a plain edit is refused. A `phone` is the
    户主's (update_person), which the household's follows."""
    h = Household.objects.select_for_update().get(pk=household.pk)
    before_snap, before_status = snapshot(h), status_of(h)
    old = Household(**{name: getattr(h, name) for name in PROCEDURE_FIELDS})
    old_region = h.region_id
    risks = fields.pop("risk_list", None)
    phone = fields.pop("phone", None)
    for name, value in fields.items():
        setattr(h, name, value)
    if h.region_id != old_region:
        _refuse_move_in_procedure(h)
    if risks is not None:
        h.risk_list = risks
    _guard_status(old, h, source)
    _check(h)
    h.full_clean()
    h.save()
    _write_events(h, before_status, actor, source, exit_reason, on, note)
    after_snap = snapshot(h)
    if after_snap != before_snap:
        audit.record(
            actor=actor,
            action="update",
            obj=h,
            before=before_snap,
            after=after_snap,
            household_id=h.pk,
            region_id=h.region_id,
            note=note,
        )
    if phone is not None:
        # The household's phone is its 户主's: a phone given for the household is the 户主's.
        head = h.persons.filter(is_member=True, relation="户主").first()
        if head is None:
            raise ValidationError({"phone": "该户没有户主；联系电话是户主的，请先登记户主"})
        _update_person(actor=actor, person=head, phone=phone)
    household.refresh_from_db()
    return household


@transaction.atomic
def correct_household(
    *, actor: Any, household: Household, reason: str, on: dt.date | None = None, **fields: Any
) -> Household:
    """手工更正: a county admin corrects wrongly entered status fields, with a stated reason.

    Audited with the reason, and shown on the household's timeline as a 手工更正 event. A corrected
    识别监测时间 or 风险消除时间 also moves the event that recorded the wrong date (as any status
    change does: `rules.date_corrections`), so statistics as of any date follow the corrected value.
    """
    require(actor, Cap.OVERRIDE, household.region, "只有县级管理员可以手工更正")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写更正原因"})
    unknown = set(fields) - {*PROCEDURE_FIELDS, "risk_list"}
    if unknown:
        raise ValidationError({name: "手工更正只用于监测状态字段" for name in unknown})
    before = Household.objects.get(pk=household.pk)
    update_household(
        actor=actor,
        household=household,
        source=CORRECTION_SOURCE,
        exit_reason=CORRECTION_SOURCE,
        note=f"手工更正：{reason}",
        **fields,
    )
    h = household
    changed = [
        str(getattr(Household._meta.get_field(name), "verbose_name", name))
        for name in PROCEDURE_FIELDS
        if getattr(before, name) != getattr(h, name)
    ]
    if not changed:
        raise ValidationError({"reason": "没有修改任何监测状态字段"})
    HouseholdEvent.objects.create(
        household=h,
        kind=EventKind.CHANGED,
        date=on or today(),
        category=h.category,
        reason=f"更正{'、'.join(changed)}：{reason}"[:200],
        source=CORRECTION_SOURCE,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return h


def corrections() -> Any:
    """The 手工更正 events (scope them with `visible_to`)."""
    return HouseholdEvent.objects.filter(kind=EventKind.CHANGED, source=CORRECTION_SOURCE)


EXIT_LABELS = {"monitored": "退出监测", "alleviated": "清退脱贫户"}


@transaction.atomic
def unmark(
    *,
    actor: Any,
    household: Household,
    what: str,
    reason: str,
    on: dt.date | None = None,
    note: str = "",
    source: str = "手工录入",
) -> Household:
    """Un-mark a household: end its monitoring (`what="monitored"`: 剔除, 识别不精准退出…) or its
    脱贫户 status (`what="alleviated"`: 清退…), with a reason, as an event dated `on`.

    The register keeps the household and its history; statistics count it until that day only.
    A county decision (Cap.OVERRIDE) when a user acts; commands and procedures pass their actor.
    """
    if actor is not None:
        require(actor, Cap.OVERRIDE, household.region, "只有县级管理员可以办理剔除、清退或退出")
    on = on or today()
    if on > today():
        raise ValidationError({"date": "退出日期不能晚于今天"})
    if reason not in codes.EXIT_REASONS:
        raise ValidationError({"reason": f"退出原因应为{'、'.join(codes.EXIT_REASONS)}之一"})
    h = Household.objects.select_for_update().get(pk=household.pk)
    before_snap, before_status = snapshot(h), status_of(h)
    if what == "monitored":
        if not h.category:
            raise ValidationError({"category": "该户不是监测对象"})
        for name, value in rules.CLEARED_MONITORING.items():
            setattr(h, name, value)
    elif what == "alleviated":
        if not h.is_alleviated:
            raise ValidationError({"is_alleviated": "该户不是脱贫户"})
        if h.category == "脱贫不稳定户":
            raise ValidationError({"category": "脱贫不稳定户须先退出监测，再清退脱贫户"})
        h.is_alleviated, h.alleviated_year = False, None
    else:
        raise ValueError(what)
    h.save()
    _write_events(h, before_status, actor, source, reason, on)
    audit.record(
        actor=actor,
        action="update",
        obj=h,
        before=before_snap,
        after=snapshot(h),
        household_id=h.pk,
        region_id=h.region_id,
        note="；".join(filter(None, [f"{EXIT_LABELS[what]}：{reason}", note])),
    )
    household.refresh_from_db()
    return household


def _refresh_head(h: Household) -> None:
    """The household's 户主 name and phone are its head's (blank when the 户主 has none, as the
    import writes them: formats.md §1); its size, its members'."""
    head = h.persons.filter(is_member=True, relation="户主").first()
    h.head_name = head.name if head else ""
    h.phone = head.phone if head else ""
    h.member_count = h.persons.filter(is_member=True).count()
    h.save(update_fields=["head_name", "phone", "member_count", "updated_at"])


def _named_to(actor: Any, holders: Collection[Person]) -> set[int]:
    """The holders of a number someone tried to register again whom the refusal may name: those
    the actor may see in full (the server itself sees everyone)."""
    if acts_for_server(actor):
        return {p.pk for p in holders}
    if not holders or not can(actor, Cap.REVEAL):
        return set()
    visible = Person.objects.visible_to(actor)
    return {
        pk
        for chunk in chunks([p.pk for p in holders])
        for pk in visible.filter(pk__in=chunk).values_list("pk", flat=True)
    }


def clash_messages(
    actor: Any, holders: Collection[Person], named: set[int] | None = None
) -> dict[int, str]:
    """Why each holder's number cannot be registered again, by holder pk: who holds it is named
    only to a user who may see that person in full (`named`, if the caller has asked
    `_named_to` already). Anyone else learns only that the number is taken (uniqueness cannot
    hide that much). `holders` come with their household."""
    named = _named_to(actor, holders) if named is None else named
    return {
        p.pk: (
            f"证件号码已登记在{p.household.number}户（{p.name}），不能重复"
            if p.pk in named
            else "该证件号码已登记在其他户，不能重复；如需核实请联系乡镇或县级管理员"
        )
        for p in holders
    }


# Every refusal that names nobody is logged with a note of this shape (`refuse_taken_numbers`).
TAKEN_NOTE = "{where}的证件号码已登记在其他户（未向{who}显示是谁）"
_TAKEN_MARK = "已登记在其他户（未向"


class TakenNumberLimit(ValidationError):
    """A user past the day's refusals of numbers registered where they may not see."""


def taken_numbers_left(actor: Any) -> int | None:
    """How many more numbers registered in a household the actor may not see they may be told
    of within 24 hours (settings.TAKEN_NUMBER_LIMIT): each confirms a guess, so a user who
    types number after number learns at most that many a day. None: no limit (the server)."""
    if acts_for_server(actor):
        return None
    since = timezone.now() - dt.timedelta(days=1)
    told = AuditRecord.objects.filter(
        actor=actor,
        action=AuditRecord.Action.SEARCH,
        object_type="registry.person",
        at__gte=since,
        note__contains=_TAKEN_MARK,
    ).count()
    return max(settings.TAKEN_NUMBER_LIMIT - told, 0)


def taken_number_limit() -> TakenNumberLimit:
    return TakenNumberLimit(
        f"24小时内录入的证件号码中已有{settings.TAKEN_NUMBER_LIMIT}个登记在其他户，"
        "为防止逐个试探他人身份，暂停核对证件号码；请联系县级管理员核实，或24小时后再试"
    )


def guard_number_entry(actor: Any) -> None:
    """Refuse any entry of an ID number by an actor past the day's limit (`taken_numbers_left`):
    a number they may register and one they may not must get the same answer."""
    if taken_numbers_left(actor) == 0:
        raise taken_number_limit()


def refuse_taken_numbers(
    actor: Any,
    holders: Collection[Person],
    *,
    where: str = "录入",
    who: str = "录入人",
) -> dict[int, str]:
    """The refusals of numbers that are taken (`clash_messages`), each try logged: it confirms
    a guess, like a search by full ID number, so one 查阅记录 per holder the refusal does not
    name to the actor (`where` the number was given, `who` gave it). Past the day's limit
    (`taken_numbers_left`) none is answered: a TakenNumberLimit. Call it outside the change's
    transaction, so that the records stay when the change is refused. `holders` come with
    their household."""
    named = _named_to(actor, holders)
    unnamed = [p for p in holders if p.pk not in named]
    left = taken_numbers_left(actor) if unnamed else None
    audit.audit_objects(
        actor,
        AuditRecord.Action.SEARCH,
        [
            AuditRecord(
                object_type="registry.person",
                object_id=str(p.pk),
                object_repr=mask_id(p.id_number),
                household_id=p.household_id,
                region_id=p.household.region_id,
                note=TAKEN_NOTE.format(where=where, who=who),
            )
            for p in unnamed
        ],
    )
    if left is not None and len(unnamed) > left:
        raise taken_number_limit()
    return clash_messages(actor, holders, named)


def _log_taken_number(actor: Any, raw: Any, exclude_pk: int | None = None) -> None:
    """Log a number typed into a form that is taken (`refuse_taken_numbers`); past the day's
    limit, refuse the number whatever it is (`guard_number_entry`)."""
    number = normalize(raw)
    if not number:
        return
    try:
        guard_number_entry(actor)
        clash = (
            Person.objects.filter(id_number=number)
            .exclude(pk=exclude_pk)
            .select_related("household")
            .first()
        )
        if clash is not None:
            refuse_taken_numbers(actor, [clash])
    except TakenNumberLimit as exc:
        raise ValidationError({"id_number": exc.messages}) from exc


def _check_person(p: Person, actor: Any, exclude_pk: int | None = None) -> None:
    result, errors = rules.check_person_identity(p.id_number, p.sex, p.birth_date)
    if not errors:
        p.id_number = result.value
        p.sex = p.sex or result.sex
        p.birth_date = p.birth_date or result.birth_date
        clash = Person.objects.filter(id_number=p.id_number).exclude(pk=exclude_pk).first()
        if clash:
            errors["id_number"] = clash_messages(actor, [clash])[clash.pk]
    if p.relation == "户主" and p.is_member:
        other = p.household.persons.filter(is_member=True, relation="户主").exclude(pk=exclude_pk)
        if other.exists():
            errors["relation"] = f"该户已有户主“{other.first()}”，一户只能有一个户主"
    if errors:
        raise ValidationError(errors)


def add_person(
    *,
    actor: Any,
    household: Household,
    reason: str = Membership.StartReason.ORIGINAL,
    date: dt.date | None = None,
    **fields: Any,
) -> Person:
    """Add a member (出生/婚入/迁入 or an original member) with a membership and an event."""
    _log_taken_number(actor, fields.get("id_number"))
    return _add_person(actor=actor, household=household, reason=reason, date=date, **fields)


@transaction.atomic
def _add_person(
    *, actor: Any, household: Household, reason: str, date: dt.date | None, **fields: Any
) -> Person:
    p = Person(household=household, **fields)
    _check_person(p, actor)
    on = None if reason == Membership.StartReason.ORIGINAL else (date or today())
    if on is not None:
        error = rules.member_date_error("增加日期", on, p.birth_date, full=can(actor, Cap.REVEAL))
        if error:
            raise ValidationError({"date": error})
    p.full_clean()
    p.save()
    Membership.objects.create(person=p, household=household, start_reason=reason, start_date=on)
    if on is not None:
        HouseholdEvent.objects.create(
            household=household,
            kind="member_added",
            date=on,
            person=p,
            reason=reason,
            actor=actor if getattr(actor, "pk", None) else None,
            source="手工录入",
        )
    _refresh_head(household)
    audit.record(
        actor=actor,
        action="create",
        obj=p,
        after=snapshot(p),
        household_id=household.pk,
        region_id=household.region_id,
    )
    return p


def update_person(*, actor: Any, person: Person, **fields: Any) -> Person:
    """Edit a member's facts; identity rules are checked again."""
    if "id_number" in fields and normalize(fields["id_number"]) != person.id_number:
        _log_taken_number(actor, fields["id_number"], exclude_pk=person.pk)
    return _update_person(actor=actor, person=person, **fields)


def _first_member_date(p: Person) -> tuple[str, dt.date, bool] | None:
    """The earliest date on a member's record, as (label, day, joined as 出生), or None: their
    joinings (增加日期) and leavings (减少日期) of any household, from the memberships and from
    the member events that date them in the history."""
    added, removed = "增加日期", "减少日期"
    birth = Membership.StartReason.BIRTH
    dates: list[tuple[str, dt.date, bool]] = []
    for start, reason, end in Membership.objects.filter(person=p).values_list(
        "start_date", "start_reason", "end_date"
    ):
        if start:
            dates.append((added, start, reason == birth))
        if end:
            dates.append((removed, end, False))
    events = HouseholdEvent.objects.filter(
        person=p, kind__in=(EventKind.MEMBER_ADDED, EventKind.MEMBER_REMOVED)
    )
    for kind, day, reason in events.values_list("kind", "date", "reason"):
        joined = kind == EventKind.MEMBER_ADDED
        dates.append((added if joined else removed, day, joined and reason == birth))
    return min(dates, key=lambda d: d[1], default=None)


def _check_new_birth(p: Person, actor: Any) -> None:
    """A birth date (from a corrected 证件号码) after a date on the member's record is refused on
    the number: nobody joins or leaves a household before being born, and statistics would drop
    them from it until then (`MembershipQuerySet.on`)."""
    first = _first_member_date(p)
    if first is None:
        return
    label, day, by_birth = first
    error = rules.member_date_error(
        label,
        day,
        p.birth_date,
        full=can(actor, Cap.REVEAL),
        added_by_birth=by_birth,
        new_birth=True,
    )
    if error:
        raise ValidationError({"id_number": error})


@transaction.atomic
def _update_person(*, actor: Any, person: Person, **fields: Any) -> Person:
    p = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(p)
    born = p.birth_date
    for name, value in fields.items():
        setattr(p, name, value)
    if "id_number" in fields:
        # Derived facts follow the number unless the form gave them.
        p.sex = fields.get("sex") or ""
        p.birth_date = fields.get("birth_date")
    _check_person(p, actor, exclude_pk=p.pk)
    if p.birth_date != born:
        _check_new_birth(p, actor)
    p.full_clean()
    p.save()
    _refresh_head(p.household)
    after = snapshot(p)
    if after != before:
        audit.record(
            actor=actor,
            action="update",
            obj=p,
            before=before,
            after=after,
            household_id=p.household_id,
            region_id=p.household.region_id,
        )
    return p


@transaction.atomic
def remove_member(
    *, actor: Any, person: Person, reason: str, date: dt.date | None = None
) -> Person:
    """Remove a member with a reason (死亡/婚出/迁出…). The person stays in the records."""
    if reason not in Membership.EndReason.values:
        raise ValidationError({"reason": "请选择减少原因"})
    date = date or today()
    if date > today():
        raise ValidationError({"date": "减少日期不能晚于今天"})
    p = Person.objects.select_for_update().get(pk=person.pk)
    if not p.is_member:
        raise ValidationError({"reason": f"{p.name}已不在户中"})
    joined = Membership.objects.filter(
        person=p, household=p.household, end_date__isnull=True
    ).first()
    error = rules.member_date_error(
        "减少日期",
        date,
        p.birth_date,
        full=can(actor, Cap.REVEAL),
        added=joined.start_date if joined else None,
        added_by_birth=joined is not None and joined.start_reason == Membership.StartReason.BIRTH,
    )
    if error:
        raise ValidationError({"date": error})
    before = snapshot(p)
    p.is_member = False
    p.save(update_fields=["is_member", "updated_at"])
    Membership.objects.filter(person=p, household=p.household, end_date__isnull=True).update(
        end_date=date, end_reason=reason
    )
    HouseholdEvent.objects.create(
        household=p.household,
        kind="member_removed",
        date=date,
        person=p,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        source="手工录入",
    )
    _refresh_head(p.household)
    audit.record(
        actor=actor,
        action="update",
        obj=p,
        before=before,
        after=snapshot(p),
        household_id=p.household_id,
        region_id=p.household.region_id,
        note=f"成员减少：{reason}",
    )
    return p


@transaction.atomic
def save_income(*, actor: Any, household: Household, year: int, **amounts: Any) -> IncomeRecord:
    """Create or replace a year's income; 纯收入 and 人均 are computed, never typed."""
    record = IncomeRecord.objects.filter(household=household, year=year).first()
    before = snapshot(record) if record else None
    if record is None:
        record = IncomeRecord(household=household, year=year)
    for name, value in amounts.items():
        setattr(record, name, value)
    if not record.members_counted:
        record.members_counted = household.member_count or 1
    record.compute()
    record.full_clean()
    record.save()
    household.per_capita_income = record.per_capita
    household.save(update_fields=["per_capita_income", "updated_at"])
    audit.record(
        actor=actor,
        action="update" if before else "create",
        obj=record,
        before=before,
        after=snapshot(record),
        household_id=household.pk,
        region_id=household.region_id,
    )
    return record


SENSITIVE_LABELS = {"id_number": "证件号码", "phone": "联系电话"}

ID_SEARCH_REFUSED = "按证件号码查询仅限可查看完整证件号码的用户；已只按户编号查找"


def search_households(
    qs: HouseholdQuerySet, q: str, *, actor: Any
) -> tuple[HouseholdQuerySet, str]:
    """The households of `qs` a search box entry finds, and a notice for the user ('' if none).

    A full ID number is looked up only for a user who may see full numbers, and that search is
    logged (who looked for whom) as a read of full data; for anyone else it matches 户编号 only.
    """
    q = q.strip()
    if not looks_like_id_number(q):
        return qs.search(q), ""
    if not can(actor, Cap.REVEAL):
        return qs.search(q), ID_SEARCH_REFUSED
    found = qs.search(q, id_numbers=True)
    person = (
        Person.objects.visible_to(actor)
        .filter(id_number=q.upper())
        .select_related("household")
        .first()
    )
    audit.record(
        actor=actor,
        action="search",
        object_type="registry.person",
        object_id=str(person.pk) if person else "",
        object_repr=f"{person.name}（{mask_id(q.upper())}）" if person else mask_id(q.upper()),
        household_id=person.household_id if person else None,
        region_id=person.household.region_id if person else getattr(actor, "region_id", None),
        note="按完整证件号码查询" + ("" if person else "（未找到）"),
    )
    return found, ""


def reveal(*, actor: Any, obj: Household | Person, field: str) -> str:
    """Return a full ID number or phone for a user allowed to see it, and log the viewing."""
    require(actor, Cap.REVEAL)
    log_full_view(actor=actor, obj=obj, note=f"查看完整{SENSITIVE_LABELS.get(field, field)}")
    return str(getattr(obj, field))


def texts_in_full(actor: Any, household: Household, texts: list[Any], *, page: str) -> bool:
    """Whether `page` of `household` prints the numbers in its free `texts` (家庭住址, a change's
    reason, a measure's 成效) in full for `actor` (`core.audit.shows_full_numbers`, logged)."""
    return audit.shows_full_numbers(
        actor=actor,
        obj=household,
        texts=texts,
        note=f"{page}显示文字中的完整证件号码或电话",
        region_id=household.region_id,
        household_id=household.pk,
    )


def log_full_view(*, actor: Any, obj: Household | Person, note: str) -> None:
    """Record that `actor` was shown `obj`'s full ID number, phone or birth date."""
    household_id = obj.pk if isinstance(obj, Household) else obj.household_id
    region_id = obj.region_id if isinstance(obj, Household) else obj.household.region_id
    audit.record(
        actor=actor,
        action="view_sensitive",
        obj=obj,
        household_id=household_id,
        region_id=region_id,
        note=note,
    )


def filter_households(
    qs: HouseholdQuerySet, data: dict[str, Any], *, actor: Any
) -> tuple[HouseholdQuerySet, str]:
    """Apply the list's cleaned filters, and say why a search was narrowed ('' if it was not).

    Member filters are subqueries, so rows never repeat; a full ID number is searched only for
    users who may see full numbers (`services.search_households`).
    """
    region = data.get("region")
    # The list's picker gives a RegionNode (registry.forms), the export a Region: ask about the
    # whole tree through a Region either way.
    if region is not None and not whole_tree(Region(pk=region.pk, parent_id=region.parent_id)):
        qs = qs.filter(region__in=Region.objects.filter(path__startswith=region.path).values("pk"))
    if data.get("household_type"):
        qs = qs.filter(is_alleviated=data["household_type"] == "脱贫户")
    category = data.get("category")
    if category == "monitored":
        qs = qs.monitored()
    elif category == "none":
        qs = qs.filter(category="")
    elif category:
        qs = qs.filter(category=category)
    if data.get("risk"):
        qs = qs.with_risk(data["risk"])
    if data.get("eliminated"):
        qs = qs.monitored().filter(risk_eliminated=data["eliminated"] == "是")
    members = Person.objects.filter(is_member=True)
    if data.get("health"):
        qs = qs.filter(pk__in=members.filter(health__contains=data["health"]).values("household"))
    if data.get("labour"):
        qs = qs.filter(pk__in=members.filter(labour_skill=data["labour"]).values("household"))
    if data.get("q"):
        return search_households(qs, data["q"], actor=actor)
    return qs, ""
