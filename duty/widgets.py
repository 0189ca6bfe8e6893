"""Home-page counters of 责任落实: a 网格员's households and what is due among them; for staff,
the measures past their 整改时限 and the problems waiting for their 销号 review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core import dates, hooks
from core.permissions import Cap, can
from duty import services
from duty.models import Problem, RectificationRow, Status


def home_widgets(request: HttpRequest) -> list[dict]:
    """[{label, value, url, level}] for the home page."""
    user: Any = request.user
    widgets: list[dict] = []
    mine = list(services.grid_households(user).values_list("pk", flat=True))
    if mine:
        dues = hooks.call("assistance.household_dues", mine, dates.today())
        due = sum(1 for d in dues.values() if d["visit_due"] or d["screenings"])
        widgets.append(
            {
                "label": "我的网格户（待办）",
                "value": f"{len(mine)}（{due}）",
                "url": reverse("duty:grid_mine"),
                "level": "orange" if due else "",
            }
        )
    if can(user, Cap.EDIT_LEDGER) or can(user, Cap.REVIEW):
        late = (
            RectificationRow.objects.visible_to(user)
            .filter(status=Status.OPEN, alert="red")
            .count()
        )
        widgets.append(
            {
                "label": "整改逾期措施",
                "value": late,
                "url": reverse("duty:problems") + "?alert=red",
                "level": "red" if late else "",
            }
        )
    if can(user, Cap.REVIEW):
        waiting = Problem.objects.visible_to(user).filter(status=Status.DONE)
        if user.region.parent_id is not None:  # the county reviews its own problems too
            waiting = waiting.exclude(region=user.region)
        widgets.append(
            {
                "label": "待审核销号问题",
                "value": waiting.count(),
                "url": reverse("duty:problems") + f"?status={Status.DONE}",
                "level": "orange" if waiting.exists() else "",
            }
        )
    return widgets
