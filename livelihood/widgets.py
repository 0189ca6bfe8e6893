"""Home-page counter of 小额信贷: the loans of the user's region that are overdue or fall due
within 30 days (rule 33), for the cadres who remind the borrowers."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from core import dates
from livelihood.checks import due_loans


def home_widgets(request: HttpRequest) -> list[dict]:
    """[{label, value, url, level}] for the home page (only when there are such loans)."""
    due = due_loans(None, 30, dates.today()).visible_to(request.user).count()
    if not due:
        return []
    return [
        {
            "label": "小额信贷逾期或30天内到期",
            "value": due,
            "url": reverse("livelihood:loans_due"),
            "level": "orange",
        }
    ]
