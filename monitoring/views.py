"""Monitoring pages: lead inbox, cases with their steps, tasks and deadlines, policy settings.

Views stay thin: they read through `visible_to`, and every change goes through `services`.
"""

from __future__ import annotations

import copy
import io
from typing import Any
from urllib.parse import quote

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import audit
from core import labels as core_labels
from core import services as core_services
from core.dates import today
from core.masking import mask_numbers
from core.permissions import Cap, can, require
from core.scoping import get_visible_or_404
from monitoring import forms, services
from monitoring.assessment import income_window, threshold_for
from monitoring.models import (
    REQUIRED,
    Attachment,
    Case,
    DeadlinePolicy,
    DeclarationChannel,
    EliminationPolicy,
    Holiday,
    Lead,
    NoticeContact,
    PolicyLabel,
    PolicyThreshold,
    StepCode,
)
from monitoring.public import address_problem, public_url
from regions.models import Region, place_names
from registry.models import Household, Person
from registry.services import texts_in_full


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- Leads -------------------------------------------------------------------------------------


def lead_list(request: HttpRequest) -> HttpResponse:
    """The inbox: every lead of the user's region, newest first, with filters."""
    form = forms.LeadFilterForm(request.GET or None, user=request.user)
    qs = Lead.objects.visible_to(request.user).select_related("region", "household")
    if form.is_valid():
        d = form.cleaned_data
        if d["source"]:
            qs = qs.filter(source=d["source"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["village"]:
            qs = qs.filter(region__path__startswith=d["village"].path)
        if d["date_from"]:
            qs = qs.filter(reported_date__gte=d["date_from"])
        if d["date_to"]:
            qs = qs.filter(reported_date__lte=d["date_to"])
    if request.GET.get("format") == "xlsx":
        out = io.BytesIO()
        services.export_leads(actor=request.user, leads=qs, out=out)
        return _xlsx(request, out.getvalue(), "监测线索清单")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    leads = list(page.object_list)
    places = place_names(lead.region for lead in leads)
    for lead in leads:
        lead.place = places[lead.region_id]
    return render(
        request,
        "monitoring/lead_list.html",
        {
            "page": page,
            "form": form,
            "query": _query(request),
            "villages": list(
                Region.objects.visible_to(request.user)
                .filter(level=Region.Level.VILLAGE)
                .values_list("pk", "name")
            ),
        },
    )


def lead_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.REPORT_LEAD)
    initial = {"reported_date": today(), "source": "基层干部排查"}
    if request.GET.get("household"):
        if not request.GET["household"].isdigit():
            raise BadRequest("参数 household 应为农户编号（数字）")
        chosen = Household.objects.visible_to(request.user).filter(pk=request.GET["household"])
        initial["household"] = chosen.values_list("number", flat=True).first() or ""
    form = forms.LeadForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            lead = services.create_lead(
                actor=request.user,
                source=d["source"],
                reported_date=d["reported_date"],
                household=d["household"],
                region=d["village"],
                risks=d["risks"],
                description=d["description"],
                person_name="" if d["household"] else d["person_name"],
                id_number="" if d["household"] else d["id_number"],
                phone=d["phone"],
                reporter_name=d["reporter_name"] or str(request.user),
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            if lead.status == Lead.Status.MERGED:
                messages.info(request, f"该户已有未办结线索，已合并到线索 {lead.merged_into_id}")
            else:
                messages.success(request, "线索已登记")
            return redirect("monitoring:lead_detail", lead.pk)
    return render(request, "monitoring/lead_form.html", {"form": form})


def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_visible_or_404(
        Lead.objects.select_related("region", "household", "merged_into"), request.user, pk=pk
    )
    duplicates: QuerySet[Lead] = Lead.objects.none()
    if lead.household_id:
        duplicates = Lead.objects.visible_to(request.user).filter(household=lead.household)
    elif lead.id_number:
        duplicates = Lead.objects.visible_to(request.user).filter(id_number=lead.id_number)
    # Staff-side only: does the person already appear in the register (never shown publicly)?
    # Only to a user who may search by a full ID number: to anyone else a lead for a typed
    # number would confirm a guess of a member's masked number (registry.services).
    registered = None
    if not lead.household_id and lead.id_number and can(request.user, Cap.REVEAL):
        registered = (
            Person.objects.visible_to(request.user)
            .filter(id_number=lead.id_number)
            .select_related("household")
            .first()
        )
    return render(
        request,
        "monitoring/lead_detail.html",
        {
            "lead": lead,
            "place": lead.region.place(),
            "duplicates": duplicates.exclude(pk=lead.pk).order_by("id"),
            "registered": registered,
            "attachments": lead.attachments.all(),
            "cases": lead.cases.all(),
            "dismiss_form": forms.DismissForm(),
            "upload_form": forms.UploadForm(),
            "can_triage": can(request.user, Cap.TRIAGE, lead.region),
            "can_upload": can(request.user, Cap.REPORT_LEAD, lead.region),
        },
    )


@require_POST
def lead_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """dismiss / merge / open-case / upload on a lead."""
    lead = get_visible_or_404(
        Lead.objects.select_related("region", "household"), request.user, pk=pk
    )
    try:
        if action == "dismiss":
            form = forms.DismissForm(request.POST)
            reason = form.data.get("reason", "")
            services.dismiss_lead(actor=request.user, lead=lead, reason=reason)
            messages.success(request, "已不予纳入")
        elif action == "merge":
            into = get_visible_or_404(Lead.objects.all(), request.user, pk=request.POST.get("into"))
            services.merge_lead(actor=request.user, lead=lead, into=into)
            messages.success(request, f"已合并到线索 {into.pk}")
        elif action == "open":
            case = services.open_case(actor=request.user, lead=lead)
            messages.success(request, "已启动识别程序")
            return redirect("monitoring:case_detail", case.pk)
        elif action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError("请选择要上传的文件")
            services.add_attachment(
                actor=request.user,
                upload=upload,
                lead=lead,
                kind=request.POST.get("kind", "evidence"),
            )
            messages.success(request, "材料已上传")
        else:
            raise Http404("未知操作")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("monitoring:lead_detail", lead.pk)


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Files are served only to users whose region covers them (never as public media)."""
    row = get_visible_or_404(Attachment.objects.all(), request.user, pk=pk)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在") from exc
    # The uploader's file name may hold an ID number (张三身份证4202….jpg): masked as on the page.
    return FileResponse(handle, as_attachment=True, filename=mask_numbers(row.name))


# --- Cases -------------------------------------------------------------------------------------


def case_list(request: HttpRequest) -> HttpResponse:
    form = forms.CaseFilterForm(request.GET or None)
    qs = Case.objects.visible_to(request.user).select_related("region")
    status = Case.Status.OPEN
    if form.is_valid():
        d = form.cleaned_data
        status = d["status"] if "status" in request.GET else Case.Status.OPEN
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["step"]:
            qs = qs.filter(current_step=d["step"])
        if d["alert"] == "late":
            qs = qs.finished_late()
        elif d["alert"]:
            qs = qs.filter(alert=d["alert"])
    if status:
        qs = qs.filter(status=status)
    return _case_page(request, qs.order_by("due_date", "id"), "识别案件", form)


def _case_page(
    request: HttpRequest,
    qs: QuerySet[Case],
    title: str,
    form: Any = None,
    extra: dict | None = None,
) -> HttpResponse:
    if request.GET.get("format") == "xlsx":
        return _case_workbook(request, qs, title)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # Labels and links computed once per page, not per row through the template engine:
    # this list must stay fast at county scale (bench/bench_monitoring.py).
    labels = {
        field: {value: str(label) for value, label in choices}
        for field, choices in (
            ("kind", Case.Kind.choices),
            ("status", Case.Status.choices),
            ("current_step", StepCode.choices),
            ("alert", Case.Alert.choices),
        )
    }
    prefix = reverse("monitoring:case_detail", args=[0])[: -len("0/")]
    cases = list(page.object_list)
    places = place_names(c.region for c in cases)
    rows = [
        {
            "case": c,
            "url": f"{prefix}{c.pk}/",
            "place": places[c.region_id],
            "kind": labels["kind"][c.kind],
            "status": labels["status"][c.status],
            "step": labels["current_step"].get(c.current_step, "—"),
            "alert": labels["alert"].get(c.alert, "") if c.alert else "",
        }
        for c in cases
    ]
    return render(
        request,
        "monitoring/case_list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "title": title,
            "query": _query(request),
            **(extra or {}),
        },
    )


def _case_workbook(request: HttpRequest, qs: QuerySet[Case], title: str) -> HttpResponse:
    """The whole list (every page) as a printable Excel 台账."""
    out = io.BytesIO()
    services.export_cases(actor=request.user, cases=qs, title=title, out=out)
    return _xlsx(request, out.getvalue(), title)


def _xlsx(request: HttpRequest, data: bytes, title: str) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    place = getattr(getattr(request.user, "region", None), "name", "")
    name = f"{place}{title}{today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def my_tasks(request: HttpRequest) -> HttpResponse:
    """Open steps the user's role and region can complete."""
    qs = _tasks_of(request.user).select_related("region").order_by("due_date", "id")
    return _case_page(request, qs, "我的待办")


def _tasks_of(user: Any) -> QuerySet[Case]:
    return Case.objects.visible_to(user).open().filter(current_step__in=services.my_steps(user))


def overdue(request: HttpRequest) -> HttpResponse:
    """Orange and red steps of the region (or only mine with ?mine=1).

    A county admin may refresh the marks now (the same job `fangpin mark-overdue` runs daily).
    """
    if request.method == "POST":
        _county_admin(request)
        from core.jobs import enqueue

        job = enqueue("monitoring.mark_overdue", title="更新办理时限预警", user=request.user)
        return redirect("core:job", job.pk)
    mine = request.GET.get("mine") == "1"
    qs = _tasks_of(request.user) if mine else Case.objects.visible_to(request.user).open()
    qs = qs.filter(alert__in=["orange", "red"]).select_related("region")
    return _case_page(
        request,
        qs.order_by("due_date", "id"),
        "我的逾期预警" if mine else "逾期预警",
        extra={"mine": mine},
    )


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_visible_or_404(
        Case.objects.select_related("region", "household", "lead"), request.user, pk=pk
    )
    may_act = services.can_act(request.user, case)
    consent_required = (
        services.step_materials(case, StepCode.VISIT).get("consent") == REQUIRED
        if case.current_step == StepCode.VISIT
        else False
    )
    form = None
    preview = case
    if may_act:
        if request.method == "POST":
            first = forms.StepForm(
                request.POST, case=case, warnings=[], consent_required=consent_required
            )
            if first.is_valid():
                preview = copy.copy(case)
                for name, value in first.facts().items():
                    setattr(preview, name, value)
                risks = first.risks()
                if risks is not None:
                    preview.risks = "、".join(risks)
            form = forms.StepForm(
                request.POST,
                case=case,
                warnings=_warnings(preview),
                consent_required=consent_required,
            )
            if form.is_valid():
                try:
                    services.complete_step(
                        actor=request.user,
                        case=case,
                        decision=form.cleaned_data["decision"],
                        note=form.cleaned_data["note"],
                        facts=form.facts(),
                        risks=form.risks(),
                        acknowledged=form.cleaned_data.get("ack", []),
                        on=form.cleaned_data["done_on"],
                    )
                except ValidationError as exc:
                    _attach(form, exc)
                else:
                    messages.success(request, f"{StepCode(case.current_step).label}已办结")
                    return redirect("monitoring:case_detail", case.pk)
        else:
            form = forms.StepForm(
                case=case, warnings=_warnings(case), consent_required=consent_required
            )
    elif request.method == "POST":
        raise PermissionDenied("您的角色或所属区划不能办理该环节")
    # Everyone on an open case sees the figures; only 入户核查/乡镇审核 must acknowledge warnings.
    assessment = services.assess(preview) if case.status == Case.Status.OPEN else None
    if form is not None and assessment is not None and "category" in form.fields:
        form.fields["category"].initial = case.category or assessment.suggested
    steps = list(case.steps.select_related("completed_by"))
    current = next((s for s in steps if s.code == case.current_step), None)
    open_case = case.status == Case.Status.OPEN
    wanted = list(services.step_materials(case, case.current_step)) if open_case else []
    # The failed criteria no override in force lets through (rule 22's never are: firm).
    gaps = (
        services.override_gaps(case, assessment)
        if case.kind == Case.Kind.ELIMINATE and assessment is not None
        else []
    )
    return render(
        request,
        "monitoring/case_detail.html",
        {
            "case": case,
            "full_numbers": audit.shows_full_numbers(
                actor=request.user,
                obj=case,
                texts=[case.monitor_contact],  # 退出原因 is a code, chosen from a list
                note="程序页显示文字中的完整证件号码或电话（监测联系人）",
                region_id=case.region_id,
                household_id=case.household_id,
            ),
            "place": case.region.place(),
            "steps": steps,
            "logs": case.logs.select_related("actor"),
            "materials": services.case_materials(case),
            "missing_now": services.missing_materials(case, case.current_step) if open_case else [],
            "form": form,
            "can_act": may_act,
            "assessment": assessment,
            "window": income_window(case.created_at.date()),
            "return_form": forms.ReturnForm(initial={})
            if may_act and current and current.order
            else None,
            "return_choices": [s for s in steps if current and s.order < current.order],
            "green_form": forms.GreenMeasureForm(case=case)
            if open_case and set(services.GREEN_RISKS) & set(case.risk_list)
            else None,
            "upload_form": forms.UploadForm(kinds=wanted),
            "override_form": forms.OverrideForm()
            if gaps and can(request.user, Cap.OVERRIDE, case.region)
            else None,
            "override_lapsed": services.lapsed_message(case, gaps)
            if gaps and case.criteria_override
            else "",
            "comparison": services.compare_findings(case)
            if open_case and case.current_step == StepCode.COMPARE
            else None,
            "policy": services.deadlines_of(case),
        },
    )


def _attach(form: forms.StepForm, exc: ValidationError) -> None:
    """A service's {field: message} errors on the step form's fields (others on top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, _errors(exc))
        return
    for field, errs in exc.error_dict.items():
        target = field if field in form.fields else None
        for e in errs:
            form.add_error(target, e)


def _warnings(case: Case) -> list[str]:
    if case.status != Case.Status.OPEN or not services._assessed(case, case.current_step):
        return []
    return [m for _, m in services.assess(case).warnings]


@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """return / upload / green / override on a case."""
    case = get_visible_or_404(
        Case.objects.select_related("region", "household"), request.user, pk=pk
    )
    try:
        if action == "return":
            services.return_case(
                actor=request.user,
                case=case,
                to_step=request.POST.get("to_step", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "已退回")
        elif action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError("请选择要上传的文件")
            services.add_attachment(
                actor=request.user,
                upload=upload,
                case=case,
                step=case.current_step,
                kind=request.POST.get("kind", "evidence"),
            )
            messages.success(request, "材料已上传")
        elif action == "green":
            form = forms.GreenMeasureForm(request.POST, case=case)
            if not form.is_valid():
                raise ValidationError(
                    "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
                )
            services.record_green_measure(actor=request.user, case=case, **form.cleaned_data)
            messages.success(request, "已先行落实帮扶措施，识别程序继续办理")
        elif action == "override":
            services.override_criteria(
                actor=request.user, case=case, reason=request.POST.get("reason", "")
            )
            messages.success(request, "已放行，放行理由已记入办理记录")
        else:
            raise Http404("未知操作")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("monitoring:case_detail", case.pk)


def overrides(request: HttpRequest) -> HttpResponse:
    """县级放行: every elimination let through although criteria failed, with the reason."""
    qs = (
        services.overrides()
        .visible_to(request.user)
        .select_related("case__region", "actor")
        .order_by("-at", "-id")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    names = place_names(log.case.region for log in page.object_list)
    for log in page.object_list:
        log.place = names[log.case.region_id]
    return render(request, "monitoring/overrides.html", {"page": page})


NOTICE_TITLES = {
    Case.Kind.IDENTIFY: "拟纳入防止返贫监测对象",
    Case.Kind.ELIMINATE: "拟标注风险消除",
    Case.Kind.ROLLBACK: "拟回退风险消除",
}  # 退出监测 has no village 公示: the county decides it on the facts


def _notice(request: HttpRequest, village: Region, cases: list[Case]) -> HttpResponse:
    """The printable 公示: only name, place, household size, the proposed item and the period —
    never ID number, phone, bank account or health (rule 14), so no such field is passed.
    Signed by the village committee, with the supervision telephone and the 12317 hotline."""
    if village.level == Region.Level.GROUP and village.parent is not None:
        village = village.parent  # publicity is the 行政村's, never a 组's
    names = place_names(c.region for c in cases)
    # The year's words (2026: 拟纳入防止返贫致贫对象), by the day the notice is shown.
    words = core_labels.for_date(today())
    sections = []
    for kind, title in NOTICE_TITLES.items():
        if words.renamed:
            title = title.replace("防止返贫监测对象", words.population)
        rows = [
            {
                "name": c.subject_name,
                "place": names[c.region_id],
                "members": c.household.member_count if c.household else c.members_counted,
                "item": (words.category(c.category) if c.category else title.removeprefix("拟纳入"))
                if kind == Case.Kind.IDENTIFY
                else title.removeprefix("拟"),
                "start": c.notice_start,
                "end": c.notice_end,
            }
            for c in cases
            if c.kind == kind
        ]
        if rows:
            sections.append({"title": title, "rows": rows})
    return render(
        request,
        "monitoring/notice.html",
        {
            "village": village,
            "place": village.place(),
            "sections": sections,
            "supervision": NoticeContact.for_region(village),
            "hotline": hotline(),
        },
    )


def hotline() -> str:
    """The hotline printed on notices (settings.FANGPIN_HOTLINE, by default the national
    全国防止返贫监测和乡村振兴咨询服务电话 12317)."""
    from django.conf import settings

    return str(getattr(settings, "FANGPIN_HOTLINE", "12317"))


def case_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """One case's 公示."""
    case = get_visible_or_404(
        Case.objects.select_related("region", "household"), request.user, pk=pk
    )
    return _notice(request, case.region, [case])


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def case_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable case file (案卷) of an identification or elimination: the case, every step
    with who did it and their opinion, the record, the materials — photos shown — for filing."""
    case = get_visible_or_404(
        Case.objects.select_related("region", "household", "lead", "created_by"),
        request.user,
        pk=pk,
    )
    services.log_case_file(actor=request.user, case=case)
    materials = services.case_materials(case)
    return render(
        request,
        "monitoring/case_file.html",
        {
            "case": case,
            "place": case.region.place(),
            "steps": case.steps.select_related("completed_by").order_by("order"),
            "logs": case.logs.select_related("actor").order_by("at", "id"),
            "materials": materials,
            "images": [
                a
                for a in case.attachments.order_by("uploaded_at", "id")
                if a.name.lower().endswith(IMAGE_SUFFIXES)
            ],
            "today": today(),
        },
    )


def village_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The village's 公示 of every case now in its 公示 step (publicity is held once, in the
    village)."""
    village = get_visible_or_404(Region.objects.all(), request.user, pk=pk)  # type: ignore[arg-type]
    if village.level < Region.Level.VILLAGE:
        # policy.md §4.2: 公示 once, in the village; 县乡不再重复公示.
        messages.error(
            request, f"公示只在行政村张贴（县乡不再重复公示），{village.name}不能出公示，请选择村"
        )
        return redirect("monitoring:villages")
    cases = (
        Case.objects.visible_to(request.user)
        .open()
        .filter(region__path__startswith=village.path, current_step=StepCode.NOTICE)
        .select_related("region", "household")
        .order_by("kind", "id")
    )
    return _notice(request, village, list(cases))


def household_lookup(request: HttpRequest) -> HttpResponse:
    """Find a household of the user's region — by 户编号, name or ID number — to start
    风险消除, 回退 or 退出; several matches are listed to choose from."""
    q = (request.GET.get("q") or request.GET.get("number") or "").strip()
    found, candidates, problem = forms.find_household(request.user, q) if q else (None, [], "")
    if found is not None:
        return redirect("monitoring:household", found.pk)
    if not candidates:
        messages.error(request, problem or "请输入户编号、户主或成员姓名、证件号码")
        return redirect("monitoring:case_list")
    return render(request, "monitoring/household_pick.html", {"q": q, "candidates": candidates})


def household_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """A monitored household's procedures: start 风险消除 or 回退, see its cases."""
    household = get_visible_or_404(Household.objects.select_related("region"), request.user, pk=pk)
    exit_form = forms.ExitForm()
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind == Case.Kind.EXIT:
            exit_form = forms.ExitForm(request.POST)
        start = forms.StartForm(request.POST)
        try:
            if not start.is_valid():
                raise ValidationError(list(start.errors["start_date"]))
            case = services.open_household_case(
                actor=request.user,
                household=household,
                kind=kind,
                on=start.cleaned_data["start_date"],
                exit_reason=request.POST.get("exit_reason", ""),
                description=request.POST.get("description", ""),
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, f"已启动{case.get_kind_display()}程序")
            return redirect("monitoring:case_detail", case.pk)
    cases = Case.objects.filter(household=household).order_by("-id")
    eliminated = cases.filter(kind=Case.Kind.ELIMINATE, status=Case.Status.APPROVED).first()
    monitor = eliminated if household.risk_eliminated else None
    events = list(household.events.select_related("actor").order_by("date", "id"))
    texts = [e.reason for e in events]
    if monitor:
        texts += [monitor.monitor_contact, monitor.monitor_phone]
    return render(
        request,
        "monitoring/household_actions.html",
        {
            "household": household,
            "place": household.region.place(),
            "cases": cases,
            "events": events,
            "full_numbers": texts_in_full(request.user, household, texts, page="监测程序页"),
            "can_triage": can(request.user, Cap.TRIAGE, household.region),
            "exit_form": exit_form,
            "start_form": forms.StartForm(),
            "monitor": monitor,
        },
    )


# --- Settings (county admin) -------------------------------------------------------------------


def _county_admin(request: HttpRequest) -> None:
    require(request.user, Cap.SETTINGS, message="只有县级管理员可以修改政策设置")


def policy_settings(request: HttpRequest) -> HttpResponse:
    """Thresholds, deadlines, 公示 days, materials per step, elimination criteria per year,
    supervision telephones and the holiday calendar, with what applies today."""
    policy = DeadlinePolicy.current()
    year = today().year
    elimination = EliminationPolicy.for_year(year)
    shown = DeadlinePolicy.objects.filter(year=request.GET.get("deadline_year") or 0).first()
    deadline_form = forms.DeadlineForm(policy=shown or policy)
    holiday_form = forms.HolidayForm()
    materials_form = forms.MaterialsForm(policy=policy)
    elimination_form = forms.EliminationPolicyForm(
        instance=elimination if elimination.pk and elimination.year == year else None,
        initial={"year": year},
    )
    contact_form = forms.NoticeContactForm(user=request.user)
    label_form = forms.LabelForm(initial={"year": year})
    if request.method == "POST":
        _county_admin(request)
        section = request.POST.get("section", "")
        try:
            if section == "holiday":
                holiday_form = forms.HolidayForm(request.POST)
                if holiday_form.is_valid():
                    d = holiday_form.cleaned_data
                    services.set_holiday(
                        actor=request.user, date=d["date"], kind=d["kind"], name=d["name"]
                    )
                    messages.success(request, f"已保存 {d['date']:%Y-%m-%d}")
                    return redirect("monitoring:settings")
            elif section == "materials":
                materials_form = forms.MaterialsForm(request.POST, policy=policy)
                if materials_form.is_valid():
                    services.save_deadline_policy(
                        actor=request.user, policy=policy, materials=materials_form.materials()
                    )
                    messages.success(request, "各环节材料要求已保存")
                    return redirect("monitoring:settings")
            elif section == "elimination":
                elimination_form = forms.EliminationPolicyForm(request.POST)
                if elimination_form.is_valid():
                    row = services.save_elimination_policy(
                        actor=request.user, **elimination_form.cleaned_data
                    )
                    messages.success(request, f"已保存{row}")
                    return redirect("monitoring:settings")
            elif section == "labels":
                label_form = forms.LabelForm(request.POST)
                if label_form.is_valid():
                    named = services.save_policy_label(
                        actor=request.user, **label_form.cleaned_data
                    )
                    messages.success(request, f"已保存{named}")
                    return redirect("monitoring:settings")
            elif section == "contact":
                contact_form = forms.NoticeContactForm(request.POST, user=request.user)
                if contact_form.is_valid():
                    services.save_notice_contact(actor=request.user, **contact_form.cleaned_data)
                    messages.success(request, "公示监督电话已保存")
                    return redirect("monitoring:settings")
            else:
                deadline_form = forms.DeadlineForm(request.POST, policy=policy)
                if deadline_form.is_valid():
                    d = deadline_form.cleaned_data
                    saved = services.save_deadlines(
                        actor=request.user,
                        year=d["year"],
                        name=d["name"],
                        working_days=d["working_days"],
                        warn_days=d["warn_days"],
                        notice_days=d["notice_days"],
                        after_spending_formula=d["after_spending_formula"],
                        step_days=deadline_form.step_days(),
                    )
                    messages.success(
                        request, f"已保存{saved}；办理中环节的到期日已按各自起算年度重新计算"
                    )
                    return redirect("monitoring:settings")
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    region = getattr(request.user, "region", None)
    return render(
        request,
        "monitoring/settings.html",
        {
            "public_url": public_url(request, "/"),
            "public_configured": bool(django_settings.FANGPIN_PUBLIC_URL),
            "public_problem": address_problem(public_url(request, "/")),
            "thresholds": PolicyThreshold.objects.visible_to(request.user).select_related("region"),
            "current": threshold_for(region, today()),
            "policy": DeadlinePolicy.for_year(year),
            "default_policy": policy,
            "deadline_rows": DeadlinePolicy.objects.exclude(year=None).order_by("year"),
            "deadline_form": deadline_form,
            "holiday_form": holiday_form,
            "materials_form": materials_form,
            "material_grid": materials_form.grid(),
            "elimination": elimination,
            "eliminations": EliminationPolicy.objects.all(),
            "elimination_form": elimination_form,
            "contacts": NoticeContact.objects.select_related("region").filter(
                region__in=Region.objects.visible_to(request.user)
            ),
            "contact_form": contact_form,
            "label_form": label_form,
            "labels_now": core_labels.for_year(year),
            "label_rows": PolicyLabel.objects.all(),
            "holidays": Holiday.objects.filter(date__year__gte=today().year - 1),
            "is_admin": can(request.user, Cap.SETTINGS),
        },
    )


def threshold_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _county_admin(request)
    visible = PolicyThreshold.objects.visible_to(request.user)
    instance = visible.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise Http404("未找到")
    form = forms.ThresholdForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_threshold(actor=request.user, threshold=form.instance)
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, f"已保存：{form.instance.label()}")
            return redirect("monitoring:settings")
    return render(request, "monitoring/threshold_form.html", {"form": form})


@require_POST
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _county_admin(request)
    row = Holiday.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("未找到")
    services.delete_holiday(actor=request.user, holiday=row)
    messages.success(request, f"已删除 {row.date:%Y-%m-%d}")
    return redirect("monitoring:settings")


# What each button of the code-tables page does (core.services; the same as `fangpin codes`).
CODE_ACTIONS = {
    "add": core_services.add_value,
    "retire": core_services.retire_value,
    "restore": core_services.restore_value,
}
CODE_DONE = {"add": "已增加", "retire": "已停用", "restore": "已恢复"}


def code_tables(request: HttpRequest) -> HttpResponse:
    """Every code table of the year: its values (默认 / 新增 / 已停用) and aliases; county
    administrators add, retire and restore values and add aliases (core.services)."""
    form = forms.CodeYearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() and form.cleaned_data["year"] else None
    if request.method == "POST":
        require(request.user, Cap.SETTINGS, message="只有县级管理员可以修改代码表")
        post = forms.CodeEditForm(request.POST)
        if not post.is_valid():
            messages.error(
                request, "；".join(str(e) for errs in post.errors.values() for e in errs)
            )
            return redirect(f"{reverse('monitoring:code_tables')}?{request.GET.urlencode()}")
        d = post.cleaned_data
        try:
            if d["action"] == "alias":
                state = core_services.add_alias(
                    actor=request.user,
                    table=d["table"],
                    alias=d["alias"],
                    value=d["value"],
                    year=d["year"],
                )
                done = f"已增加别名“{d['alias']}”→“{d['value']}”"
            elif d["action"] == "unalias":
                state = core_services.remove_alias(
                    actor=request.user, table=d["table"], alias=d["alias"]
                )
                done = f"已删除别名“{d['alias']}”"
            else:
                state = CODE_ACTIONS[d["action"]](
                    actor=request.user, table=d["table"], value=d["value"], year=d["year"]
                )
                done = f"{CODE_DONE[d['action']]}“{d['value'].strip()}”"
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, f"代码表“{state.title}”：{done}")
        year_part = f"?year={d['year']}" if d["year"] else ""
        return redirect(f"{reverse('monitoring:code_tables')}{year_part}#t-{d['table']}")
    return render(
        request,
        "monitoring/code_tables.html",
        {
            "year": year or core_services.current_year(),
            "year_form": form if form.is_bound else forms.CodeYearForm(),
            "tables": core_services.table_states(year),
            "is_admin": can(request.user, Cap.SETTINGS),
        },
    )


