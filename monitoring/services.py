"""Monitoring services. `create_lead` is the one entry point every channel uses."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import audit, codes, hooks
from core.audit import snapshot
from core.dates import today
from core.layout import valid_phone
from core.locks import hold
from core.masking import mask_id, mask_numbers
from core.permissions import Cap, acts_for_server, can, require
from core.uploads import UploadRejected, check_image, check_pdf
from monitoring.assessment import (
    Assessment,
    EliminationFacts,
    assess_elimination,
    assess_identification,
    firm_message,
    income_of,
    income_window,
    threshold_for,
)
from monitoring.calendar import Calendar, alert_for, due_date
from monitoring.models import (
    IDENTIFY_ONLY_MATERIALS,
    INCOME_FIELDS,
    MATERIALS,
    REQUIRED,
    Attachment,
    Case,
    CaseLog,
    CaseStep,
    DeadlinePolicy,
    Declaration,
    DeclarationChannel,
    EliminationPolicy,
    Holiday,
    Lead,
    NoticeContact,
    PolicyLabel,
    PolicyThreshold,
    StepCode,
)
from regions.models import Region
from registry import services as registry_services
from registry.models import Household, IncomeRecord, Person


@transaction.atomic
def create_lead(
    *,
    actor: Any,
    source: str,
    reported_date: dt.date,
    region: Region | None = None,
    household: Household | None = None,
    risks: Iterable[str] = (),
    description: str = "",
    person_name: str = "",
    id_number: str = "",
    phone: str = "",
    reporter_name: str = "",
    origin: str = "",
    from_rules: bool = False,
) -> Lead:
    """Register a lead. A lead for a household that already has an open lead is merged into it
    (its risks and description carry into that lead's open case).

    A person chooses risks in effect; a rule (`from_rules`: a department warning, a finished
    集中排查) names risks the code table has had (`codes.known`), as stored data may."""
    if source not in codes.LEAD_SOURCES:
        raise ValidationError({"source": f"线索来源“{source}”不在代码表中"})
    region = household.region if household is not None else region
    if region is None:
        raise ValidationError({"region": "请选择所在村"})
    if not acts_for_server(actor):  # every path, not only the form's choices of village
        require(actor, Cap.REPORT_LEAD, region, message=f"无权在{region.name}登记线索")
    if reported_date > today():
        raise ValidationError({"reported_date": "发现日期不能晚于今天"})
    risk_values = [r for r in risks if r]
    allowed = codes.known("risk") if from_rules else codes.values("risk")
    unknown = [r for r in risk_values if r not in allowed]
    if unknown:
        raise ValidationError({"risks": f"风险类型“{'、'.join(unknown)}”不在代码表中"})
    if not risk_values and not description.strip():
        raise ValidationError({"risks": "请至少选择一项反映风险，或填写困难情况"})
    try:
        phone = valid_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    lead = Lead(
        region=region,
        household=household,
        source=source,
        risks=codes.join_multi(risk_values),
        description=description,
        person_name=person_name,
        id_number=id_number,
        phone=phone,
        reporter=actor if getattr(actor, "pk", None) else None,
        reporter_name=reporter_name,
        reported_date=reported_date,
        origin=origin,
    )
    existing = None
    if household is not None:
        existing = Lead.objects.open().filter(household=household).order_by("id").first()
    elif id_number:
        # A person not yet in the register who reports twice (or is reported twice) is one lead.
        existing = (
            Lead.objects.open()
            .filter(household__isnull=True, id_number=id_number, region=region)
            .order_by("id")
        ).first()
    if existing is not None:
        lead.status = Lead.Status.MERGED
        lead.merged_into = existing
    lead.full_clean()
    lead.save()
    if (
        existing is not None
        and household is None
        and getattr(actor, "pk", None)
        and not can(actor, Cap.REVEAL)
    ):
        # The merge tells the reporter the number they typed is an open lead's (its page masks
        # it): a confirmed guess, logged like a number found taken in the register.
        audit.record(
            actor=actor,
            action="search",
            object_type="monitoring.lead",
            object_id=str(existing.pk),
            object_repr=mask_id(id_number),
            region_id=region.pk,
            note="登记线索时录入的证件号码与未办结线索相同，已合并",
        )
    if existing is not None:
        _carry_into_case(actor, lead, existing)
    audit.record(
        actor=actor,
        action="create",
        obj=lead,
        after=snapshot(lead),
        household_id=household.pk if household else None,
        region_id=region.pk,
    )
    return lead


# --- Who may do what -------------------------------------------------------------------------

# The capability (core.permissions) each step needs.
STEP_CAPS: dict[str, Cap] = {
    StepCode.VISIT: Cap.STEP_VISIT,
    StepCode.COMPARE: Cap.STEP_VILLAGE,
    StepCode.REVIEW: Cap.STEP_VILLAGE,
    StepCode.NOTICE: Cap.STEP_VILLAGE,
    StepCode.TOWN: Cap.STEP_TOWN,
    StepCode.COUNTY: Cap.STEP_COUNTY,
}
STEPS: dict[str, list[str]] = {
    Case.Kind.IDENTIFY: ["visit", "compare", "review", "notice", "town", "county"],
    Case.Kind.ELIMINATE: ["visit", "review", "notice", "town", "county"],
    # 回退 is a re-assessment under the elimination procedure (policy.md §4.4), 公示 included.
    Case.Kind.ROLLBACK: ["visit", "review", "notice", "town", "county"],
    # 剔除 / 识别不精准退出: the village or town proposes (opens the case), the town reviews,
    # the county decides.
    Case.Kind.EXIT: ["town", "county"],
}


def can_act(user: Any, case: Case, step: str | None = None) -> bool:
    """Role AND region: may `user` complete `step` (default: the open step) of `case`?"""
    step = step or case.current_step
    return (
        case.status == Case.Status.OPEN
        and step in STEP_CAPS
        and can(user, STEP_CAPS[step], case.region)
    )


def my_steps(user: Any) -> list[str]:
    """The steps the user's role may complete (in their region)."""
    return [step for step, cap in STEP_CAPS.items() if can(user, cap)]


# --- Leads -------------------------------------------------------------------------------------


@transaction.atomic
def dismiss_lead(*, actor: Any, lead: Lead, reason: str) -> Lead:
    """不予纳入 with a reason; the lead stays on record."""
    require(actor, Cap.TRIAGE, lead.region)
    if lead.status != Lead.Status.NEW:
        raise ValidationError({"reason": f"线索状态为“{lead.get_status_display()}”，不能再研判"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写不予纳入的原因"})
    before = snapshot(lead)
    lead.status, lead.dismiss_reason = Lead.Status.DISMISSED, reason.strip()[:300]
    lead.save(update_fields=["status", "dismiss_reason"])
    _audit(actor, lead, before, note=f"不予纳入：{lead.dismiss_reason}")
    return lead


@transaction.atomic
def merge_lead(*, actor: Any, lead: Lead, into: Lead) -> Lead:
    """Merge a duplicate lead into another open lead of the same household or person."""
    require(actor, Cap.TRIAGE, lead.region)
    same = (lead.household_id and lead.household_id == into.household_id) or (
        lead.id_number and lead.id_number == into.id_number
    )
    if (
        into.pk == lead.pk
        or not same
        or into.status not in (Lead.Status.NEW, Lead.Status.CASE_OPENED)
    ):
        raise ValidationError({"into": "只能合并到同一户（或同一证件号码）的未办结线索"})
    if lead.status != Lead.Status.NEW:
        raise ValidationError({"into": "只有待研判的线索可以合并"})
    before = snapshot(lead)
    lead.status, lead.merged_into = Lead.Status.MERGED, into
    lead.save(update_fields=["status", "merged_into"])
    _audit(actor, lead, before, note=f"合并到线索{into.pk}")
    _carry_into_case(actor, lead, into)
    return lead


def _merged_facts(facts: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """The risks (each once, at most 5) and descriptions of (risks, description) pairs of leads
    that are one clue."""
    risks: list[str] = []
    texts: list[str] = []
    for risk_text, description in facts:
        risks += [r for r in codes.split_multi(risk_text) if r not in risks]
        for line in description.strip().splitlines():
            if line.strip() and line.strip() not in texts:
                texts.append(line.strip())
    return codes.join_multi(risks[:5]), "\n".join(texts)


def _carry_into_case(actor: Any, lead: Lead, into: Lead) -> None:
    """A lead merged into one whose case is open adds its risks and description to that case."""
    case = into.cases.filter(status=Case.Status.OPEN).first()
    if case is None:
        return
    before = snapshot(case)
    case.risks, case.description = _merged_facts(
        [(case.risks, case.description), (lead.risks, lead.description)]
    )
    note = f"线索{lead.pk}：{lead.risks}"
    earlier = lead.reported_date < case.start_date
    if earlier:
        # The risk was found before the case's clock started: it starts on that day instead.
        note += f"；起算日期由{case.start_date:%Y-%m-%d}提前到{lead.reported_date:%Y-%m-%d}"
        case.start_date = lead.reported_date
    case.save(update_fields=["risks", "description", "start_date"])
    if earlier:
        _recompute_due_dates(case)
        case.refresh_from_db()
    _log(case, actor, "合并线索", case.current_step, note=note)
    _audit(actor, case, before, note=f"合并线索{lead.pk}")


def _audit(actor: Any, obj: Lead | Case, before: dict | None, note: str = "") -> None:
    audit.record(
        actor=actor,
        action="update",
        obj=obj,
        before=before,
        after=snapshot(obj),
        household_id=obj.household_id,
        region_id=obj.region_id,
        note=note,
    )


# Evidence is a photo or a PDF (policy: signed forms, minutes, notice photos): formats a phone
# camera or a scanner gives, which browsers show without plug-ins.
ALLOWED_FILES = {".pdf": "PDF", ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def max_attachment_bytes() -> int:
    return settings.FANGPIN_ATTACHMENT_MAX_MB * 1024 * 1024


def check_upload(upload: UploadedFile) -> str:
    """Type and size of an evidence file, from its content; returns the file's extension.

    The one place these checks live: an image's pixel count is read from its header before any
    pixel is decoded, and it is then verified whole; a PDF must start and end as one.
    """
    name = Path(upload.name or "").name
    ext = Path(name).suffix.lower()
    if ext not in ALLOWED_FILES:
        raise ValidationError(
            {"file": f"文件“{name}”类型不允许，只能上传照片（JPG、PNG）或PDF文件"}
        )
    limit = max_attachment_bytes()
    if (upload.size or 0) > limit:
        raise ValidationError(
            {"file": f"文件“{name}”超过 {limit // 1024 // 1024} MB，请压缩后再上传"}
        )
    try:  # core.uploads: one check for all uploads
        if ALLOWED_FILES[ext] == "PDF":
            check_pdf(upload, name)  # its first and last bytes
            return ext
        kind, _, _ = check_image(upload, name, ("JPEG", "PNG"))  # the header, then the whole
    except UploadRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if kind != ALLOWED_FILES[ext]:
        raise ValidationError({"file": f"文件“{name}”的内容与扩展名{ext}不符或已损坏"})
    return ext


@transaction.atomic
def add_attachment(
    *,
    actor: Any,
    upload: UploadedFile,
    lead: Lead | None = None,
    case: Case | None = None,
    step: str = "",
    kind: str = "",
) -> Attachment:
    """Store an evidence file under MEDIA_ROOT/leads/ after checking its type and size."""
    owner = lead or case
    assert owner is not None
    require(actor, Cap.REPORT_LEAD, owner.region, "无权为该记录上传材料")
    kind = kind or "evidence"
    if kind not in MATERIALS:
        raise ValidationError({"kind": f"材料类型“{kind}”无效"})
    if case is not None and case.status != Case.Status.OPEN:
        raise ValidationError({"file": "案件已办结，不能再上传材料"})
    name = Path(upload.name or "").name
    ext = check_upload(upload)
    upload.name = f"{uuid.uuid4().hex}{ext}"  # never trust the client's file name on disk
    row = Attachment.objects.create(
        region=owner.region,
        lead=lead,
        case=case,
        step=step,
        kind=kind,
        file=upload,
        name=name[:200],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=row,
        after={"name": row.name, "file": row.file.name, "size": row.size, "kind": kind},
        household_id=owner.household_id,
        region_id=owner.region_id,
    )
    return row


@dataclass
class Material:
    """One kind of evidence a step asks for, and the files uploaded for it."""

    kind: str
    label: str
    required: bool
    files: list[Attachment]

    @property
    def missing(self) -> bool:
        return self.required and not self.files


@dataclass
class StepMaterials:
    """The evidence of one step of a case (for the case page and the printed case file)."""

    step: str
    label: str
    materials: list[Material]
    other: list[Attachment]


def step_materials(case: Case, step: str, policy: DeadlinePolicy | None = None) -> dict[str, str]:
    """{material: required|optional} that `step` of this case asks for."""
    wanted = (policy or DeadlinePolicy.current()).materials_for(step)
    if case.kind != Case.Kind.IDENTIFY:
        wanted = {k: v for k, v in wanted.items() if k not in IDENTIFY_ONLY_MATERIALS}
    return {k: v for k, v in wanted.items() if k in MATERIALS}


def case_materials(case: Case) -> list[StepMaterials]:
    """Every step of the case with the materials it asks for (required or optional) and the
    files uploaded — what the case page lists and the printed case file shows."""
    policy = DeadlinePolicy.current()
    files = list(case.attachments.all())
    out = []
    for step in STEPS[case.kind]:
        wanted = step_materials(case, step, policy)
        mine = [a for a in files if a.step == step]
        out.append(
            StepMaterials(
                step=step,
                label=str(StepCode(step).label),
                materials=[
                    Material(k, MATERIALS[k], v == REQUIRED, [a for a in mine if a.kind == k])
                    for k, v in wanted.items()
                ],
                other=[a for a in mine if a.kind not in wanted],
            )
        )
    loose = [a for a in files if a.step not in STEPS[case.kind]]
    if loose:
        out.append(StepMaterials(step="", label="其他材料", materials=[], other=loose))
    return out


def missing_materials(case: Case, step: str) -> list[str]:
    """The labels of the materials `step` requires that are not uploaded yet."""
    wanted = step_materials(case, step)
    have = set(case.attachments.filter(step=step).values_list("kind", flat=True))
    return [MATERIALS[k] for k, v in wanted.items() if v == REQUIRED and k not in have]


# --- Cases -------------------------------------------------------------------------------------


def deadlines_of(case: Case) -> DeadlinePolicy:
    """The time limits a case runs under: those of the year it started in."""
    return DeadlinePolicy.for_year(case.start_date.year)


def _make_steps(case: Case, on: dt.date) -> None:
    """The case's steps with their due dates from its start; the first step's colour is that of
    `on`, the day it is opened (a procedure recorded as begun weeks ago is overdue at once, not
    at the next daily run)."""
    policy, cal = deadlines_of(case), Calendar()
    steps = []
    for order, code in enumerate(STEPS[case.kind]):
        due = due_date(case.start_date, code, policy, cal)
        steps.append(
            CaseStep(
                case=case,
                code=code,
                order=order,
                due_date=due,
                status=CaseStep.Status.OPEN if order == 0 else CaseStep.Status.PENDING,
                alert=alert_for(due, on, policy, cal) if order == 0 else "",
            )
        )
    CaseStep.objects.bulk_create(steps)
    case.current_step, case.due_date, case.alert = steps[0].code, steps[0].due_date, steps[0].alert
    case.save(update_fields=["current_step", "due_date", "alert"])


def _log(case: Case, actor: Any, action: str, step: str = "", **extra: Any) -> CaseLog:
    return CaseLog.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        step=step,
        action=action,
        **extra,
    )


def open_case(*, actor: Any, lead: Lead, on: dt.date | None = None) -> Case:
    """Start the identification procedure for a lead; the clock runs from the lead date.

    A lead naming a person by an ID number already on the register is that person's
    household's (linked first); a number held in a household the actor may not see is refused
    here, not at the county's decision weeks later."""
    require(actor, Cap.TRIAGE, lead.region)
    if lead.household_id is None and lead.id_number and lead.status == Lead.Status.NEW:
        try:
            _link_registered_person(actor, lead)
        except registry_services.TakenNumberLimit as exc:  # said of the lead, like its refusal
            raise ValidationError({"lead": exc.messages}) from exc
    return _open_case(actor=actor, lead=lead, on=on)


def _link_registered_person(actor: Any, lead: Lead) -> None:
    """Link the lead to the household of the member holding its ID number; refuse (logged, as
    registry.services.refuse_taken_numbers asks: outside the change's transaction) when that
    household is not the actor's to see or the holder is no longer a member. Past the day's
    limit of such refusals, any number is refused alike (registry.services.guard_number_entry:
    a TakenNumberLimit)."""
    registry_services.guard_number_entry(actor)
    holder = Person.objects.filter(id_number=lead.id_number).select_related("household").first()
    if holder is None:
        return
    household = holder.household
    if holder.is_member and Household.objects.visible_to(actor).filter(pk=household.pk).exists():
        with transaction.atomic():
            before = snapshot(lead)
            lead.household, lead.region = household, household.region
            lead.save(update_fields=["household", "region"])
            _audit(actor, lead, before, note=f"证件号码已在户籍台账，线索归入{household}")
        return
    message = registry_services.refuse_taken_numbers(
        actor, [holder], where="启动识别时线索", who="办理人"
    )[holder.pk]
    raise ValidationError({"lead": f"{message}；不能按新户启动识别，请核实后按户登记线索"})


@transaction.atomic
def _open_case(*, actor: Any, lead: Lead, on: dt.date | None = None) -> Case:
    on = on or today()
    if lead.status != Lead.Status.NEW:
        raise ValidationError({"lead": f"线索状态为“{lead.get_status_display()}”，不能启动识别"})
    h = lead.household
    if h is not None and h.category and not h.risk_eliminated:
        raise ValidationError({"lead": f"{h}已是监测对象且风险未消除，无需重复识别"})
    if h is not None:
        _refuse_second_procedure(h, "lead")
    leads = [lead, *lead.merged_leads.order_by("id")]
    risks, description = _merged_facts((x.risks, x.description) for x in leads)
    case = Case.objects.create(
        kind=Case.Kind.IDENTIFY,
        region=h.region if h else lead.region,
        household=h,
        lead=lead,
        subject_name=(h.head_name if h else lead.person_name),
        # The clock runs from the day the risk was first found, by any of the merged leads.
        start_date=min(x.reported_date for x in leads),
        risks=risks,
        description=description,
        is_alleviated=bool(h and h.is_alleviated),
        members_counted=(h.member_count or None) if h else None,
        green_channel=bool(set(GREEN_RISKS) & set(codes.split_multi(risks))),
        created_by=actor,
    )
    _make_steps(case, on)
    before = snapshot(lead)
    lead.status = Lead.Status.CASE_OPENED
    lead.save(update_fields=["status"])
    _audit(actor, lead, before, note="启动识别程序")
    _log(case, actor, "启动识别程序", note=f"线索{lead.pk}（{lead.source}）")
    audit.record(
        actor=actor,
        action="create",
        obj=case,
        after=snapshot(case),
        household_id=case.household_id,
        region_id=case.region_id,
    )
    return case


@transaction.atomic
def open_household_case(
    *,
    actor: Any,
    household: Household,
    kind: str,
    on: dt.date | None = None,
    exit_reason: str = "",
    description: str = "",
) -> Case:
    """Start 风险消除, 风险消除回退 (rules 23, 25) or 退出监测 (剔除 / 识别不精准退出, with the
    reason and the facts; the county decides) for a monitored household."""
    on = on or today()
    require(actor, Cap.TRIAGE, household.region, "无权发起该程序")
    if on > today():
        raise ValidationError({"kind": "起算日期不能晚于今天"})
    _refuse_second_procedure(household, "kind")
    since = _status_since(household)
    if since is not None and on < since[0]:
        raise ValidationError(
            {"kind": f"起算日期{on:%Y-%m-%d}早于该户的{since[1]}{since[0]:%Y-%m-%d}"}
        )
    if kind == Case.Kind.ELIMINATE:
        if not household.category or household.risk_eliminated:
            raise ValidationError({"kind": f"{household}不是风险未消除的监测对象"})
        if household.no_labour:
            raise ValidationError(
                {"kind": "整户无劳动能力户落实兜底保障后暂不标注风险消除（政策规则22）"}
            )
    elif kind == Case.Kind.ROLLBACK:
        if not household.risk_eliminated:
            raise ValidationError({"kind": f"{household}尚未标注风险消除，无需回退"})
    elif kind == Case.Kind.EXIT:
        if not household.category:
            raise ValidationError({"kind": f"{household}不是监测对象"})
        if exit_reason not in codes.MONITORING_EXIT_REASONS:
            raise ValidationError(
                {"exit_reason": f"请选择退出原因（{'、'.join(codes.MONITORING_EXIT_REASONS)}）"}
            )
        if not description.strip():
            raise ValidationError({"description": "请写明剔除或退出的事实和依据"})
    else:
        raise ValidationError({"kind": "识别程序须从线索启动"})
    case = Case.objects.create(
        kind=kind,
        region=household.region,
        household=household,
        subject_name=household.head_name,
        start_date=on,
        risks=household.risk_display,
        description=description.strip(),
        exit_reason=exit_reason if kind == Case.Kind.EXIT else "",
        category=household.category,
        is_alleviated=household.is_alleviated,
        members_counted=household.member_count or None,
        created_by=actor,
    )
    _make_steps(case, today())  # `on` is the recorded start
    _log(case, actor, f"启动{case.get_kind_display()}程序", note=case.exit_reason)
    audit.record(
        actor=actor,
        action="create",
        obj=case,
        after=snapshot(case),
        household_id=household.pk,
        region_id=household.region_id,
    )
    return case


def _status_since(household: Household | None) -> tuple[dt.date, str] | None:
    """The latest date the household's status was decided on (识别, 风险消除, a procedure's
    审定): no later procedure may be dated before it, or the household's history would run
    backwards (an exit decided before the identification it ends)."""
    if household is None:
        return None
    dates = [
        (household.identified_date, "识别监测时间"),
        (household.eliminated_date, "风险消除时间"),
    ]
    last = (
        Case.objects.filter(household=household)
        .exclude(status=Case.Status.OPEN)
        .exclude(decision_date=None)
        .order_by("-decision_date", "-id")
        .first()
    )
    if last is not None:
        dates.append((last.decision_date, f"上一程序（{last.get_kind_display()}）的审定日期"))
    known = [(day, what) for day, what in dates if day is not None]
    return max(known, key=lambda x: x[0]) if known else None


def _refuse_second_procedure(household: Household, field: str) -> None:
    """One procedure at a time per household: two open cases would both decide its status."""
    running = Case.objects.open().filter(household=household).order_by("id").first()
    if running is not None:
        raise ValidationError(
            {
                field: f"{household}已有办理中的程序（{running.get_kind_display()}，"
                f"当前环节：{running.get_current_step_display()}），请办结后再发起"
            }
        )


def assess(case: Case, *, category: str = "", on: dt.date | None = None) -> Assessment:
    """The decision support shown at 入户核查 and 乡镇审核 (and the elimination criteria)."""
    on = on or today()
    if case.kind == Case.Kind.IDENTIFY:
        members = (
            list(Person.objects.filter(household=case.household, is_member=True))
            if case.household_id
            else None
        )
        return assess_identification(
            case, category=category or case.category, members=members, on=on
        )
    if case.kind != Case.Kind.ELIMINATE:  # 回退, 退出: the figures only, no criteria
        return Assessment(income_of(case), threshold_for(case.region, on))
    return assess_elimination(
        case,
        facts=elimination_facts(case, on),
        policy=EliminationPolicy.for_year(on.year),
        on=on,
    )


CARRIED_OUT = ("ongoing", "done")  # assistance Measure statuses of a measure carried out


def elimination_facts(case: Case, on: dt.date) -> EliminationFacts:
    """The household's identification, measures carried out by `on` and yearly incomes."""
    h = case.household
    assert h is not None
    measures = (
        hooks.call("assistance.live_measures")
        .filter(household=h, status__in=CARRIED_OUT)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=on))
        .order_by("start_date", "id")
    )
    identification = (
        Case.objects.filter(household=h, kind=Case.Kind.IDENTIFY, status=Case.Status.APPROVED)
        .order_by("-decision_date", "-id")
        .first()
    )
    return EliminationFacts(
        identified=h.identified_date,
        green_channel=bool(identification and identification.green_channel),
        measures=list(measures.values_list("category", "start_date")),
        incomes=dict(IncomeRecord.objects.filter(household=h).values_list("year", "per_capita")),
        no_labour=h.no_labour,
    )


CASE_FACTS = (
    "consent",
    "is_alleviated",
    "wage",
    "business",
    "property_income",
    "transfer",
    "business_cost",
    "claims",
    "compliant_spending",
    "members_counted",
    "sudden_hardship",
    "housing_unsafe",
    "dropout",
    "water_unsafe",
    "uninsured",
    "rigid_spending_resolved",
    "elimination_method",
    "notice_start",
    "notice_end",
    "category",
    "monitor_contact",
    "monitor_phone",
)
PASS, FAIL = "通过", "不通过"


@transaction.atomic
def complete_step(
    *,
    actor: Any,
    case: Case,
    decision: str,
    note: str = "",
    facts: dict[str, Any] | None = None,
    risks: list[str] | None = None,
    acknowledged: Iterable[str] = (),
    on: dt.date | None = None,
) -> Case:
    """Complete the open step on `on` (the day it was done, default today): record facts,
    who/when/decision, then open the next step.

    The date is checked against today, the case's start and the previous step; 公示 must last
    the configured days and end before the next step. The step's required materials must be
    uploaded. `不通过` ends the case (不予认定). At 入户核查 and 乡镇审核 every warning of the
    decision support must be in `acknowledged`; an elimination must meet the year's criteria
    (or carry a county override). At 县级审定 a `通过` applies the decision to the household.
    """
    on = on or today()
    case = Case.objects.select_for_update().get(pk=case.pk)
    step_code = case.current_step
    if not can_act(actor, case, step_code):
        raise PermissionDenied("您的角色或所属区划不能办理该环节")
    if decision not in (PASS, FAIL):
        raise ValidationError({"decision": "请选择办理结论（通过/不通过）"})
    if decision == FAIL and not note.strip():
        raise ValidationError({"note": "不通过时请填写意见"})
    step = case.steps.get(code=step_code)
    _check_date(case, step, on)
    before = snapshot(case)
    for name, value in (facts or {}).items():
        if name not in CASE_FACTS:
            raise ValidationError({name: "该项不能在此环节填写"})
        setattr(case, name, value)
    if risks is not None:
        # A risk the case already holds stays though since retired.
        allowed = codes.offered("risk", case.risk_list)
        unknown = [r for r in risks if r not in allowed]
        if unknown or len(risks) > 5:
            raise ValidationError({"risks": "风险类型须取自代码表，最多5项"})
        case.risks = codes.join_multi(risks)
    if step_code == StepCode.VISIT:  # a visit done again (returned) counts from its own date
        case.window_start, case.window_end = income_window(on)
    assessment: Assessment | None = None
    data: dict[str, Any] = {k: audit.plain(v) for k, v in (facts or {}).items()}
    if decision == PASS:
        _check_step(case, step_code, on, note)
        if _assessed(case, step_code):
            assessment = assess(case, on=on)
            if assessment.blocked:
                raise ValidationError({"decision": assessment.blocked})
            if assessment.firm:
                raise ValidationError({"decision": firm_message(assessment.firm)})
            gaps = override_gaps(case, assessment)
            if gaps:
                raise ValidationError(
                    {
                        "decision": (lapsed_message(case, gaps) if case.criteria_override else "")
                        + "不符合风险消除条件："
                        + "；".join(gaps)
                        + "。确需放行的，由县级管理员在本页填写放行理由"
                    }
                )
            missing = [m for _, m in assessment.warnings if m not in set(acknowledged)]
            if missing and step_code != StepCode.COUNTY:
                raise ValidationError({"ack": "请逐条确认以下提示后再提交：" + "；".join(missing)})
        if step_code == StepCode.COMPARE:
            data["findings"] = _findings_summary(case)
        if step_code == StepCode.VISIT and case.household is not None:
            _save_visit_income(case, actor)
    case.save()
    step.status, step.completed_by, step.completed_at = CaseStep.Status.DONE, actor, timezone.now()
    step.decision, step.note, step.alert, step.done_on = decision, note[:500], "", on
    step.save()
    if risks is not None:
        data["risks"] = case.risks
    if assessment is not None:
        data["assessment"] = {
            "threshold": assessment.threshold_label,
            "per_capita": audit.plain(assessment.income.per_capita),
            "after_spending": audit.plain(assessment.income.after_spending),
            "formula": assessment.income.formula,
            "suggested": assessment.suggested,
            "acknowledged": [m for _, m in assessment.warnings],
            "criteria": [[label, ok, detail] for label, ok, detail in assessment.criteria],
            "override": case.criteria_override,
        }
    _log(
        case,
        actor,
        "完成",
        step_code,
        decision=decision,
        note=f"{on:%Y-%m-%d}办理 {note[:480]}".strip(),
        data=data,
    )
    if decision == FAIL:
        _close(case, actor, Case.Status.REJECTED, on, note)
    else:
        following = case.steps.filter(order__gt=step.order).order_by("order").first()
        if following is None:
            _apply_decision(case, actor, on)
            _close(case, actor, Case.Status.APPROVED, on, note)
        else:
            policy, cal = deadlines_of(case), Calendar()
            following.status = CaseStep.Status.OPEN
            following.alert = alert_for(following.due_date, today(), policy, cal)
            following.save(update_fields=["status", "alert"])
            case.current_step, case.due_date = following.code, following.due_date
            case.alert = following.alert
            case.save(update_fields=["current_step", "due_date", "alert"])
    audit.record(
        actor=actor,
        action="update",
        obj=case,
        before=before,
        after=snapshot(case),
        household_id=case.household_id,
        region_id=case.region_id,
        note=f"{StepCode(step_code).label}：{decision}（{on:%Y-%m-%d}）",
    )
    return case


def _assessed(case: Case, step: str) -> bool:
    """Whether passing `step` asks the decision support: 入户核查 and 乡镇审核 of an
    identification or elimination, and 县级审定 of an elimination (its criteria)."""
    if case.kind == Case.Kind.ELIMINATE:
        return step in (StepCode.VISIT, StepCode.TOWN, StepCode.COUNTY)
    return case.kind == Case.Kind.IDENTIFY and step in (StepCode.VISIT, StepCode.TOWN)


def _previous_date(case: Case, step: CaseStep) -> tuple[dt.date, str]:
    """The date a step may not precede: the last done step's date, else the case's start."""
    prev = (
        case.steps.filter(order__lt=step.order, status=CaseStep.Status.DONE)
        .exclude(done_on=None)
        .order_by("-order")
        .first()
    )
    if prev is not None and prev.done_on is not None:
        return prev.done_on, f"上一环节（{prev.get_code_display()}）的办理日期"
    since = _status_since(case.household)
    if since is not None and since[0] > case.start_date:
        # A lead found before the household's last decision starts its clock then, but no
        # step of the new procedure comes before that decision.
        return since[0], f"该户的{since[1]}"
    return case.start_date, "起算日期（发现线索或发起程序之日）"


def _check_date(case: Case, step: CaseStep, on: dt.date) -> None:
    """No future date; not before the case's start or the previous step (policy rule 11)."""
    if on > today():
        raise ValidationError({"done_on": "办理日期不能晚于今天"})
    earliest, what = _previous_date(case, step)
    if on < earliest:
        raise ValidationError({"done_on": f"办理日期{on:%Y-%m-%d}早于{what}{earliest:%Y-%m-%d}"})


def _check_step(case: Case, step: str, on: dt.date, note: str) -> None:
    """What a step needs before it can pass."""
    errors: dict[str, str] = {}
    missing = missing_materials(case, step)
    if missing:
        errors["materials"] = f"请先上传本环节必需的材料：{'、'.join(missing)}"
    if step == StepCode.VISIT:
        if case.kind == Case.Kind.IDENTIFY:
            if step_materials(case, step).get("consent") == REQUIRED:
                case.consent = "file"  # checked with the materials above
            elif not case.consent:
                errors["consent"] = "请上传签字的承诺授权书或记录当面确认"
            elif case.consent == "file" and not case.attachments.filter(kind="consent").exists():
                errors["consent"] = "选择了“已上传签字承诺授权书”，但尚未上传该文件"
        if income_of(case).per_capita is None:
            errors["wage"] = "请填写前12个月的各项收入和计算人口数"
        if case.kind == Case.Kind.ELIMINATE and not case.elimination_method:
            errors["elimination_method"] = "请选择风险消除方式"
    if step == StepCode.COMPARE and not note.strip():
        errors["note"] = "请填写信息比对结果（比对了哪些部门数据、发现的情况）"
    if step == StepCode.NOTICE:
        errors.update(_notice_errors(case, on))
    if step == StepCode.COUNTY and case.kind == Case.Kind.IDENTIFY:
        if case.category not in codes.CATEGORIES:
            errors["category"] = "请选择认定的监测对象类别"
        if not case.risk_list:
            errors["risks"] = "请至少选择一项风险类型"
    if step == StepCode.COUNTY and case.kind == Case.Kind.ELIMINATE:
        if not case.monitor_contact.strip():
            errors["monitor_contact"] = "请填写风险消除后的监测联系人"
        try:
            case.monitor_phone = valid_phone(case.monitor_phone)
        except ValidationError as exc:
            errors["monitor_phone"] = exc.messages[0]
        if not case.monitor_phone:
            errors.setdefault("monitor_phone", "请填写监测联系人的联系电话")
    if errors:
        raise ValidationError(errors)


def _notice_errors(case: Case, on: dt.date) -> dict[str, str]:
    """公示: once, in the village, at least the configured days, not before the 评议, and over
    before the next step (policy.md §4.2)."""
    start, end = case.notice_start, case.notice_end
    if not start or not end:
        return {"notice_start": "请填写公示开始和结束日期"}
    step = case.steps.get(code=StepCode.NOTICE)
    earliest, what = _previous_date(case, step)
    days = deadlines_of(case).notice_days
    if start < earliest:
        return {"notice_start": f"公示开始日期{start:%Y-%m-%d}早于{what}{earliest:%Y-%m-%d}"}
    if end < start:
        return {"notice_end": "公示结束日期早于开始日期"}
    if (end - start).days + 1 < days:
        return {
            "notice_end": f"公示期应不少于{days}天（含首尾），{start:%Y-%m-%d}至{end:%Y-%m-%d}"
            f"只有{(end - start).days + 1}天"
        }
    if on <= end:
        return {
            "done_on": f"公示期至{end:%Y-%m-%d}，期满后（{end + dt.timedelta(days=1):%Y-%m-%d}"
            "起）才能办结公示环节"
        }
    return {}


def _save_visit_income(case: Case, actor: Any) -> None:
    """The incomes entered at 入户核查 become the household's income record of the year their
    12-month window ends in."""
    assert case.household is not None and case.window_end is not None
    if income_of(case).per_capita is None:
        return
    registry_services.save_income(
        actor=actor,
        household=case.household,
        year=case.window_end.year,
        **{name: getattr(case, name) or 0 for name in INCOME_FIELDS},
        members_counted=case.members_counted,
        note=f"{case.get_kind_display()}入户核查（{case.window_start:%Y-%m}至{case.window_end:%Y-%m}）",
    )


def _close(case: Case, actor: Any, status: str, on: dt.date, note: str) -> None:
    case.status, case.decision_date, case.decision_note = status, on, note[:300]
    case.current_step, case.due_date, case.alert = "", None, ""
    case.save()
    case.steps.filter(status__in=[CaseStep.Status.OPEN, CaseStep.Status.PENDING]).update(alert="")
    if case.lead_id:
        lead = case.lead
        assert lead is not None
        lead.status = Lead.Status.CLOSED
        lead.save(update_fields=["status"])
    _log(case, actor, "审定通过" if status == Case.Status.APPROVED else "不予认定", note=note)


def _apply_decision(case: Case, actor: Any, on: dt.date) -> None:
    """县级审定: the household's status changes through the register's service (history event)."""
    income = income_of(case)
    if case.kind == Case.Kind.IDENTIFY:
        h = case.household or _register_new_household(case, actor)
        registry_services.update_household(
            actor=actor,
            household=h,
            source="识别程序",
            category=case.category,
            identified_date=on,
            risk_list=case.risk_list,
            risk_eliminated=False,
            eliminated_date=None,
            elimination_method="",
            per_capita_income=income.per_capita,
            on=on,
        )
    elif case.kind == Case.Kind.ELIMINATE:
        assert case.household is not None
        registry_services.update_household(
            actor=actor,
            household=case.household,
            source="风险消除程序",
            risk_eliminated=True,
            eliminated_date=on,
            elimination_method=case.elimination_method,
            per_capita_income=income.per_capita,
        )
    elif case.kind == Case.Kind.ROLLBACK:
        assert case.household is not None
        registry_services.update_household(
            actor=actor,
            household=case.household,
            source="风险消除回退程序",
            risk_eliminated=False,
            eliminated_date=None,
            elimination_method="",
            on=on,
        )
    else:
        assert case.household is not None
        registry_services.unmark(
            actor=actor,
            household=case.household,
            what="monitored",
            reason=case.exit_reason,
            on=on,
            note=case.description[:200],
            source="退出监测程序",
        )


def _register_new_household(case: Case, actor: Any) -> Household:
    """A person not in the register gets a household (temporary number) before the decision;
    the incomes of its 入户核查 become its income record."""
    lead = case.lead
    assert lead is not None
    # A temporary 户编号 until the national system gives one: 9, the region, the case.
    h = registry_services.create_household(
        actor=actor,
        source="识别程序",
        number=f"9{case.region.code or f'{case.region_id:012d}'}{case.pk:06d}",
        region=case.region,
        is_alleviated=case.is_alleviated,
        head={"name": lead.person_name, "id_number": lead.id_number, "phone": lead.phone},
    )
    case.household = h
    case.save(update_fields=["household"])
    lead.household = h
    lead.save(update_fields=["household"])
    if case.window_end is not None:
        _save_visit_income(case, actor)
    return h


@transaction.atomic
def return_case(
    *, actor: Any, case: Case, to_step: str, reason: str, on: dt.date | None = None
) -> Case:
    """Send the case back to an earlier step (which reopens; later steps start over)."""
    on = on or today()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not can_act(actor, case):
        raise PermissionDenied("您的角色或所属区划不能办理该环节")
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回原因"})
    current = case.steps.get(code=case.current_step)
    target = case.steps.filter(code=to_step, order__lt=current.order).first()
    if target is None:
        raise ValidationError({"to_step": "只能退回到之前的环节"})
    case.steps.filter(order__gt=target.order).update(
        status=CaseStep.Status.PENDING,
        alert="",
        completed_by=None,
        completed_at=None,
        done_on=None,
        decision="",
        note="",
    )
    policy, cal = deadlines_of(case), Calendar()
    target.status, target.alert = CaseStep.Status.OPEN, alert_for(target.due_date, on, policy, cal)
    target.done_on = None
    target.save(update_fields=["status", "alert", "done_on"])
    before = snapshot(case)
    case.current_step, case.due_date, case.alert = target.code, target.due_date, target.alert
    case.save(update_fields=["current_step", "due_date", "alert"])
    _log(case, actor, "退回", current.code, note=f"退回至{target.get_code_display()}：{reason}")
    _audit(actor, case, before, note=f"退回至{target.get_code_display()}：{reason}")
    return case


@transaction.atomic
def override_criteria(*, actor: Any, case: Case, reason: str) -> Case:
    """县级放行: a county admin lets an elimination go on although criteria fail, with a stated
    reason (audited, logged on the case and listed on the overrides page)."""
    require(actor, Cap.OVERRIDE, case.region, "只有县级管理员可以放行")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Case.Status.OPEN or case.kind != Case.Kind.ELIMINATE:
        raise ValidationError({"reason": "只有办理中的风险消除案件可以放行"})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写放行理由"})
    assessment = assess(case)
    if assessment.blocked:
        raise ValidationError({"reason": assessment.blocked})
    if not assessment.failed:
        raise ValidationError({"reason": "当前风险消除条件均已满足，无需放行"})
    if set(assessment.failed) <= set(assessment.firm):
        raise ValidationError({"reason": firm_message(assessment.firm)})
    before = snapshot(case)
    case.criteria_override = reason[:300]
    case.save(update_fields=["criteria_override"])
    _log(
        case,
        actor,
        OVERRIDE_ACTION,
        case.current_step,
        note=reason[:500],
        data={"failed": assessment.failed, "criteria": assessment.overridable},
    )
    _audit(
        actor, case, before, note=f"县级放行：{reason}（未满足：{'；'.join(assessment.failed)}）"
    )
    return case


OVERRIDE_ACTION = "县级放行"


def overrides() -> Any:
    """The 县级放行 records (scope them with `visible_to`)."""
    return CaseLog.objects.filter(action=OVERRIDE_ACTION)


def _granted(case: Case) -> CaseLog | None:
    """The log of the case's override in force (the latest)."""
    return case.logs.filter(action=OVERRIDE_ACTION).order_by("-at", "-id").first()


def _label(failed: str) -> str:
    """The criterion of a failed criterion with its detail (`label（detail）`)."""
    return failed.split("（")[0]


def override_gaps(case: Case, assessment: Assessment) -> list[str]:
    """The failed criteria (with their detail) that the case's override does not let through.

    An override covers the criteria that failed when the county gave it, not one found failing
    afterwards (at a later 入户核查, on its date, a measure since stopped): that one needs the
    county to look again and confirm with a new override."""
    covered: set[str] = set()
    granted = _granted(case) if case.criteria_override else None
    if granted is not None:
        # An override logged before its criteria were kept covers the labels of its failures.
        covered = set(granted.data.get("criteria") or map(_label, granted.data.get("failed", [])))
    gaps = set(assessment.overridable) - covered
    return [f for f in assessment.failed if _label(f) in gaps]


def lapsed_message(case: Case, gaps: list[str]) -> str:
    """What the case page and a refused step say when the override does not cover the case."""
    granted = _granted(case)
    when = f"{timezone.localdate(granted.at):%Y-%m-%d}" if granted is not None else ""
    return (
        f"县级放行已失效：{when}放行之后有新的入户核查或情况变化，又未满足"
        f"{'、'.join(map(_label, gaps))}，须县级管理员重新确认放行。"
    )


def compare_findings(case: Case) -> dict[str, Any]:
    """信息比对: the members' rows in the department batches the county has loaded (exchange),
    with the departments that have no data loaded."""
    if case.household_id:
        people = list(
            Person.objects.filter(household=case.household, is_member=True).values_list(
                "id_number", "name"
            )
        )
    else:
        lead = case.lead
        people = [(lead.id_number, lead.person_name)] if lead and lead.id_number else []
    numbers = [n for n, _ in people if n]
    if not hooks.provided("exchange.person_findings"):
        return {"people": people, "loaded": [], "findings": []}
    return {
        "people": people,
        "loaded": hooks.call("exchange.loaded_sources", region=case.region),
        "findings": hooks.call("exchange.person_findings", numbers, region=case.region),
    }


def _findings_summary(case: Case) -> list[dict[str, Any]]:
    """What 信息比对 found, kept on the step's record (department, batch, date, person)."""
    found = compare_findings(case)["findings"]
    return [
        {
            "source": f["source_label"],
            "batch": f["batch"],
            "as_of": f["as_of"],
            "name": f["name"],
            "fields": f["fields"],
        }
        for f in found[:50]
    ]


GREEN_RISKS = ("因自然灾害", "因意外事故")


def check_green_start(case: Case, on: dt.date) -> None:
    """A 绿色通道 measure helps with a risk already found: not before the case's 起算日期."""
    if on < case.start_date:
        raise ValidationError(
            f"{on:%Y-%m-%d}早于本案起算日期{case.start_date:%Y-%m-%d}，"
            "先行帮扶措施不能早于发现风险之日"
        )


@transaction.atomic
def record_green_measure(
    *,
    actor: Any,
    case: Case,
    category: str,
    subtype: str = "",
    responsible: str = "",
    start_date: dt.date | None = None,
) -> Any:
    """绿色通道 (rule 13): a measure before the procedure ends; the case stays open."""
    require(actor, Cap.REPORT_LEAD, case.region, "无权为该户录入帮扶措施")
    if case.status != Case.Status.OPEN or case.kind != Case.Kind.IDENTIFY:
        raise ValidationError({"category": "只有办理中的识别案件可以走绿色通道"})
    if not set(GREEN_RISKS) & set(case.risk_list):
        raise ValidationError({"category": "绿色通道只适用于因自然灾害、因意外事故的农户"})
    if case.household is None:
        raise ValidationError({"category": "该申请人尚未登记在户籍台账，请先办理入户核查并登记"})
    if category not in codes.MEASURE_CATEGORIES:
        raise ValidationError({"category": f"措施类别“{category}”不在代码表中"})
    start_date = start_date or today()
    try:
        check_green_start(case, start_date)
    except ValidationError as exc:
        raise ValidationError({"start_date": exc.messages}) from exc
    measure = hooks.call(
        "assistance.save_measure",
        actor=actor,
        household=case.household,
        category=category,
        subtype=subtype[:60],
        responsible=responsible[:60],
        start_date=start_date,
    )
    case.green_channel = True
    case.save(update_fields=["green_channel"])
    _log(case, actor, "绿色通道先行帮扶", case.current_step, note=str(measure))
    return measure


def mark_overdue(*, on: dt.date | None = None) -> dict[str, int]:
    """The daily job: orange/red marks on every open step, following the working-day calendar."""
    on = on or today()
    # Each start year's limits read once over the loop (DeadlinePolicy.for_year).
    policy_of, cal = functools.cache(DeadlinePolicy.for_year), Calendar()
    steps = list(
        CaseStep.objects.filter(
            status=CaseStep.Status.OPEN, case__status=Case.Status.OPEN
        ).annotate(case_alert=F("case__alert"), case_start=F("case__start_date"))
    )
    changed, cases_changed = [], []
    for step in steps:
        alert = alert_for(step.due_date, on, policy_of(step.case_start.year), cal)
        if alert != step.alert:
            step.alert = alert
            changed.append(step)
        if alert != step.case_alert:  # the list pages read the case's copy
            cases_changed.append(step)
    with transaction.atomic():
        CaseStep.objects.bulk_update(changed, ["alert"], batch_size=1000)
        for alert in ("", "orange", "red"):
            ids = [s.case_id for s in cases_changed if s.alert == alert]
            for i in range(0, len(ids), 900):
                Case.objects.filter(pk__in=ids[i : i + 900]).update(alert=alert)
        if changed or cases_changed:
            audit.record(
                actor=None,
                action="action",
                object_type="monitoring.casestep",
                note=f"时限预警更新{len(cases_changed)}个案件（{on:%Y-%m-%d}）",
            )
    return {
        "checked": len(steps),
        "changed": len(cases_changed),
        "orange": sum(s.alert == "orange" for s in steps),
        "red": sum(s.alert == "red" for s in steps),
    }


# --- Policy settings ---------------------------------------------------------------------------


def _county_only(actor: Any) -> None:
    require(actor, Cap.SETTINGS, message="只有县级管理员可以修改政策设置")


@transaction.atomic
def save_threshold(*, actor: Any, threshold: PolicyThreshold) -> PolicyThreshold:
    """Create or change a 监测范围 row: a province's, or one of the actor's own county."""
    _county_only(actor)
    before = None
    if threshold.pk:
        old = PolicyThreshold.objects.get(pk=threshold.pk)
        if old.region is not None:
            require(actor, Cap.SETTINGS, old.region, "不能修改其他县的监测范围")
        before = snapshot(old)
    if threshold.region is not None:
        require(actor, Cap.SETTINGS, threshold.region, "不能修改其他县的监测范围")
    return _save_setting(actor, threshold, before)


def _save_setting(actor: Any, row: Any, before: dict | None, **record: Any) -> Any:
    """Validate and save a settings row; its audit record says create or update."""
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        action="update" if before else "create",
        obj=row,
        before=before,
        after=snapshot(row),
        **record,
    )
    return row


@transaction.atomic
def save_deadline_policy(*, actor: Any, policy: DeadlinePolicy, **fields: Any) -> DeadlinePolicy:
    """Change the time limits; open steps take their new due dates (and colours) at once."""
    _county_only(actor)
    before = snapshot(policy) if policy.pk else None
    for name, value in fields.items():
        setattr(policy, name, value)
    from monitoring.assessment import evaluate_formula

    one = Decimal(1)
    evaluate_formula(
        policy.after_spending_formula,
        {"纯收入": one, "理赔收入": one, "合规自付支出": one, "人口": one},
    )
    _save_setting(actor, policy, before)
    _recompute_due_dates()
    return policy


@transaction.atomic
def save_deadlines(*, actor: Any, year: int | None, **fields: Any) -> DeadlinePolicy:
    """Save the default time limits (`year` None) or those of procedures started from `year`
    on (a new row starts from the default's materials). The income formula is kept on the
    default row whichever is saved: it is one for every year."""
    default = DeadlinePolicy.current()
    if year is None:
        return save_deadline_policy(actor=actor, policy=default, **fields)
    formula = fields.pop("after_spending_formula", None)
    if formula is not None and formula != default.after_spending_formula:
        save_deadline_policy(actor=actor, policy=default, after_spending_formula=formula)
    row = DeadlinePolicy.objects.filter(year=year).first() or DeadlinePolicy(
        year=year,
        materials=default.materials,
        after_spending_formula=default.after_spending_formula,
    )
    return save_deadline_policy(actor=actor, policy=row, **fields)


def _recompute_due_dates(case: Case | None = None) -> None:
    """Due dates of unfinished steps (of open cases, or of `case` alone) follow the calendar and
    the deadlines of the year each case started in."""
    # Each start year's limits read once over the loop (DeadlinePolicy.for_year).
    policy_of, cal = functools.cache(DeadlinePolicy.for_year), Calendar()
    steps = list(
        CaseStep.objects.filter(case__status=Case.Status.OPEN, **({"case": case} if case else {}))
        .exclude(status=CaseStep.Status.DONE)
        .select_related("case")
    )
    for s in steps:
        s.due_date = due_date(s.case.start_date, s.code, policy_of(s.case.start_date.year), cal)
    CaseStep.objects.bulk_update(steps, ["due_date"], batch_size=1000)
    cases = []
    for s in steps:
        if s.status == CaseStep.Status.OPEN:
            s.case.due_date = s.due_date
            cases.append(s.case)
    Case.objects.bulk_update(cases, ["due_date"], batch_size=1000)
    mark_overdue()  # the colours follow the new due dates at once


@transaction.atomic
def save_elimination_policy(*, actor: Any, year: int, **fields: Any) -> EliminationPolicy:
    """Create or change the elimination criteria of a year."""
    _county_only(actor)
    row = EliminationPolicy.objects.filter(year=year).first() or EliminationPolicy(year=year)
    before = snapshot(row) if row.pk else None
    for name, value in fields.items():
        setattr(row, name, value)
    return _save_setting(actor, row, before)


@transaction.atomic
def save_policy_label(
    *,
    actor: Any,
    year: int,
    population: str,
    household: str = "",
    categories: dict[str, str] | None = None,
    basis: str = "",
) -> PolicyLabel:
    """Set the year's words for the population and its categories (core.labels)."""
    _county_only(actor)
    unknown = [c for c in categories or {} if c not in codes.CATEGORIES]
    if unknown:
        raise ValidationError({"categories": f"没有这种监测对象类别：{'、'.join(unknown)}"})
    row = PolicyLabel.objects.filter(year=year).first() or PolicyLabel(year=year)
    before = snapshot(row) if row.pk else None
    row.population = population.strip()
    row.household = (household or population).strip()
    row.categories = {k: v.strip() for k, v in (categories or {}).items() if v.strip()}
    row.basis = basis.strip()
    return _save_setting(actor, row, before)


@transaction.atomic
def save_notice_contact(*, actor: Any, region: Region, phone: str, unit: str = "") -> NoticeContact:
    """Set the 监督电话 of a county or town for its villages' 公示."""
    _county_only(actor)
    require(actor, Cap.SETTINGS, region)
    if region.level not in (Region.Level.COUNTY, Region.Level.TOWN):
        raise ValidationError({"region": "监督电话按县或乡镇设置"})
    phone = valid_phone(phone)
    if not phone:
        raise ValidationError({"phone": "请填写监督电话"})
    row = NoticeContact.objects.filter(region=region).first() or NoticeContact(region=region)
    before = snapshot(row) if row.pk else None
    row.unit, row.phone = unit.strip(), phone
    return _save_setting(actor, row, before, region_id=region.pk)


@transaction.atomic
def set_holiday(*, actor: Any, date: dt.date, kind: str, name: str = "") -> Holiday:
    """Add or change a calendar day (放假 or 调休上班)."""
    _county_only(actor)
    row, _ = Holiday.objects.update_or_create(date=date, defaults={"kind": kind, "name": name})
    audit.record(actor=actor, action="update", obj=row, after=snapshot(row))
    _recompute_due_dates()
    return row


@transaction.atomic
def delete_holiday(*, actor: Any, holiday: Holiday) -> None:
    """Remove a calendar day."""
    _county_only(actor)
    audit.record(actor=actor, action="delete", obj=holiday, before=snapshot(holiday))
    holiday.delete()
    _recompute_due_dates()


# --- Self-declaration (农户自主申报) ------------------------------------------------------------


@transaction.atomic
def channel_for(*, actor: Any, region: Region) -> DeclarationChannel:
    """The village's public page token, created the first time staff ask for it (by POST)."""
    if not (can(actor, Cap.REPORT_LEAD, region) and region.level == Region.Level.VILLAGE):
        raise PermissionDenied("无权为该村开设自主申报入口")
    row, created = DeclarationChannel.objects.get_or_create(
        region=region, defaults={"token": secrets.token_urlsafe(16)}
    )
    if created:
        audit.record(actor=actor, action="create", obj=row, region_id=region.pk)
    return row


def declarations_per_day() -> int:
    return settings.FANGPIN_DECLARE_PER_DAY


def _ticket() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
    return "SB" + "".join(secrets.choice(alphabet) for _ in range(10))


@transaction.atomic
def submit_declaration(
    *,
    channel: DeclarationChannel,
    name: str,
    id_number: str,
    phone: str,
    difficulty: str,
    risks: list[str],
    client_address: str,
    proxy_name: str = "",
    now: dt.datetime | None = None,
) -> Declaration:
    """A farmer's own application: rate-limited per phone, per ID number and per address (in 24
    hours), lands as a lead. Submissions take turns (core.locks), so parallel ones cannot all
    pass the count before any is saved."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=1)
    limit = declarations_per_day()
    with hold("monitoring.declaration"):
        recent = Declaration.objects.filter(created_at__gte=since)
        later = f"24小时内已提交{limit}次，请明天再试或联系村委会"
        if recent.filter(phone=phone).count() >= limit:
            raise ValidationError({"phone": f"该手机号{later}"})
        if id_number and recent.filter(lead__id_number=id_number).count() >= limit:
            raise ValidationError({"id_number": f"该证件号码{later}"})
        if recent.filter(client_address=client_address).count() >= limit:
            raise ValidationError({"__all__": f"本设备{later}"})
        lead = create_lead(
            actor=None,
            source="农户自主申报",
            reported_date=timezone.localdate(now),
            region=channel.region,
            risks=risks,
            description=difficulty,
            person_name=name,
            id_number=id_number,
            phone=phone,
            reporter_name=proxy_name or name,
            origin="monitoring.declaration",
        )
        return Declaration.objects.create(
            ticket=_ticket(),
            region=channel.region,
            lead=lead,
            phone=phone,
            client_address=client_address[:64],
        )


PUBLIC_STATUS: dict[str, str] = {
    Lead.Status.NEW: "已受理，等待村里研判",
    Lead.Status.CASE_OPENED: "已进入核查认定程序",
    Lead.Status.DISMISSED: "经研判暂不纳入监测（如有异议可向村委会或乡镇反映）",
}


def declaration_status(*, ticket: str, phone: str) -> str | None:
    """Only the status of one's own application, found by ticket AND phone; else None."""
    row = (
        Declaration.objects.filter(ticket=ticket.strip().upper(), phone=phone.strip())
        .select_related("lead")
        .first()
    )
    if row is None:
        return None
    lead = row.lead
    while lead.status == Lead.Status.MERGED and lead.merged_into_id:
        assert lead.merged_into is not None
        lead = lead.merged_into
    if lead.status == Lead.Status.CLOSED:
        case = lead.cases.order_by("-id").first()
        if case is not None and case.status == Case.Status.APPROVED:
            return "已认定，纳入监测帮扶"
        return "经认定暂不纳入监测（如有异议可向村委会或乡镇反映）"
    return PUBLIC_STATUS.get(str(lead.status), "已受理")


# ---------------------------------------------------------------- exports and prints

CASE_HEADERS = ["序号", "类型", "户/申请人", "户编号", "乡镇/村", "起算日", "当前环节", "到期日"]
CASE_HEADERS += ["预警", "状态", "绿色通道"]


@transaction.atomic
def export_cases(*, actor: Any, cases: Any, title: str, out: Any) -> int:
    """A list of cases (the queue, my tasks, the overdue) as a printable Excel 台账 with a 合计
    row; `cases` is already scoped to the actor. Audited."""
    from ledgers.workbook import table_workbook, totals_row
    from regions.models import place_names

    require(actor, Cap.EXPORT)
    region = actor.region
    book = table_workbook(
        out,
        title=f"{region.name}{title}",
        region=region,
        what=f"截至 {today():%Y-%m-%d}",
        headers=CASE_HEADERS,
        widths={2: 14, 3: 22, 4: 20, 6: 12},
    )
    labels = {
        "kind": dict(Case.Kind.choices),
        "status": dict(Case.Status.choices),
        "step": dict(StepCode.choices),
        "alert": dict(Case.Alert.choices),
    }
    count, red, orange = 0, 0, 0
    rows = cases.select_related("region", "household")
    for chunk_start in range(0, rows.count(), 2000):
        chunk = list(rows[chunk_start : chunk_start + 2000])
        places = place_names(c.region for c in chunk)
        for c in chunk:
            count += 1
            red += c.alert == "red"
            orange += c.alert == "orange"
            book.write_row(
                [
                    count,
                    str(labels["kind"].get(c.kind, c.kind)),
                    c.subject_name,
                    c.household.number if c.household else "",
                    places[c.region_id],
                    c.start_date,
                    str(labels["step"].get(c.current_step, "—")),
                    c.due_date,
                    str(labels["alert"].get(c.alert, "")) if c.alert else "",
                    str(labels["status"].get(c.status, c.status)),
                    "是" if c.green_channel else "",
                ]
            )
    totals_row(book, count, "件", "", "", "", "", "", "", f"红色{red}件，橙色{orange}件")
    book.close()
    audit.record(
        actor=actor,
        action="export",
        object_type="monitoring.case",
        object_repr=f"导出{title}{count}件",
        region_id=region.pk,
        note=title,
    )
    return count


@transaction.atomic
def log_case_file(*, actor: Any, case: Case) -> None:
    """A printed case file shows the household's data: only for who may export, and logged."""
    require(actor, Cap.EXPORT, case.region)
    audit.record(
        actor=actor,
        action="export",
        obj=case,
        household_id=case.household_id,
        region_id=case.region_id,
        note=f"打印{case.get_kind_display()}案卷",
    )


LEAD_HEADERS = ["序号", "发现日期", "线索来源", "乡镇/村", "户编号", "户主/姓名", "反映风险"]
LEAD_HEADERS += ["困难情况", "状态", "不予纳入原因", "报告人"]


@transaction.atomic
def export_leads(*, actor: Any, leads: Any, out: Any) -> int:
    """The lead inbox (already scoped and filtered) as a printable Excel 台账 with a 合计 row by
    status; no ID numbers or phones. Audited."""
    from collections import Counter

    from ledgers.workbook import table_workbook, totals_row
    from regions.models import place_names

    require(actor, Cap.EXPORT)
    region = actor.region
    book = table_workbook(
        out,
        title=f"{region.name}监测线索清单",
        region=region,
        what=f"截至 {today():%Y-%m-%d}",
        headers=LEAD_HEADERS,
        widths={3: 20, 4: 22, 7: 40, 9: 24},
    )
    statuses = dict(Lead.Status.choices)
    rows = leads.select_related("region", "household").order_by("-reported_date", "-id")
    count, by_status = 0, Counter[str]()
    for start in range(0, rows.count(), 2000):
        chunk = list(rows[start : start + 2000])
        places = place_names(lead.region for lead in chunk)
        for lead in chunk:
            count += 1
            by_status[str(statuses.get(lead.status, lead.status))] += 1
            book.write_row(
                [
                    count,
                    lead.reported_date,
                    lead.source,
                    places[lead.region_id],
                    lead.household.number if lead.household else "",
                    lead.household.head_name if lead.household else lead.person_name,
                    lead.risks,
                    mask_numbers(lead.description),  # typed text may name a number in full
                    str(statuses.get(lead.status, lead.status)),
                    mask_numbers(lead.dismiss_reason),
                    lead.reporter_name,
                ]
            )
    summary = "，".join(f"{k}{v}条" for k, v in by_status.most_common())
    totals_row(book, count, "条", "", "", "", "", summary)
    book.close()
    audit.record(
        actor=actor,
        action="export",
        object_type="monitoring.lead",
        object_repr=f"导出监测线索{count}条",
        region_id=region.pk,
        note="监测线索清单",
    )
    return count
