"""Home page, health check and background-job pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.models import Job
from core.scoping import get_visible_or_404
from registry.models import Household


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the user's region at a glance and their shortcuts."""
    households = Household.objects.visible_to(request.user)
    context = {
        "household_count": households.count(),
        "monitored_count": households.monitored().filter(risk_eliminated=False).count(),
        "alleviated_count": households.filter(is_alleviated=True).count(),
        "widgets": home_widgets(request),
    }
    return render(request, "core/home.html", context)


def home_widgets(request: HttpRequest) -> list[dict]:
    """Counts other apps contribute to the home page (each app's `home_widgets(request)`)."""
    from importlib import import_module

    from django.apps import apps

    widgets: list[dict] = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.widgets")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.widgets":
                raise
            continue
        widgets.extend(module.home_widgets(request))
    return widgets


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def coming_soon(request: HttpRequest) -> HttpResponse:
    return render(request, "core/coming_soon.html", status=200)


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
            "message": job.message,
            "done": job.done,
            "result_url": (job.result or {}).get("url", ""),
        }
    )