def village_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable poster with the village's self-declaration QR code (inline SVG).

    Reading the page changes nothing: a village without a channel yet gets a button that opens
    one (POST).
    """
    import qrcode
    import qrcode.image.svg

    region = get_visible_or_404(Region.objects.all(), request.user, pk=pk)  # type: ignore[arg-type]
    if region.level != Region.Level.VILLAGE:
        raise Http404("请选择行政村")
    if request.method == "POST":
        services.channel_for(actor=request.user, region=region)
        return redirect("monitoring:village_qr", region.pk)
    channel = DeclarationChannel.objects.filter(region=region).first()
    context: dict[str, Any] = {
        "region": region,
        "can_open": can(request.user, Cap.REPORT_LEAD, region),
    }
    if channel is not None:
        url = public_url(request, reverse("public:declare", args=[channel.token]))
        svg = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
        context.update(
            {
                "url": url,
                "svg": svg.to_string(encoding="unicode"),
                "problem": address_problem(url) if can(request.user, Cap.REPORT_LEAD) else "",
            }
        )
    return render(request, "monitoring/village_qr.html", context)


def villages(request: HttpRequest) -> HttpResponse:
    """Villages of the user's region, each with its QR poster link."""
    qs = Region.objects.visible_to(request.user).filter(level=Region.Level.VILLAGE)
    page = Paginator(qs.order_by("path"), 50).get_page(request.GET.get("page"))
    return render(request, "monitoring/villages.html", {"page": page})
