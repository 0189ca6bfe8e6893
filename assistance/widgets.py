"""Home-page counters: households overdue for a visit, and the running campaign's coverage."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.urls import reverse

from assistance import services
from assistance.models import Campaign, Screening
from core import dates
from registry.models import Household


def home_widgets(request: HttpRequest) -> list[dict]:
    """[{label, value, url, level}] for the home page."""
    today = dates.today()
    households = Household.objects.visible_to(request.user)
    overdue = services.overdue_households(households, today).count()
    widgets = [
        {
            "label": "走访逾期户",
            "value": overdue,
            "url": reverse("assistance:overdue"),
            "level": "orange" if overdue else "",
        }
    ]
    campaign = (
        Campaign.objects.visible_to(request.user)
        .filter(start_date__lte=today, end_date__gte=today)
        .order_by("-start_date", "-id")
        .first()
    )
    if campaign is not None:
        # One aggregate over the (campaign, village, done, …) index, not the full progress page.
        counts = (
            Screening.objects.visible_to(request.user)
            .filter(campaign=campaign)
            .aggregate(assigned=Count("id"), done=Count("id", filter=Q(done=True)))
        )
        pct = round(100 * counts["done"] / counts["assigned"], 1) if counts["assigned"] else 0
        widgets.append(
            {
                "label": f"{campaign.name}覆盖率(%)",
                "value": pct,
                "url": reverse("assistance:campaign", args=[campaign.pk]),
                "level": "" if pct >= 100 else "orange",
            }
        )
    return widgets


ROWS = 5


def home_tasks(request: HttpRequest) -> list[dict]:
    """Visits due (longest waiting first) and the running 集中排查's households still to screen
    (a 网格员's own), each with its one-tap action."""
    from core.permissions import Cap, can

    user = request.user
    today = dates.today()
    visit = can(user, Cap.RECORD_VISIT)
    households = Household.objects.visible_to(user)
    due = services.overdue_households(households, today).select_related("region")
    due = due.order_by(F("last_visit").asc(nulls_first=True), "pk")
    new_visit = reverse("assistance:visit_new")
    sections = [
        {
            "key": "visits",
            "title": "到期未走访的户",
            "count": due.count(),
            "more": reverse("assistance:overdue"),
            "rows": [
                {
                    "text": f"{h.head_name} · {h.region.name}",
                    "note": (
                        f"上次走访{h.last_visit:%Y-%m-%d}" if h.last_visit else "还没有走访记录"
                    )
                    + f" · 每{h.interval_days}天一次",
                    "url": reverse("assistance:household", args=[h.pk]),
                    "action": "记录走访" if visit else "",
                    "action_url": f"{new_visit}?household={h.pk}",
                    "level": "orange",
                }
                for h in due[:ROWS]
            ],
        }
    ]
    running = (
        Campaign.objects.visible_to(user)
        .filter(start_date__lte=today, end_date__gte=today)
        .order_by("-start_date", "-id")
        .first()
    )
    if running is not None:
        todo = Screening.objects.visible_to(user).filter(campaign=running, done=False)
        if getattr(user, "role", "") == "grid_member":
            todo = todo.filter(cadre=user)
        todo = todo.select_related("household", "village").order_by("village__path", "pk")
        sections.append(
            {
                "key": "screenings",
                "title": f"{running.name}：待排查的户（{running.end_date:%m-%d}截止）",
                "count": todo.count(),
                "more": reverse("assistance:campaign_households", args=[running.pk]) + "?show=todo",
                "rows": [
                    {
                        "text": f"{s.household.head_name} · {s.village.name}",
                        "note": f"{s.persons}人",
                        "url": reverse("assistance:screen", args=[running.pk, s.pk, 0]),
                        "action": "开始排查" if visit else "",
                        "level": "",
                    }
                    for s in todo[:ROWS]
                ],
            }
        )
    return sections
