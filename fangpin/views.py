"""The home page: the user's region at a glance and what each app asks them to do."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
