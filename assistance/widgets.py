"""Home-page counters: households overdue for a visit, and the running campaign's coverage."""

from __future__ import annotations

from django.db.models import Count, Q
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
