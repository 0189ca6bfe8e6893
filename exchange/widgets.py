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


def home_tasks(request: HttpRequest) -> list[dict]:
    """Department warnings and findings still to verify (assigned to the user first)."""
    from django.db.models import Case, IntegerField, Value, When

    from core.permissions import Cap, can

    user = request.user
    items = Item.objects.visible_to(user).open().select_related("rule", "household", "region")
    items = items.annotate(
        mine=Case(
            When(assignee=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("mine", "kind", "-last_seen", "-id")
    act = can(user, Cap.WORK_ITEMS)
    return [
        {
            "key": "items",
            "title": "待核实的部门预警和数据疑点",
            "count": items.count(),
            "more": reverse("exchange:index"),
            "rows": [
                {
                    "text": f"{i.household.head_name if i.household else (i.region or '')}"
                    f" · {i.rule.name}",
                    "note": i.message[:60],
                    "url": reverse("exchange:item_detail", args=[i.pk]),
                    "action": "核实" if act else "",
                    "level": "orange" if i.kind == "warning" else "",
                }
                for i in items[:5]
            ],
        }
    ]
