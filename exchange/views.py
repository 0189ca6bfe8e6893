"""Pages of 部门比对: the work queue, item results, batches with upload and feedback, rules."""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core import audit, jobs
from core.dates import today
from core.masking import mask_id, mask_numbers
from core.permissions import Cap, can, require
from core.scoping import get_visible_or_404
from exchange import engine, parameters, readers, services
from exchange.engine import rules_dir
from exchange.forms import AssignForm, FilterForm, ResultForm, RuleForm, UploadForm
from exchange.models import SOURCE_CHOICES, Batch, Item, Rule, RuleRunStat
from regions.models import Region, place_names


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def index(request: HttpRequest) -> HttpResponse:
    """The work queue: warnings and findings of the user's region, filtered, with bulk assign."""
    items = Item.objects.visible_to(request.user)
    villages = list(
        Region.objects.visible_to(request.user).filter(level=3).values_list("pk", "name")
    )
    form = FilterForm(request.GET or None, villages=villages)
    if request.method == "POST":
        return _bulk_assign(request, items)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("kind"):
        items = items.filter(kind=filters["kind"])
    if filters.get("rule"):
        items = items.filter(rule=filters["rule"])
    if filters.get("source"):
        items = items.filter(source=filters["source"])
    if filters.get("severity"):
        items = items.filter(severity=filters["severity"])
    status = filters.get("status", "")
    if status == "":
        items = items.open()
    elif status != "all":
        items = items.filter(status=status)
    if filters.get("village"):
        village = Region.objects.filter(pk=filters["village"]).first()
        if village is not None:
            items = items.filter(region__path__startswith=village.path)
    if request.GET.get("format") == "xlsx":
        return _items_workbook(request, items)
    items = items.select_related("rule", "household", "region", "person", "assignee")
    page = Paginator(items.order_by("-last_seen", "-id"), 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    places = place_names(item.region for item in rows)
    for item in rows:
        item.place = places.get(item.region_id, "—") if item.region_id else "—"
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "exchange/index.html",
        {
            "page": page,
            "form": form,
            "query": query,
            "assign_form": AssignForm(user=request.user),
            "can_work": can(request.user, Cap.WORK_ITEMS),
        },
    )


def _items_workbook(request: HttpRequest, items: object) -> HttpResponse:
    """The whole filtered queue (every page) as a printable Excel 台账."""
    import io

    out = io.BytesIO()
    services.export_items(actor=request.user, items=items, out=out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    place = getattr(getattr(request.user, "region", None), "name", "")
    name = f"{place}预警与疑点清单{today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _bulk_assign(request: HttpRequest, items: object) -> HttpResponse:
    require(request.user, Cap.WORK_ITEMS)
    form = AssignForm(request.POST, user=request.user)
    ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()]
    chosen = list(items.filter(pk__in=ids))  # type: ignore[attr-defined]
    if not form.is_valid():
        messages.error(request, "请选择核实人")
    elif not chosen:
        messages.error(request, "请勾选要分派的条目")
    else:
        try:
            n = services.assign(
                actor=request.user, items=chosen, assignee=form.cleaned_data["assignee"]
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, f"已分派{n}条给{form.cleaned_data['assignee']}")
    return redirect(f"{reverse('exchange:index')}?{request.GET.urlencode()}")


