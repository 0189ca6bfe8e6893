"""Background job: the daily deadline marking (also `fangpin mark-overdue`)."""

from __future__ import annotations

from django.urls import reverse

from core.jobs import handler
from core.models import Job
from monitoring import services


@handler("monitoring.mark_overdue")
def mark_overdue_job(job: Job) -> dict:
    """Mark orange/red on every open step."""
    result = services.mark_overdue()
    return {"url": reverse("monitoring:overdue"), **result}
