"""Shared test helpers: leads and cases moved along through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from monitoring import services
from monitoring.models import Case

TODAY = timezone.localdate()
INCOME = {
    "wage": 12000,
    "business": 3000,
    "property_income": 0,
    "transfer": 2000,
    "business_cost": 1000,
    "claims": 0,
    "compliant_spending": 5000,
    "members_counted": 3,
    "housing_unsafe": False,
    "dropout": False,
    "water_unsafe": False,
    "uninsured": False,
}
ACTOR_FOR_STEP = {
    "visit": "grid_member",
    "compare": "village_staff",
    "review": "village_staff",
    "notice": "village_staff",
    "town": "town_staff",
    "county": "county_admin",
}


def make_case(users: dict[str, Any], household: Any, days_ago: int = 20, **lead: Any) -> Case:
    """An identification case for `household`, its clock started `days_ago` days ago."""
    new_lead = services.create_lead(
        actor=users["village_staff"],
        source=lead.pop("source", "基层干部排查"),
        reported_date=TODAY - dt.timedelta(days=days_ago),
        household=household,
        region=lead.pop("region", None),
        risks=lead.pop("risks", ["因病"]),
        **lead,
    )
    return services.open_case(actor=users["village_staff"], lead=new_lead)


def facts_for(case: Case, step: str) -> dict[str, Any]:
    if step == "visit":
        facts: dict[str, Any] = dict(INCOME)
        if case.kind == Case.Kind.IDENTIFY:
            facts["consent"] = "confirmed"
        else:
            facts.update(wage=40000, rigid_spending_resolved=True, elimination_method="帮扶消除")
        return facts
    if step == "notice":
        return {
            "notice_start": TODAY - dt.timedelta(days=10),
            "notice_end": TODAY - dt.timedelta(days=5),
        }
    if step == "county" and case.kind == Case.Kind.IDENTIFY:
        return {"category": "边缘易致贫户"}
    return {}


def advance(users: dict[str, Any], case: Case, until: str | None = None) -> Case:
    """Complete steps with the right persona (acknowledging every warning) up to `until`."""
    while case.status == Case.Status.OPEN and case.current_step != until:
        step = case.current_step
        case.refresh_from_db()
        preview = case
        for k, v in facts_for(case, step).items():
            setattr(preview, k, v)
        warnings = [m for _, m in services.assess(preview).warnings]
        case.refresh_from_db()
        case = services.complete_step(
            actor=users[ACTOR_FOR_STEP[step]],
            case=case,
            decision="通过",
            facts=facts_for(case, step),
            acknowledged=warnings,
        )
    return case
