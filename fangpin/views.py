"""The home page: the user's due work first (by role), then their region at a glance."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.models import Household

# Which work each role sees first. A 网格员 walks to households (visits, screenings); a village
# cadre verifies leads and carries cases through the village's steps; a town works its queue and
# chases the overdue; the county decides and watches; an auditor reads (no action buttons: the
# apps leave them out for a user without the capability).
ORDER = {
    "grid_member": ["visits", "screenings", "steps", "leads", "items"],
    "village_staff": ["leads", "steps", "visits", "screenings", "items"],
    "town_staff": ["steps", "overdue", "leads", "items", "screenings", "visits"],
    "county_admin": ["steps", "overdue", "items", "leads", "screenings"],
    "auditor": ["overdue", "leads", "items"],
}
# Roles whose home page opens with the region's figures (their dashboard) before the work.
DASHBOARD_FIRST = {"county_admin", "auditor"}


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: due work with one-tap actions, the region's counts, shortcuts."""
    households = Household.objects.visible_to(request.user)
    role = getattr(request.user, "role", "")
    context = {
        "household_count": households.count(),
        "monitored_count": households.monitored().filter(risk_eliminated=False).count(),
        "alleviated_count": households.filter(is_alleviated=True).count(),
        "widgets": home_widgets(request),
        "tasks": home_tasks(request, role),
        "dashboard_first": role in DASHBOARD_FIRST,
    }
    return render(request, "core/home.html", context)


def _app_modules(name: str) -> list[Any]:
    """Each installed app's `<app>.<name>` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        try:
            found.append(import_module(f"{config.name}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{name}":
                raise
    return found


def home_widgets(request: HttpRequest) -> list[dict]:
    """Counts other apps contribute to the home page (each app's `home_widgets(request)`)."""
    widgets: list[dict] = []
    for module in _app_modules("widgets"):
        widgets.extend(module.home_widgets(request))
    return widgets


def home_tasks(request: HttpRequest, role: str) -> list[dict]:
    """The due work other apps list (each app's `widgets.home_tasks(request)`: sections of
    {key, title, count, more, rows}), in the order the role works, non-empty ones only."""
    order = ORDER.get(role, [])
    sections = [
        s
        for module in _app_modules("widgets")
        if hasattr(module, "home_tasks")
        for s in module.home_tasks(request)
        if s["key"] in order and s["count"]
    ]
    return sorted(sections, key=lambda s: order.index(s["key"]))
