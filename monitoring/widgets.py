"""Home-page counters: open leads, my tasks, overdue steps."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from monitoring.models import Case, Lead
from monitoring.services import my_steps


def home_widgets(request: HttpRequest) -> list[dict]:
    user = request.user
    mine = my_steps(user)
    cases = Case.objects.visible_to(user).open()
    red = cases.filter(alert="red").count()
    return [
        {
            "label": "待研判线索",
            "value": Lead.objects.visible_to(user).filter(status=Lead.Status.NEW).count(),
            "url": reverse("monitoring:index") + "?status=new",
            "level": "",
        },
        {
            "label": "我的待办",
            "value": cases.filter(current_step__in=mine).count(),
            "url": reverse("monitoring:tasks"),
            "level": "",
        },
        {
            "label": "逾期环节",
            "value": red,
            "url": reverse("monitoring:overdue"),
            "level": "red" if red else "",
        },
    ]
