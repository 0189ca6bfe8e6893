"""Background job: the daily deadline marking (also `fangpin mark-overdue`), queued by the
worker every day."""

from __future__ import annotations

from django.urls import reverse

from core.jobs import daily, handler
from core.models import Job
from monitoring import services


@handler("monitoring.mark_overdue")
def mark_overdue_job(job: Job) -> dict:
    """Mark orange/red on every open step."""
    result = services.mark_overdue()
    return {"url": reverse("monitoring:overdue"), **result}


daily("monitoring.mark_overdue", "每日时限预警更新")
