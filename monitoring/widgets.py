"""Home-page counters: open leads, my tasks, overdue steps."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from core import codes
from core.masking import mask_numbers
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


ROWS = 5  # rows per home-page section; the section links to the full list


def home_tasks(request: HttpRequest) -> list[dict]:
    """The user's due work: case steps they can complete (most urgent first), leads waiting to
    be verified, and — for the town and county — the region's overdue steps."""
    from core.permissions import Cap, can

    user = request.user
    cases = Case.objects.visible_to(user).open().select_related("region")
    sections = []
    mine = my_steps(user)
    if mine:
        due = cases.filter(current_step__in=mine).order_by("due_date", "id")
        sections.append(
            {
                "key": "steps",
                "title": "待办理的识别和消除环节",
                "count": due.count(),
                "more": reverse("monitoring:tasks"),
                "rows": [
                    {
                        "text": f"{c.subject_name or '—'} · {c.get_kind_display()}",
                        "note": f"{c.region.name} · {c.get_current_step_display()} · "
                        f"{c.due_date:%m-%d}到期",
                        "url": reverse("monitoring:case_detail", args=[c.pk]),
                        "action": "办理",
                        "level": c.alert,
                    }
                    for c in due[:ROWS]
                ],
            }
        )
    leads = (
        Lead.objects.visible_to(user)
        .filter(status=Lead.Status.NEW)
        .select_related("household", "region")
        .order_by("reported_date", "id")
    )
    triage = can(user, Cap.TRIAGE)
    sections.append(
        {
            "key": "leads",
            "title": "待核实的线索",
            "count": leads.count(),
            "more": reverse("monitoring:index") + "?status=new",
            "rows": [
                {
                    "text": f"{lead.household.head_name if lead.household else lead.person_name}"
                    f" · {lead.get_source_display()}",
                    # Masked before it is cut: a number cut short is no longer recognised.
                    "note": f"{lead.region.name} · {lead.reported_date:%m-%d}发现 · "
                    + (
                        "、".join(codes.split_multi(lead.risks))
                        or mask_numbers(lead.description)[:20]
                    ),
                    "url": reverse("monitoring:lead_detail", args=[lead.pk]),
                    "action": "核实" if triage else "",
                    "level": "",
                }
                for lead in leads[:ROWS]
            ],
        }
    )
    if getattr(user, "role", "") in ("town_staff", "county_admin", "auditor"):
        late = cases.filter(alert="red").order_by("due_date", "id")
        sections.append(
            {
                "key": "overdue",
                "title": "本辖区逾期环节",
                "count": late.count(),
                "more": reverse("monitoring:overdue"),
                "rows": [
                    {
                        "text": f"{c.subject_name or '—'} · {c.get_kind_display()}",
                        "note": f"{c.region.name} · {c.get_current_step_display()} · "
                        f"{c.due_date:%m-%d}到期",
                        "url": reverse("monitoring:case_detail", args=[c.pk]),
                        "action": "",
                        "level": "red",
                    }
                    for c in late[:ROWS]
                ],
            }
        )
    return sections
