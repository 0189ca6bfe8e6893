"""Background job: the daily overdue marks of the rectification ledger (orange before, red after
a measure's 整改时限), queued by the worker every day."""

from __future__ import annotations

from django.urls import reverse

from core.jobs import daily, handler
from core.models import Job
from duty import services


@handler("duty.mark_overdue")
def mark_overdue_job(job: Job) -> dict:
    """Mark orange/red on every measure still 整改中."""
    return {"url": reverse("duty:problems") + "?alert=red", **services.mark_overdue()}


daily("duty.mark_overdue", "每日整改时限预警更新")
