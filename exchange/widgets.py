"""Home-page counters: open warnings and findings in the user's region."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse

from exchange.models import Item


def home_widgets(request: HttpRequest) -> list[dict]:
    counts = (
        Item.objects.visible_to(request.user)
        .open()
        .aggregate(
            warnings=Count("pk", filter=Q(kind="warning")),
            findings=Count("pk", filter=Q(kind="finding")),
        )
    )
    url = reverse("exchange:index")
    return [
        {
            "label": "待核实部门预警",
            "value": counts["warnings"],
            "url": f"{url}?kind=warning",
            "level": "danger" if counts["warnings"] else "secondary",
        },
        {
            "label": "待处理数据疑点",
            "value": counts["findings"],
            "url": f"{url}?kind=finding",
            "level": "warning" if counts["findings"] else "secondary",
        },
    ]
