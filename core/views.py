"""Health check, error pages and background-job pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core import exports
from core.masking import mask_numbers
from core.models import Job
from core.scoping import get_visible_or_404


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Job.objects.visible_to(request.user).select_related("created_by"), 50)
    return render(request, "core/job_list.html", {"page": page.get_page(request.GET.get("page"))})


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(Job.objects.all(), request.user, pk=pk)
    return render(request, "core/job_detail.html", {"job": job})


def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_visible_or_404(Job.objects.all(), request.user, pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "progress": job.progress,
            "message": mask_numbers(job.message),  # as its page shows it
            "done": job.done,
            "result_url": (job.result or {}).get("url", ""),
        }
    )


def job_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file an export job wrote, for the user who asked for it (it was made, masked or not,
    with that user's rights)."""
    job = get_visible_or_404(Job.objects.all(), request.user, pk=pk)
    if job.created_by_id != request.user.pk:
        raise PermissionDenied("导出文件只有发起导出的用户可以下载")
    path = exports.stored(job)
    if path is None:
        raise Http404("导出文件已过期或不存在，请重新导出")
    result = job.result or {}
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=result.get("filename") or path.name,
        content_type=result.get("content_type") or "application/octet-stream",
    )


# -- error pages: Chinese, with the site's navigation, and the reason the code already gave ----


def _error(request: HttpRequest, status: int, heading: str, reason: str, hint: str = "") -> Any:
    context = {"heading": heading, "reason": reason, "hint": hint, "tone": "danger"}
    try:
        return render(request, "errors/page.html", context, status=status)
    except Exception:  # a broken template or database must not hide the error page itself
        from django.http import HttpResponse

        body = f"<!doctype html><meta charset=utf-8><h1>{heading}</h1><p>{reason}</p>"
        return HttpResponse(body, status=status)


def _reason(exception: Exception | None, default: str) -> str:
    """The message the code gave (PermissionDenied("只读账号…")), unless it is Django's own."""
    text = str(exception or "").strip()
    if not text or text.isascii():  # Django's English defaults, paths, "None"
        return default
    return text


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> Any:
    return _error(
        request,
        403,
        "没有权限",
        _reason(exception, "您的账号不能进行此操作。"),
        "如需此权限，请联系县级管理员。",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> Any:
    return _error(
        request,
        404,
        "页面不存在",
        _reason(exception, "您要找的页面或记录不存在，或不在您的管辖范围内。"),
        "请检查网址，或从导航栏重新进入。",
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> Any:
    return _error(request, 400, "请求无效", _reason(exception, "提交的内容无法处理。"))


def server_error(request: HttpRequest) -> Any:
    return _error(
        request,
        500,
        "系统出错",
        "处理您的请求时出现了错误，已记录在服务器日志中；您的数据没有被部分保存。",
        "请稍后重试；如果反复出现，请把出错时间和页面地址告诉管理员。",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> Any:
    return _error(
        request,
        403,
        "页面已过期",
        "表单的安全校验未通过（页面打开太久、已退出登录或在别处登录），本次提交没有保存。",
        "请返回上一页，刷新后重新提交。",
    )
