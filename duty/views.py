"""责任落实 pages: problems and their 销号, the roll-up and its Excel 台账, work teams and their
rotation, the monthly 学习/例会/督查 table, a village's page, grids and pairings. Thin: scoping by
`visible_to`, capabilities by core.permissions, changes by duty.services."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import audit, dates, hooks
from core.masking import mask_numbers, text_contains
from core.permissions import Cap, can, require
from core.scoping import get_visible_or_404
from core.xlsx import XLSX
from duty import figures, forms, services, workbook
from duty.checks import MONTHLY, monthly_gaps
from duty.models import (
    Evidence,
    GridHousehold,
    GridRole,
    GridUnit,
    Pairing,
    Problem,
    RectificationRow,
    Status,
    WorkTeamMember,
)
from ledgers.figures import requested_year
from regions.models import (
    Region,
    get_visible_region_or_404,
    own_region,
    place_names,
    requested_region,
)
from registry.models import Household


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _form_errors(form: Any, exc: ValidationError) -> None:
    """A service's refusal shown on the form: at its field, or above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(key if key in form.fields else None, message)


def index(request: HttpRequest) -> HttpResponse:
    """责任落实 at a glance for the user's region: this year's problems, teams, grid and
    pairings, with the way into each page."""
    region = own_region(request.user)
    today = dates.today()
    start = dt.date(today.year, 1, 1)
    return render(
        request,
        "duty/index.html",
        {
            "region": region,
            "year": today.year,
            "rollup": figures.rollup(region, today.year),
            "inspections": figures.inspections(region, start, today),
            "teams": figures.teams(region, start, today),
            "grid": figures.grid(region, start, today),
            "pairings": figures.pairings(region, today),
        },
    )


# -- problems ---------------------------------------------------------------------------------


