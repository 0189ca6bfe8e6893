"""Numbers typed into free texts (家庭住址, a change's reason, a measure's 成效, a case's
监测联系人, a pairing's 联系人, a grid's 备注, a project's 建设内容…) are masked on every page and
in the API for a user who may not see full numbers; who may see them reads them in full where
the page shows full numbers (logged), and prints and ledger pages mask them for everyone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.masking import mask_id, mask_phone
from core.models import AuditRecord
from fangpin.tests import test_permission_matrix as matrix

people, world = matrix.people, matrix.world  # the permission matrix's fixtures

PHONE = "13911112222"


def _write(
    field: str, world: dict[str, Any], people: dict[str, Any], village: Any, text: str
) -> None:
    """Put `text` (holding a full ID number and a phone) into one free text of the own village."""
    from assistance.models import Measure
    from duty.models import GridUnit, Pairing
    from ledgers.kit import ledger
    from ledgers.services import save_row
    from monitoring.models import Case
    from registry.models import Household, HouseholdEvent

    own = world["own"]
    if field == "address":
        Household.objects.filter(pk=own.pk).update(address=text)
    elif field == "work_place":
        own.persons.filter(pk=own.persons.order_by("pk").first().pk).update(work_place=text)
    elif field == "event_reason":
        HouseholdEvent.objects.create(
            household=own, kind="exited", date=dt.date.today(), reason=text, source="手工更正"
        )
    elif field == "outcome":
        Measure.objects.filter(pk=world["own_measure"].pk).update(outcome=text)
    elif field == "monitor_contact":  # 退出原因 is a code, chosen from a list
        Case.objects.filter(pk=world["own_case"].pk).update(monitor_contact=text)
    elif field == "monitor_phone":
        Household.objects.filter(pk=own.pk).update(risk_eliminated=True)
        Case.objects.filter(pk=world["own_case"].pk).update(
            kind=Case.Kind.ELIMINATE, status=Case.Status.APPROVED, monitor_contact=text
        )
    elif field in ("pairing_contact", "pairing_note"):
        key = field.removeprefix("pairing_")
        Pairing.objects.create(
            village=village,
            kind="定点帮扶",
            unit="县直单位",
            start=dt.date.today(),
            **{"contact": "王五", "note": ""} | {key: text},
        )
    elif field == "grid_note":
        GridUnit.objects.filter(pk=world["own_unit"].pk).update(note=text)
    elif field == "project_content":
        projects = ledger("projects")
        row = world["own_project"]
        values = projects.values(row) | {"content": text}
        save_row(actor=people["county_admin"], ledger=projects, values=values, row=row)
    elif field == "rectification_measure":
        rect = ledger("rectification")
        row = world["own_rect"]
        save_row(
            actor=people["county_admin"],
            ledger=rect,
            values=rect.values(row) | {"measure": text},
            row=row,
        )


# (field, page, whether who may see full numbers reads them there)
CASES = [
    ("address", "/registry/households/{own}/", True),
    ("address", "/api/v1/households/{own}", True),
    ("address", "/api/v1/households", True),
    ("work_place", "/api/v1/households/{own}", True),
    ("work_place", "/stats/households/{own}/file/", False),
    ("address", "/assistance/households/{own}/card/", False),
    ("address", "/stats/households/{own}/file/", False),
    ("address", "/stats/households/{own}/card/", False),
    ("event_reason", "/registry/households/{own}/", True),
    ("event_reason", "/monitoring/households/{own}/", True),
    ("event_reason", "/stats/households/{own}/file/", False),
    ("outcome", "/assistance/households/{own}/", True),
    ("outcome", "/stats/households/{own}/file/", False),
    ("monitor_contact", "/monitoring/cases/{case}/", True),
    ("monitor_phone", "/monitoring/households/{own}/", True),
    ("pairing_contact", "/duty/pairings/", True),
    ("pairing_note", "/duty/pairings/", True),
    ("pairing_contact", "/duty/villages/{village}/", True),
    ("pairing_note", "/duty/villages/{village}/", True),
    ("grid_note", "/duty/grid/{unit}/", True),
    ("project_content", "/projects/{project}/", False),
    ("rectification_measure", "/duty/problems/{problem}/", False),
]


@pytest.mark.parametrize(("field", "url", "in_full"), CASES)
def test_a_number_in_a_free_text_is_masked_unless_the_user_may_see_it(
    client: Any,
    people: dict[str, Any],
    world: dict[str, Any],
    regions: dict[str, Any],
    field: str,
    url: str,
    in_full: bool,
) -> None:
    own = world["own"]
    number = own.persons.order_by("pk").first().id_number
    text = PHONE if field == "monitor_phone" else f"证件号码{number}电话{PHONE}"
    _write(field, world, people, regions["village"], text)
    url = url.format(
        own=own.pk,
        case=world["own_case"].pk,
        village=regions["village"].pk,
        unit=world["own_unit"].pk,
        project=world["own_project"].pk,
        problem=world["own_problem"].pk,
    )
    shown = [mask_phone(PHONE)] if field == "monitor_phone" else [mask_id(number)]
    full = [PHONE] if field == "monitor_phone" else [number, PHONE]

    client.force_login(people["town_staff"])
    body = matrix._body(client.get(url))
    assert not [s for s in full if s in body]
    assert all(s in body for s in shown)

    client.force_login(people["county_admin"])
    before = AuditRecord.objects.filter(action="view_sensitive").count()
    body = matrix._body(client.get(url))
    if in_full:
        assert all(s in body for s in full)
        # Full numbers on a page are a read of full data, as the 显示 button's.
        assert AuditRecord.objects.filter(action="view_sensitive").count() > before
    else:
        assert not [s for s in full if s in body]
        assert all(s in body for s in shown)
