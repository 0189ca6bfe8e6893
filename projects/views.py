"""Project pages: the county's progress (per project, by town, for the region, by month), a
project's page (payments, assets, 联农带农 households, changes and their 变更批复) and the asset
register with its Excel 总账 and 明细台账. Thin: scoping by `visible_to`, capabilities by
core.permissions, changes by projects.services, figures by projects.figures."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import audit, dates
from core.permissions import Cap, can, require
from core.scoping import get_visible_or_404
from core.xlsx import XLSX
from ledgers.figures import requested_year
from projects import figures, forms, services, workbook
from projects.models import Asset, Beneficiary, Project, ProjectPayment
from regions.models import own_region, requested_region
from registry.models import Household

PAGE_SIZE = 50


def progress(request: HttpRequest) -> HttpResponse | FileResponse:
    """The year's projects of a region: totals, by town (village), per project (the slowest
    first, 50 a page), behind plan, 产业 share, and 支出进度 by month."""
    region = requested_region(request)
    year = requested_year(request)
    form = forms.ProgressFilter(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = {k: data[k] for k in ("batch", "category") if data.get(k)}
    params = figures.parameters(year, region)
    found = figures.progress(region, year, dates.today(), params, filters)
    if request.GET.get("format") == "xlsx":
        require(request.user, Cap.EXPORT)
        out = io.BytesIO()
        funds = figures.project_funds([p["pk"] for p in found["projects"]])
        count = workbook.progress_workbook(found, funds, out)
        audit.record(
            actor=request.user,
            action="export",
            obj=region,
            region_id=region.pk,
            note=f"导出{region.name}{year}年衔接资金项目进度表（{count}个项目）",
        )
        out.seek(0)
        return FileResponse(
            out,
            as_attachment=True,
            filename=f"衔接资金项目进度-{region.name}-{year}.xlsx",
            content_type=XLSX,
        )
    ordered = sorted(
        found["projects"], key=lambda p: (p["rate"] is None, p["rate"] or 0, p["project_no"])
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    funds = figures.project_funds([p["pk"] for p in page])
    for p in page:
        # Shown as text: a page of 50 rows would otherwise format ~400 numbers in the template.
        p["funds_shown"] = [figures.money(v) for v in funds.get(p["pk"], {}).values()]
        p["paid_shown"] = figures.money(p["paid"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/progress.html",
        {
            "region": region,
            "year": year,
            "form": form,
            "found": found,
            "page": page,
            "query": query.urlencode(),
            "chart": figures.chart(found),
            "params": params,
            "ancestors": region.ancestors() if region != own_region(request.user) else [],
        },
    )


def _project(request: HttpRequest, pk: int) -> Project:
    return get_visible_or_404(
        Project.objects.select_related("region", "region__parent"), request.user, pk=pk
    )


def project(request: HttpRequest, pk: int) -> HttpResponse:
    """One project: its figures, payments over time, assets, the households it benefits and
    the changes of its 建设内容 and budget with their 变更批复."""
    p = _project(request, pk)
    payments = list(
        ProjectPayment.objects.visible_to(request.user)
        .filter(project_no=p.project_no)
        .order_by("paid_date", "pk")
    )
    running, over_time = 0, []
    for pay in payments:
        running += pay.amount or 0
        over_time.append({"payment": pay, "cumulative": running})
    allocated = p.allocated
    chart = {
        "dates": [
            f"{r['payment'].paid_date:%Y-%m-%d}" if r["payment"].paid_date else "—"
            for r in over_time
        ],
        "paid": [float(r["payment"].amount or 0) / 10000 for r in over_time],
        "cumulative": [float(r["cumulative"]) / 10000 for r in over_time],
        "allocated": float(allocated) / 10000,
    }
    changes = services.plan_changes(Project.objects.filter(pk=p.pk))
    return render(
        request,
        "projects/project.html",
        {
            "p": p,
            "allocated": allocated,
            "paid": running,
            "rate": figures.percent(running, allocated),
            "payments": over_time,
            "chart": chart,
            # 来源项目编号 is free text: an asset of another region may name the project.
            "assets": Asset.objects.visible_to(request.user)
            .filter(project_no=p.project_no)
            .order_by("asset_no"),
            # Households outside the user's region (a town project's, seen from a village) are
            # counted, not shown.
            "beneficiaries": Beneficiary.objects.filter(
                project=p, household__in=Household.objects.visible_to(request.user)
            )
            .select_related("household", "household__region")
            .order_by("household__number"),
            "beneficiaries_all": Beneficiary.objects.filter(project=p).count(),
            "changes": changes,
            "can_edit": can(request.user, Cap.EDIT_LEDGER, p.region),
            "beneficiary_form": forms.BeneficiaryForm(),
            "approval_form": forms.ApprovalForm(initial={"approved_on": dates.today()}),
        },
    )


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


@require_POST
def beneficiary_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = _project(request, pk)
    require(request.user, Cap.EDIT_LEDGER, p.region)
    form = forms.BeneficiaryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写户编号")
        return redirect("projects:project", pk=p.pk)
    household = (
        Household.objects.visible_to(request.user)
        .select_related("region")
        .filter(number=form.cleaned_data["number"].strip())
        .first()
    )
    if household is None:
        messages.error(request, f"您管辖范围内没有户编号为{form.cleaned_data['number']}的户")
        return redirect("projects:project", pk=p.pk)
    try:
        services.add_beneficiary(
            actor=request.user, project=p, household=household, how=form.cleaned_data["how"]
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已登记联农带农户{household.number}")
    return redirect("projects:project", pk=p.pk)


@require_POST
def beneficiary_remove(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    p = _project(request, pk)
    require(request.user, Cap.EDIT_LEDGER, p.region)
    found = Beneficiary.objects.filter(project=p, pk=row).select_related("project").first()
    if found is None:
        raise Http404("未找到")
    services.remove_beneficiary(actor=request.user, row=found)
    messages.success(request, "已移除联农带农户")
    return redirect("projects:project", pk=p.pk)


@require_POST
def approval_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = _project(request, pk)
    require(request.user, Cap.EDIT_LEDGER, p.region)
    form = forms.ApprovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写批复文号和批复日期")
        return redirect("projects:project", pk=p.pk)
    data = form.cleaned_data
    try:
        services.record_approval(
            actor=request.user,
            project=p,
            change_id=data["change"],
            document_no=data["document_no"],
            approved_on=data["approved_on"],
            note=data["note"],
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已登记变更批复{data['document_no']}")
    return redirect("projects:project", pk=p.pk)


def assets(request: HttpRequest) -> HttpResponse | FileResponse:
    """The asset register of a region: by sub-region and by 类别, 确权, 状态; `?format=total`
    the 总账 and `?format=detail` the 明细台账 as Excel for printing."""
    region = requested_region(request)
    year = requested_year(request)
    kind = request.GET.get("format")
    if kind in ("total", "detail"):
        require(request.user, Cap.EXPORT)
        out = io.BytesIO()
        write: Any = workbook.asset_total if kind == "total" else workbook.asset_detail
        count = write(region, year, out)
        label = "资产总账" if kind == "total" else "资产明细台账"
        audit.record(
            actor=request.user,
            action="export",
            obj=region,
            region_id=region.pk,
            note=f"导出{region.name}{year}年帮扶项目{label}（{count}项资产）",
        )
        out.seek(0)
        return FileResponse(
            out,
            as_attachment=True,
            filename=f"帮扶项目{label}-{region.name}-{year}.xlsx",
            content_type=XLSX,
        )
    return render(
        request,
        "projects/assets.html",
        {
            "region": region,
            "year": year,
            "register": workbook.register(region, year),
            "ancestors": region.ancestors() if region != own_region(request.user) else [],
        },
    )
