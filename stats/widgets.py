"""Home-page counters of the statistics app."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from stats.services import compute


def home_widgets(request: HttpRequest) -> list[dict]:
    """本年新识别 and 本年消除风险 in the user's region (the same figures as the dashboard)."""
    region = getattr(request.user, "region", None)
    if region is None:
        return []
    stats = compute(region)
    url = reverse("stats:index")
    new, gone = stats["identified_this_year"], stats["eliminated_this_year"]
    return [
        {
            "label": "本年新识别监测对象（户）",
            "value": new["households"],
            "url": url,
            "level": "warning",
        },
        {
            "label": "本年消除风险（户）",
            "value": gone["households"],
            "url": url,
            "level": "success",
        },
    ]