def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One warning or finding: why it fired, its history, and the result form."""
    item = get_visible_or_404(
        Item.objects.select_related("rule", "household", "region", "person", "lead", "assignee"),
        request.user,
        pk=pk,
    )
    form = ResultForm(request.POST or None)
    if request.method == "POST":
        require(request.user, Cap.WORK_ITEMS)
        if form.is_valid():
            try:
                services.resolve(
                    actor=request.user,
                    item=item,
                    result=form.cleaned_data["result"],
                    note=form.cleaned_data["note"],
                    changed_fields=form.cleaned_data["changed_fields"].splitlines(),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errs in exc.message_dict.items():
                        name = {"result_note": "note"}.get(field, field)
                        form.add_error(name if name in form.fields else None, errs)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, "核实结果已登记")
                return redirect("exchange:item_detail", pk=item.pk)
    return render(
        request,
        "exchange/item_detail.html",
        {"item": item, "form": form, "can_work": can(request.user, Cap.WORK_ITEMS)},
    )


def batch_list(request: HttpRequest) -> HttpResponse:
    """Batches received, and the upload form (the comparison runs as a background job)."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(request.user, Cap.UPLOAD_BATCH)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = "." + upload.name.rsplit(".", 1)[-1].lower()
            target = rules_dir() / "uploads"
            target.mkdir(exist_ok=True)
            path = target / f"{uuid.uuid4().hex}{suffix}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            as_of = form.cleaned_data["as_of"]
            job = jobs.enqueue(
                "exchange.compare",
                title=f"比对{dict(SOURCE_CHOICES)[form.cleaned_data['source']]}数据：{upload.name}",
                params={
                    "path": str(path),
                    "source": form.cleaned_data["source"],
                    "filename": upload.name,
                    "as_of": as_of.isoformat() if as_of else "",
                },
                user=request.user,
            )
            return redirect("core:job", pk=job.pk)
    batches = Batch.objects.visible_to(request.user).select_related("created_by")
    page = Paginator(batches, 30).get_page(request.GET.get("page"))
    figures = services.batch_figures(request.user, page.object_list)
    rows = [(b, figures[b.pk]) for b in page.object_list]
    return render(
        request,
        "exchange/batch_list.html",
        {
            "page": page,
            "rows": rows,
            "shares": any(not f.whole for _, f in rows),
            "form": form,
            "sources": list(readers.SOURCES.values()),
        },
    )


KIND_LABELS = {
    "id": "18位居民身份证号码（可带或不带空格、小写x），或20/22位残疾人证号",
    "text": "文字",
    "date": "日期，如 2026-04-01、2026/4/1、20260401、2026-04、202604 或Excel日期",
    "money": "金额（元），数字，可带小数",
    "enum": "取值之一",
}


def _source_or_404(code: str) -> readers.Source:
    spec = readers.SOURCES.get(code)
    if spec is None:
        raise Http404("没有这种部门数据")
    return spec


def source_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One department's file: its columns, what each holds, and a template to download."""
    spec = _source_or_404(code)
    columns = [
        {
            "header": c.header,
            "required": c.required,
            "kind": KIND_LABELS.get(c.kind, c.kind),
            "values": "、".join(c.values),
        }
        for c in spec.columns
    ]
    return render(request, "exchange/source_detail.html", {"source": spec, "columns": columns})


def source_template(request: HttpRequest, code: str) -> HttpResponse:
    """An empty workbook with the source's headers (and one explanatory row) to fill in."""
    import io

    from core.xlsx import StreamWorkbook

    spec = _source_or_404(code)
    buffer = io.BytesIO()
    book = StreamWorkbook(
        buffer, sheet=spec.label, widths={i: 16 for i in range(len(spec.columns))}
    )
    book.write_row(spec.headers, header=True)
    book.close()
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"{spec.department}{spec.label}模板.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_visible_or_404(
        Batch.objects.select_related("created_by", "region"), request.user, pk=pk
    )
    items = (
        services.batch_items(Item.objects.visible_to(request.user), batch)
        .values("rule__code", "rule__name", "kind")
        .annotate(total=Count("pk"), open=Count("pk", filter=Q(status__in=["open", "assigned"])))
        .order_by("kind", "rule__code")
    )
    sensitive = can(request.user, Cap.REVEAL)
    figures = services.batch_figures(request.user, [batch])[batch.pk]
    # People the register does not hold, and the file's rejected rows, belong to no region: only
    # who sees the batch's whole scope reads them (a command's batch: only the whole county).
    unmatched = [
        {**u, "id_number": u["id_number"] if sensitive else mask_id(u["id_number"])}
        for u in (batch.unmatched_sample if figures.whole else [])
    ]
    # A rejected row's reason may quote its cell (金额“13800001111”不是有效金额): in full only to
    # its uploader (who gave the file) and to a user who may see full numbers, as an import's.
    uploader = batch.created_by_id is not None and batch.created_by_id == request.user.pk
    errors = batch.errors if figures.whole or uploader else []
    if not (sensitive or uploader):
        errors = [{**e, "message": mask_numbers(e.get("message"))} for e in errors]
    elif not uploader:
        audit.log_full_numbers(
            actor=request.user,
            obj=batch,
            texts=[u["id_number"] for u in unmatched] + [e.get("message") for e in errors],
            note="比对批次页面显示完整证件号码（未匹配人员、错误行）",
            region_id=batch.region_id,
        )
    return render(
        request,
        "exchange/batch_detail.html",
        {
            "batch": batch,
            "figures": figures,
            "rules": items,
            "unmatched": unmatched,
            "errors": errors,
        },
    )