def problems(request: HttpRequest) -> HttpResponse:
    """Problems of the user's region: filters, 50 a page, the overdue measures of each."""
    form = forms.ProblemFilter(request.GET or None, viewer=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = Problem.objects.visible_to(request.user).select_related("region", "region__parent")
    if data.get("region") is not None:
        qs = qs.filter(region__path__startswith=data["region"].path)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("source"):
        qs = qs.filter(source=data["source"])
    if data.get("alert"):
        qs = qs.filter(measures__alert=data["alert"]).distinct()
    if data.get("q"):
        full = can(request.user, Cap.REVEAL)
        qs = qs.filter(
            Q(number__contains=data["q"]) | text_contains("description", data["q"], full=full)
        )
    page = Paginator(qs.order_by("number"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "duty/problems.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": bool(data)},
    )


def _problem(request: HttpRequest, pk: int) -> Problem:
    return get_visible_or_404(
        Problem.objects.select_related("region", "region__parent", "scope", "closed_by"),
        request.user,
        pk=pk,
    )


def problem(request: HttpRequest, pk: int) -> HttpResponse:
    """A problem: its measures with their progress, evidence and overdue marks; the 销号
    review (who may, and why not yet); the linked rule and its open items; the reviews."""
    p = _problem(request, pk)
    user: Any = request.user
    measures = p.measures.select_related("completed_by").prefetch_related(
        "evidence", Prefetch("notes", to_attr="note_list")
    )
    pending = services.open_items(p)
    rule = hooks.call("exchange.rule", p.rule_code) if p.rule_code else None
    may_review = can(user, Cap.REVIEW, p.region) and services.is_above(user.region, p.region)
    makers = services.makers(p)
    blockers = []
    if p.status != Status.CLOSED:
        left = sum(m.status == Status.OPEN for m in measures)
        if left:
            blockers.append(f"还有{left}条整改措施未完成")
        if pending:
            blockers.append(f"关联规则{p.rule_code}仍有{pending}条未办结的问题数据")
        if user.pk in makers:
            blockers.append("您完成了其中的措施，须由其他人审核")
    return render(
        request,
        "duty/problem.html",
        {
            "problem": p,
            "measures": measures,
            "pending": pending,
            "rule": rule,
            "items_url": (
                f"{reverse('exchange:index')}?rule={rule['id']}"
                + (f"&village={p.rule_scope.pk}" if p.rule_scope.level == 3 else "")
            )
            if rule
            else "",
            "reviews": p.reviews.select_related("actor"),
            "can_edit": can(user, Cap.EDIT_LEDGER, p.region) and p.status != Status.CLOSED,
            "can_review": may_review and user.pk not in makers and p.status != Status.CLOSED,
            "can_reopen": may_review and p.status == Status.CLOSED,
            "may_review": may_review,
            "blockers": blockers,
            "review_form": forms.ReviewForm(),
            "reason_form": forms.ReasonForm(),
            "progress_form": forms.ProgressForm(),
            "evidence_form": forms.EvidenceForm(),
            "rule_form": forms.RuleForm(
                viewer=user,
                region=p.region,
                initial={"rule_code": p.rule_code, "scope": p.scope_id or ""},
            ),
            "new_measure": reverse("ledgers:new", args=["rectification"])
            + "?"
            + urlencode(
                {
                    "problem_no": p.number,
                    "measure_no": p.measure_count + 1,
                    "source": p.source,
                    "category": p.category,
                    # Masked in the link (a page's links are read like the page) and so in the
                    # form; the saved measure takes its problem's own texts (save_row).
                    "description": mask_numbers(p.description),
                    "lead_unit": mask_numbers(p.lead_unit),
                    "region": p.region_id,
                    "rule_code": p.rule_code,
                }
            ),
        },
    )


@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    p = _problem(request, pk)
    require(request.user, Cap.REVIEW, p.region)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结论并填写审核意见")
        return redirect("duty:problem", p.pk)
    try:
        services.review(
            actor=request.user,
            problem=p,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"已{form.cleaned_data['decision']}")
    return redirect("duty:problem", p.pk)


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    p = _problem(request, pk)
    require(request.user, Cap.REVIEW, p.region)
    form = forms.ReasonForm(request.POST)
    try:
        services.reopen(
            actor=request.user,
            problem=p,
            reason=form.data.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已重新打开，措施恢复为整改中")
    return redirect("duty:problem", p.pk)


@require_POST
def link_rule(request: HttpRequest, pk: int) -> HttpResponse:
    p = _problem(request, pk)
    require(request.user, Cap.EDIT_LEDGER, p.region)
    form = forms.RuleForm(request.POST, viewer=request.user, region=p.region)
    if form.is_valid():
        try:
            services.link_rule(
                actor=request.user,
                problem=p,
                rule_code=form.cleaned_data["rule_code"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, "已保存关联规则")
    else:
        messages.error(request, "规则范围无效")
    return redirect("duty:problem", p.pk)


def from_items(request: HttpRequest) -> HttpResponse:
    """系统问题数据 → 问题: pick a rule with open items and a region; one problem is made."""
    require(request.user, Cap.EDIT_LEDGER)
    rules = hooks.call("exchange.open_item_rules", own_region(request.user))
    form = forms.FromItemsForm(
        request.POST or None,
        viewer=request.user,
        rules=rules,
        initial={"rule_code": request.GET.get("rule", ""), "region": request.GET.get("region")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            p = services.create_from_items(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已生成整改问题{p.number}（{p.from_items}条问题数据）")
            return redirect("duty:problem", p.pk)
    return render(request, "duty/from_items.html", {"form": form, "rules": rules})


def _measure(request: HttpRequest, pk: int) -> RectificationRow:
    return get_visible_or_404(
        RectificationRow.objects.select_related("problem", "region"), request.user, pk=pk
    )


@require_POST
def measure_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """complete / undo / progress / evidence on one measure."""
    m = _measure(request, pk)
    require(request.user, Cap.EDIT_LEDGER, m.region)
    back = redirect(reverse("duty:problem", args=[m.problem_id]) + f"#m{m.pk}")
    try:
        if action == "complete":
            services.complete_measure(
                actor=request.user, measure=m, note=request.POST.get("note", "")
            )
            messages.success(request, "措施已标记为已完成")
        elif action == "undo":
            services.undo_measure(
                actor=request.user, measure=m, reason=request.POST.get("reason", "")
            )
            messages.success(request, "已撤回完成")
        elif action == "progress":
            form = forms.ProgressForm(request.POST)
            if not form.is_valid():
                raise ValidationError("请填写整改进展和日期")
            services.add_progress(actor=request.user, measure=m, **form.cleaned_data)
            messages.success(request, "已填报整改进展")
        elif action == "evidence":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError("请选择要上传的文件")
            services.add_evidence(actor=request.user, measure=m, upload=upload)
            messages.success(request, "已上传佐证材料")
        else:
            raise Http404("未知操作")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return back


def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """A 佐证材料 file, for users who may see the measure (otherwise 404); downloads audited."""
    e = get_visible_or_404(Evidence.objects.select_related("measure"), request.user, pk=pk)
    if not default_storage.exists(e.file):
        raise Http404("文件不存在")
    audit.record(
        actor=request.user,
        action="export",
        obj=e,
        region_id=e.measure.region_id,
        note=f"查看佐证材料 {mask_numbers(e.name)}",
    )
    inline = e.content_type.startswith("image/") or e.content_type == "application/pdf"
    response = FileResponse(
        default_storage.open(e.file, "rb"),
        content_type=e.content_type,
        as_attachment=not inline,
        filename=mask_numbers(e.name),  # as the page shows it: a name may hold an ID number
    )
    response["Cache-Control"] = "private, max-age=600"
    return response


def rollup(request: HttpRequest) -> HttpResponse | FileResponse:
    """问题整改 county › town › village: problems and measures by level, 来源 and 状态, each
    sub-region to drill into; `?format=xlsx` gives the 四清单 台账 for printing."""
    region = requested_region(request)
    year = requested_year(request)
    if request.GET.get("format") == "xlsx":
        require(request.user, Cap.EXPORT)
        out = io.BytesIO()
        count = workbook.four_lists(region, year, out, full=can(request.user, Cap.REVEAL))
        audit.record(
            actor=request.user,
            action="export",
            obj=region,
            region_id=region.pk,
            note=f"导出{region.name}{year}年问题整改四清单（{count}条措施）",
        )
        out.seek(0)
        name = f"问题整改四清单-{region.name}-{year}.xlsx"
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
    return render(
        request,
        "duty/rollup.html",
        {
            "region": region,
            "year": year,
            "found": figures.rollup(region, year),
            "children": figures.children(region, year),
            "ancestors": region.ancestors() if region != own_region(request.user) else [],
        },
    )


# -- 驻村工作队 and 督查与例会 ---------------------------------------------------------------------


def _on(request: HttpRequest) -> dt.date:
    try:
        return (
            dt.date.fromisoformat(request.GET.get("on") or "")
            if request.GET.get("on")
            else dates.today()
        )
    except ValueError as exc:
        raise Http404("日期无效") from exc


def teams(request: HttpRequest) -> HttpResponse:
    """Work-team members in post on a date (today unless ?on=), by village, with rotation."""
    region = requested_region(request)
    on = _on(request)
    members = list(
        services.in_post(region, on)
        .visible_to(request.user)
        .select_related("region", "region__parent")
        .order_by("region__path", "post", "name")
    )
    services.show_phones(actor=request.user, members=members, region=region)
    return render(
        request,
        "duty/teams.html",
        {
            "region": region,
            "on": on,
            "members": members,
            "rotate_form": forms.RotateForm(initial={"on": dates.today()}),
            "can_edit": can(request.user, Cap.EDIT_LEDGER),
        },
    )


@require_POST
def rotate(request: HttpRequest, pk: int) -> HttpResponse:
    leaving = get_visible_or_404(
        WorkTeamMember.objects.select_related("region"), request.user, pk=pk
    )
    require(request.user, Cap.EDIT_LEDGER, leaving.region)
    form = forms.RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写轮换日期、接任人姓名和职务")
    else:
        try:
            services.rotate(actor=request.user, leaving=leaving, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, f"已轮换：{leaving.name} → {form.cleaned_data['name']}")
    return redirect(reverse("duty:teams") + f"?region={leaving.region_id}")


def monthly(request: HttpRequest) -> HttpResponse:
    """每月一学习、一例会、一督查: per town (or village with ?level=3) and month of the year, what
    is missing; and the 通报 of each village's team."""
    region = requested_region(request)
    year = requested_year(request)
    wanted = Region.Level.VILLAGE if request.GET.get("level") == "3" else Region.Level.TOWN
    level = max(int(wanted), region.level)
    today = dates.today()
    until = 12 if year < today.year else today.month
    gaps = monthly_gaps(region, year, until, level=level, types=MONTHLY)
    units = Region.objects.filter(pk__in=gaps).order_by("path")
    months = [f"{year}-{m:02d}" for m in range(1, until + 1)]
    table = [{"region": u, "cells": [gaps[u.pk].get(m, []) for m in months]} for u in units]
    found = figures.inspections(region, dt.date(year, 1, 1), dt.date(year, 12, 31))
    villages = Region.objects.in_bulk(list(found["reported_by_village"]))
    reported = sorted(
        ((villages[pk], n) for pk, n in found["reported_by_village"].items()),
        key=lambda t: -t[1],
    )
    return render(
        request,
        "duty/monthly.html",
        {
            "region": region,
            "year": year,
            "months": months,
            "table": table,
            "found": found,
            "reported": reported,
            "level": level,
        },
    )


def village(request: HttpRequest, pk: int) -> HttpResponse:
    """A village's 责任落实: its work team (in post, and the history), pairings, grids and
    coverage, problems, and this year's 督查与例会."""
    v = get_visible_region_or_404(request.user, pk)
    if v.level != Region.Level.VILLAGE:
        raise Http404("不是行政村")
    today = dates.today()
    start = dt.date(today.year, 1, 1)
    stints = list(WorkTeamMember.objects.filter(region=v).order_by("-start", "name"))
    services.show_phones(actor=request.user, members=stints, region=v)
    pairings = list(Pairing.objects.filter(village=v).order_by("kind", "-start"))
    return render(
        request,
        "duty/village.html",
        {
            "village": v,
            "stints": stints,
            "in_post": [
                s for s in stints if s.start <= today and (s.end is None or s.end >= today)
            ],
            "pairings": pairings,
            "full_numbers": _pairings_in_full(request, v, pairings),
            "current_pairings": services.pairings_on(v, today).count(),
            "units": GridUnit.objects.filter(region__path__startswith=v.path).prefetch_related(
                Prefetch(
                    "roles",
                    queryset=GridRole.objects.current().order_by("role"),
                    to_attr="current_roles",
                )
            ),
            "coverage": next(iter(services.coverage(v)), None),
            "problems": Problem.objects.filter(region__path__startswith=v.path).order_by("number"),
            "inspections": figures.inspections(v, start, today),
            "today": today,
        },
    )


# -- 网格 ---------------------------------------------------------------------------------------


def grid(request: HttpRequest) -> HttpResponse:
    """Grids of a region with their current roles, and coverage per village."""
    region = requested_region(request)
    units = (
        GridUnit.objects.visible_to(request.user)
        .filter(region__path__startswith=region.path)
        .select_related("region", "region__parent")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=GridRole.objects.current().order_by("role", "name"),
                to_attr="current_roles",
            )
        )
    )
    # One query for every unit's place (Region.full_name is a query per row).
    listed = list(units)
    places = place_names(u.region for u in listed)
    for u in listed:
        u.place = places[u.region_id]
    return render(
        request,
        "duty/grid.html",
        {
            "region": region,
            "units": listed,
            "coverage": services.coverage(region),
            "form": forms.GridUnitForm(viewer=request.user),
            "can_plan": can(request.user, Cap.PLAN),
        },
    )


@require_POST
def grid_unit_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.PLAN)
    form = forms.GridUnitForm(request.POST, viewer=request.user)
    if not form.is_valid():
        messages.error(request, "请选择网格所在区划")
        return redirect("duty:grid")
    try:
        unit = services.save_grid_unit(actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("duty:grid")
    messages.success(request, f"已新建网格“{unit.name}”")
    return redirect("duty:grid_unit", unit.pk)


def grid_unit(request: HttpRequest, pk: int) -> HttpResponse:
    """A grid: its roles (current and past), adding and ending a role, and assigning households
    to a 网格员 by 户编号."""
    unit = get_visible_or_404(GridUnit.objects.select_related("region"), request.user, pk=pk)
    roles = list(unit.roles.select_related("user").order_by("end", "role", "name"))
    members = [
        r
        for r in roles
        if r.role == GridRole.Role.MEMBER and (r.end is None or r.end >= dates.today())
    ]
    role_form = forms.GridRoleForm(request.POST or None, viewer=request.user)
    assign_form = forms.AssignForm(members=members)
    if request.method == "POST":
        require(request.user, Cap.PLAN, unit.region)
        if request.POST.get("do") == "assign":
            assign_form = forms.AssignForm(request.POST, members=members)
            if assign_form.is_valid():
                return _assign(request, unit, members, assign_form)
        elif role_form.is_valid():
            try:
                services.add_grid_role(actor=request.user, unit=unit, **role_form.cleaned_data)
            except ValidationError as exc:
                _form_errors(role_form, exc)
            else:
                messages.success(request, "已添加")
                return redirect("duty:grid_unit", unit.pk)
    counts = {
        r["member_id"]: r["n"]
        for r in GridHousehold.objects.filter(member__unit=unit)
        .values("member_id")
        .annotate(n=Count("pk"))
    }
    for r in roles:
        r.household_count = counts.get(r.pk, 0)
    return render(
        request,
        "duty/grid_unit.html",
        {
            "unit": unit,
            "full_numbers": audit.shows_full_numbers(
                actor=request.user,
                obj=unit,
                texts=[unit.note],
                note="网格页显示备注中的完整证件号码或电话",
                region_id=unit.region_id,
            ),
            "roles": roles,
            "role_form": role_form,
            "assign_form": assign_form,
            "can_plan": can(request.user, Cap.PLAN, unit.region),
            "today": dates.today(),
        },
    )


def _assign(
    request: HttpRequest, unit: GridUnit, members: list[GridRole], form: forms.AssignForm
) -> HttpResponse:
    member = next(m for m in members if str(m.pk) == form.cleaned_data["member"])
    numbers = form.numbers()
    found = {
        h.number: h
        for h in Household.objects.visible_to(request.user)
        .filter(number__in=numbers)
        .select_related("region")
    }
    missing = [n for n in numbers if n not in found]
    if missing:
        messages.error(request, f"以下户编号不在您的管辖范围内或不存在：{'、'.join(missing[:10])}")
        return redirect("duty:grid_unit", unit.pk)
    try:
        n = services.assign_households(actor=request.user, member=member, households=found.values())
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"已将{n}户分配给网格员{member.name}")
    return redirect("duty:grid_unit", unit.pk)


@require_POST
def grid_role_end(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_visible_or_404(GridRole.objects.select_related("unit__region"), request.user, pk=pk)
    require(request.user, Cap.PLAN, role.unit.region)
    try:
        on = dt.date.fromisoformat(request.POST.get("on", ""))
        services.end_grid_role(actor=request.user, role=role, on=on)
    except ValueError:
        messages.error(request, "请填写有效的结束日期")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"{role.name}的{role.role}职责已结束")
    return redirect("duty:grid_unit", role.unit_id)


def grid_mine(request: HttpRequest) -> HttpResponse:
    """我的网格户: exactly the households assigned to the user as 网格员, with what is due for
    each (visit overdue, screening to fill in, open leads and procedures)."""
    households = list(
        services.grid_households(request.user)
        .visible_to(request.user)
        .select_related("region", "region__parent")
        .order_by("region__path", "number")
    )
    ids = [h.pk for h in households]
    today = dates.today()
    dues = hooks.call("assistance.household_dues", ids, today)
    work = hooks.call("monitoring.household_work", ids)
    rows = [{"household": h, **dues[h.pk], **work[h.pk]} for h in households]
    rows.sort(key=lambda r: (not r["visit_due"], -r["leads"], -r["screenings"]))
    return render(request, "duty/grid_mine.html", {"rows": rows, "today": today})


# -- 结对帮扶 -----------------------------------------------------------------------------------


def _pairings_in_full(request: HttpRequest, region: Region, rows: list[Pairing]) -> bool:
    """Whether a page prints its pairings' 联系人 and 帮扶内容 with the numbers in them in full
    (to who may see phones, as the work team's; the sight logged)."""
    return audit.shows_full_numbers(
        actor=request.user,
        obj=region,
        texts=[t for p in rows for t in (p.contact, p.note)],
        note=f"查看{region.name}结对帮扶联系人完整电话（{len(rows)}个）",
        region_id=region.pk,
    )


def pairings(request: HttpRequest) -> HttpResponse:
    """Pairings of the user's region (current and ended) with a form for a new one."""
    region = requested_region(request)
    form = forms.PairingForm(request.POST or None, viewer=request.user)
    if request.method == "POST":
        require(request.user, Cap.EDIT_LEDGER)
        if form.is_valid():
            try:
                services.save_pairing(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "已登记结对帮扶")
                return redirect("duty:pairings")
    rows = list(
        Pairing.objects.visible_to(request.user)
        .filter(village__path__startswith=region.path)
        .select_related("village", "village__parent")
        .order_by("kind", "village__path", "-start")
    )
    return render(
        request,
        "duty/pairings.html",
        {
            "region": region,
            "rows": rows,
            "full_numbers": _pairings_in_full(request, region, rows),
            "counts": figures.pairings(region, dates.today()),
            "form": form,
            "can_edit": can(request.user, Cap.EDIT_LEDGER),
            "today": dates.today(),
        },
    )
