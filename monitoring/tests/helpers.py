"""Shared test helpers: leads and cases moved along through the services, each step on its own
date with its required materials, as the rules of issue 12 ask."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from monitoring import services
from monitoring.models import REQUIRED, Case

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
# Days after the case's start on which each step is done; 公示 runs days 4–8 (5 days).
STEP_DAY = {"visit": 1, "compare": 2, "review": 3, "notice": 9, "town": 10, "county": 11}
NOTICE_DAYS = (4, 8)
LAST_DAY = max(STEP_DAY.values())


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    from core.tests.test_uploads import real_pdf

    return SimpleUploadedFile(name, real_pdf(), content_type="application/pdf")


def png(name: str = "照片.png", size: tuple[int, int] = (4, 3)) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


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


def step_date(case: Case, step: str) -> dt.date:
    """The date the helpers complete `step` of `case`: in order, never after today."""
    return min(case.start_date + dt.timedelta(days=STEP_DAY[step]), TODAY)


def facts_for(case: Case, step: str) -> dict[str, Any]:
    if step == "visit":
        facts: dict[str, Any] = dict(INCOME)
        if case.kind == Case.Kind.IDENTIFY:
            if services.step_materials(case, "visit").get("consent") != REQUIRED:
                facts["consent"] = "confirmed"  # no signed form asked: a recorded confirmation
        else:
            facts.update(wage=40000, rigid_spending_resolved=True, elimination_method="帮扶消除")
        return facts
    if step == "notice":
        return {
            "notice_start": case.start_date + dt.timedelta(days=NOTICE_DAYS[0]),
            "notice_end": case.start_date + dt.timedelta(days=NOTICE_DAYS[1]),
        }
    if step == "county" and case.kind == Case.Kind.IDENTIFY:
        return {"category": "边缘易致贫户"}
    if step == "county" and case.kind == Case.Kind.ELIMINATE:
        return {"monitor_contact": "李监测", "monitor_phone": "13800001111"}
    return {}


def note_for(step: str) -> str:
    return "已比对医保、民政数据，未发现异常" if step == "compare" else ""


def attach_required(users: dict[str, Any], case: Case) -> None:
    """Upload the materials the open step requires (a small PDF each)."""
    for kind, level in services.step_materials(case, case.current_step).items():
        if level == REQUIRED:
            services.add_attachment(
                actor=users["village_staff"],
                upload=pdf(f"{kind}.pdf"),
                case=case,
                step=case.current_step,
                kind=kind,
            )


def advance(users: dict[str, Any], case: Case, until: str | None = None) -> Case:
    """Complete steps with the right persona (materials uploaded, every warning acknowledged,
    each on its own date) up to `until`."""
    while case.status == Case.Status.OPEN and case.current_step != until:
        step = case.current_step
        case.refresh_from_db()
        attach_required(users, case)
        preview = case
        for k, v in facts_for(case, step).items():
            setattr(preview, k, v)
        warnings = [m for _, m in services.assess(preview, on=step_date(case, step)).warnings]
        case.refresh_from_db()
        case = services.complete_step(
            actor=users[ACTOR_FOR_STEP[step]],
            case=case,
            decision="通过",
            note=note_for(step),
            facts=facts_for(case, step),
            acknowledged=warnings,
            on=step_date(case, step),
        )
    return case


def form_data(case: Case, step: str, **extra: Any) -> dict[str, Any]:
    """The step form as a browser would post it for `facts_for` (dated `step_date`)."""
    data: dict[str, Any] = {"decision": "通过", "note": note_for(step)}
    data["done_on"] = step_date(case, step).isoformat()
    for key, value in facts_for(case, step).items():
        if isinstance(value, bool):
            data[key] = (
                ("1" if value else "0")
                if key in {"housing_unsafe", "dropout", "water_unsafe", "uninsured"}
                else ("on" if value else "")
            )
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        else:
            data[key] = value
    if step == "visit":
        data["risks"] = case.risk_list
    data.update(extra)
    return {k: v for k, v in data.items() if v != ""}


def upload_required(client: Any, case: Case) -> None:
    """Upload the open step's required materials through the page, as its user."""
    from django.urls import reverse

    url = reverse("monitoring:case_action", args=[case.pk, "upload"])
    for kind, level in services.step_materials(case, case.current_step).items():
        if level == REQUIRED:
            response = client.post(url, {"kind": kind, "file": png(f"{kind}.png")})
            assert response.status_code == 302


def complete_via_page(client: Any, case: Case, step: str, **extra: Any) -> Any:
    """Upload the required materials and POST the step form once; when warnings must be
    acknowledged, tick them all and POST again."""
    from django.urls import reverse

    upload_required(client, case)
    url = reverse("monitoring:case_detail", args=[case.pk])
    data = form_data(case, step, **extra)
    response = client.post(url, data)
    if response.status_code == 200 and "ack" in response.context["form"].fields:
        assert "请逐条确认" in response.content.decode()
        data["ack"] = [v for v, _ in response.context["form"].fields["ack"].choices]
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return response


def identified_household(users: dict[str, Any], household: Any, days_ago: int = 240) -> Any:
    """`household` made a 监测对象 by a procedure that began `days_ago` days ago."""
    advance(users, make_case(users, household, days_ago=days_ago))
    household.refresh_from_db()
    return household


def open_household_case(
    users: dict[str, Any], household: Any, kind: str, days_ago: int = 20, **extra: Any
) -> Case:
    return services.open_household_case(
        actor=users["village_staff"],
        household=household,
        kind=kind,
        on=TODAY - dt.timedelta(days=days_ago),
        **extra,
    )
