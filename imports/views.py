"""Import pages (upload → check job → preview → confirm → import job → result) and the exports."""

from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import audit, exports, jobs, pipeline
from core.masking import mask_numbers
from core.permissions import Cap, can, require
from core.scoping import get_visible_or_404
from core.xlsx import XLSX
from imports import services
from imports.forms import ConfirmForm, UploadForm
from imports.importers import template as template_workbook
from imports.models import ImportBatch

PREVIEW_ROWS = 50


def index(request: HttpRequest) -> HttpResponse:
    """导入导出: the upload form, the template, the export, and the imports of the user's region."""
    batches = ImportBatch.objects.visible_to(request.user).select_related("created_by")
    page = Paginator(batches, 30).get_page(request.GET.get("page"))
    form = UploadForm(initial={"kind": request.GET.get("kind") or "registry"})
    return render(
        request,
        "imports/index.html",
        {
            "page": page,
            "form": form,
            "can_import": can(request.user, Cap.IMPORT),
            "kinds": pipeline.kinds(),
        },
    )


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.IMPORT)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        batches = ImportBatch.objects.visible_to(request.user).select_related("created_by")
        page = Paginator(batches, 30).get_page(1)
        return render(
            request,
            "imports/index.html",
            {"page": page, "form": form, "can_import": True, "kinds": pipeline.kinds()},
            status=400,
        )
    kind = form.cleaned_data["kind"]
    if reason := pipeline.kind(kind).refusal(request.user):
        raise PermissionDenied(reason)
    batch = services.create_batch(actor=request.user, upload=form.cleaned_data["file"], kind=kind)
    job = jobs.enqueue(
        "imports.check",
        title=f"检查{pipeline.kind(kind).name} {batch.file_name}",
        params={"batch": batch.pk},
        user=request.user,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    return redirect("core:job", job.pk)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview (before confirmation) or result (after) of one batch."""
    batch = get_visible_or_404(
        ImportBatch.objects.select_related("created_by", "job"), request.user, pk=pk
    )
    counts = batch.counts or {}
    errors, warnings = batch.errors[:PREVIEW_ROWS], batch.warnings[:PREVIEW_ROWS]
    if not _full(request, batch):
        errors, warnings = _masked(errors), _masked(warnings)
    elif batch.created_by_id != request.user.pk:
        # Another's file in full, to a user who may see full numbers: a read like any other.
        audit.log_full_numbers(
            actor=request.user,
            obj=batch,
            texts=[e.get(k) for e in (*errors, *warnings) for k in ("value", "message")],
            note="导入批次页面显示完整证件号码或电话（错误和提示）",
            region_id=batch.region_id,
        )
    return render(
        request,
        "imports/detail.html",
        {
            "batch": batch,
            "counts": counts,
            "errors": errors,
            "warnings": warnings,
            "warning_count": counts.get("warning_count", len(batch.warnings)),
            "regions_to_create": counts.get("regions_to_create", []),
            "kind_name": pipeline.kind(batch.kind).name,
            "form": ConfirmForm(),
            "can_confirm": can(request.user, Cap.IMPORT)
            and batch.status == ImportBatch.Status.VALID,
        },
    )


@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_visible_or_404(ImportBatch.objects.all(), request.user, pk=pk)
    require(request.user, Cap.IMPORT)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        services.confirm_batch(
            actor=request.user,
            batch=batch,
            create_regions=bool(form.cleaned_data.get("create_regions")),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("imports:detail", batch.pk)
    job = jobs.enqueue(
        "imports.apply",
        title=f"导入{pipeline.kind(batch.kind).name} {batch.file_name}",
        params={"batch": batch.pk},
        user=request.user,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    return redirect("core:job", job.pk)


def _full(request: HttpRequest, batch: ImportBatch) -> bool:
    """Whether the user reads a batch's cells in full: its uploader (who gave the file) or a user
    who may see full numbers."""
    return batch.created_by_id == request.user.pk or can(request.user, Cap.REVEAL)


def _masked(items: list[dict]) -> list[dict]:
    """Errors or warnings with the ID numbers and phones in their values and messages masked."""
    return [
        {**e, "value": mask_numbers(e.get("value")), "message": mask_numbers(e.get("message"))}
        for e in items
    ]


def error_file(request: HttpRequest, pk: int) -> FileResponse:
    batch = get_visible_or_404(ImportBatch.objects.all(), request.user, pk=pk)
    path = Path(batch.errors_path) if batch.errors_path else None
    if path is None or not path.exists():
        raise Http404("没有错误说明文件")
    if not _full(request, batch):
        # The workbook is the uploaded file's rows in full, beside their messages.
        raise PermissionDenied(
            "错误说明文件含完整证件号码和电话，只有上传人和有权查看的用户可以下载"
        )
    name = f"{Path(batch.file_name).stem}-错误说明.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


def template(request: HttpRequest) -> FileResponse:
    """The empty workbook of a kind (?kind=yulu; default the 标准户籍台账): its headers in the
    order the export writes them."""
    try:
        spec = pipeline.kind(request.GET.get("kind") or "registry")
    except KeyError as exc:
        raise Http404("没有这种台账") from exc
    out = BytesIO()
    (spec.template or template_workbook)(out)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"{spec.name}模板.xlsx", content_type=XLSX
    )


def export(request: HttpRequest) -> HttpResponseBase:
    """The registry of the filtered household list (same GET filters as the list page).

    Filters: region, q, category, risk, household_type (or is_alleviated=是/否), eliminated.
    ID numbers and phones are masked unless the user may see them in full; the export is logged.
    More rows than FANGPIN_EXPORT_INLINE_ROWS are written by a background job (core.exports).
    """
    query = {k: str(v) for k, v in request.GET.items() if v}
    form = services.export_form(request.user, query)
    households = services.households_to_export(request.user, query, form)
    # The record names the filters as the page does (区划=金山店镇), a searched ID number masked:
    # 查阅记录 shows it to auditors.
    filters = mask_numbers(form.described())
    if services.export_size(households) > exports.inline_limit():
        note = f"网页导出 {filters}".strip()
        return exports.queue(request, "imports.export", title="导出户籍台账", params={"note": note})
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    services.export_for_user(
        actor=request.user, households=households, out=spool, note=f"网页导出 {filters}".strip()
    )
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=services.export_name(), content_type=XLSX
    )