def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    """核实结果反馈表 for the department that sent the batch."""
    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=pk)
    data = services.feedback_workbook(actor=request.user, batch=batch)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"核实结果反馈表-{batch.department}-{batch.as_of:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def rule_list(request: HttpRequest) -> HttpResponse:
    """Rules with their current-year parameters and figures of the last runs in the region."""
    engine.ensure_rules()
    stats = dict(
        RuleRunStat.objects.filter(Q(region__in=Region.objects.visible_to(request.user)))
        .values("rule_id")
        .annotate(total=Sum("fired"))
        .values_list("rule_id", "total")
    )
    open_counts = dict(
        Item.objects.visible_to(request.user)
        .open()
        .values("rule_id")
        .annotate(n=Count("pk"))
        .values_list("rule_id", "n")
    )
    year = today().year
    region = getattr(request.user, "region", None)
    rules = []
    for rule in Rule.objects.prefetch_related("yearly"):
        current, enabled = rule.setting_for(year, region)
        rules.append(
            {
                "rule": rule,
                "enabled": enabled,
                "current": [parameters.show(key, value) for key, value in current.items()],
                "fired_total": stats.get(rule.pk, 0),
                "open_count": open_counts.get(rule.pk, 0),
            }
        )
    can_check = can(request.user, Cap.WORK_ITEMS)
    if request.method == "POST":
        require(request.user, Cap.WORK_ITEMS)
        job = jobs.enqueue("exchange.check", title="数据质量校验", user=request.user)
        return redirect("core:job", pk=job.pk)
    return render(
        request,
        "exchange/rule_list.html",
        {"rules": rules, "year": year, "can_check": can_check},
    )


def _year(request: HttpRequest) -> int:
    """?year= of the rule page: this year by default; anything but a plausible year is a 400."""
    raw = request.GET.get("year", "").strip()
    this_year = today().year
    if not raw:
        return this_year
    if not raw.isdigit() or not 2014 <= int(raw) <= this_year + 1:
        raise BadRequest(f"年度“{raw[:20]}”无效，应为2014到{this_year + 1}之间的年份")
    return int(raw)


def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """County admins set a rule's parameters for a year."""
    require(request.user, Cap.SETTINGS, message="只有县级管理员可以修改规则参数")
    rule = get_object_or_404(Rule, pk=pk)
    year = _year(request)
    current, enabled = rule.setting_for(year, getattr(request.user, "region", None))
    form = RuleForm(
        request.POST or None,
        initial={"year": year, "enabled": enabled},
        defaults=rule.parameters,
        current=current,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_rule_parameters(
                actor=request.user,
                rule=rule,
                year=form.cleaned_data["year"],
                parameters=form.cleaned_data["parameters"],
                enabled=form.cleaned_data["enabled"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已保存{form.cleaned_data['year']}年度的规则参数")
            return redirect("exchange:rule_list")
    return render(request, "exchange/rule_edit.html", {"rule": rule, "form": form})
