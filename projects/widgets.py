"""Home-page counter of 衔接资金项目: this year's 支出进度 of the user's region against the month's
schedule target (shown once the region has projects of the year)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.http import HttpRequest
from django.urls import reverse

from core import dates
from projects import figures
from projects.models import Project, ProjectPayment


def home_widgets(request: HttpRequest) -> list[dict]:
    """[{label, value, url, level}] for the home page."""
    user: Any = request.user
    today = dates.today()
    projects = Project.objects.visible_to(user).filter(year=today.year).exclude(status="已终止")
    allocated = projects.aggregate(s=Sum(figures.allocated_expr()))["s"]
    if not allocated:
        return []
    paid = ProjectPayment.objects.filter(project_no__in=projects.values("project_no")).aggregate(
        s=Sum("amount")
    )["s"]
    rate = figures.percent(paid, allocated)
    goal = figures.target(
        figures.parameters(today.year, user.region).get("spend_targets") or {}, today.month
    )
    return [
        {
            "label": f"{today.year}年衔接资金支出进度（{today.month}月目标{goal}%）",
            "value": f"{rate}%",
            "url": reverse("projects:progress"),
            "level": "red" if rate is not None and rate < goal else "",
        }
    ]
