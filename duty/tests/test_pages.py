"""Who gets what: every URL of 责任落实 as each persona, for an object of the user's own region
("own": 金山店镇/朝阳村) and of another town ("other": 还地桥镇/白羊村). Another region's object
answers 404; a role without the capability answers 403; a refused POST changes nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from duty import services
from duty.models import Evidence, GridRole, GridUnit, Problem, RectificationRow, WorkTeamMember
from duty.tests.helpers import load, measure, member

PERSONAS = ("county_admin", "auditor", "town_staff", "village_staff", "grid_member", "other_town")
ALL_200 = (200, 200, 200, 200, 200, 200)
READ_OWN = (200, 200, 200, 200, 200, 404)
READ_OTHER = (200, 200, 404, 404, 404, 200)
EDIT_NEW = (200, 403, 200, 200, 403, 200)
EDIT_POST = (302, 403, 302, 302, 403, 404)
REVIEW_POST = (302, 403, 302, 403, 403, 404)
NEW_POST = (302, 403, 302, 302, 403, 302)

CASES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("duty:index", "", "get", ALL_200),
    ("duty:problems", "", "get", ALL_200),
    ("duty:from_items", "", "get", EDIT_NEW),
    ("duty:problem", "own_problem", "get", READ_OWN),
    ("duty:problem", "other_problem", "get", READ_OTHER),
    ("duty:review", "own_problem", "post", REVIEW_POST),
    ("duty:reopen", "own_problem", "post", REVIEW_POST),
    ("duty:link_rule", "own_problem", "post", EDIT_POST),
    ("duty:measure_action", "own_measure", "post", EDIT_POST),
    ("duty:evidence", "own_evidence", "get", READ_OWN),
    ("duty:rollup", "", "get", ALL_200),
    ("duty:teams", "", "get", ALL_200),
    ("duty:rotate", "own_member", "post", EDIT_POST),
    ("duty:monthly", "", "get", ALL_200),
    ("duty:village", "own_village", "get", READ_OWN),
    ("duty:village", "other_village", "get", READ_OTHER),
    ("duty:grid", "", "get", ALL_200),
    ("duty:grid_unit_new", "", "post", NEW_POST),
    ("duty:grid_mine", "", "get", ALL_200),
    ("duty:grid_unit", "own_unit", "get", READ_OWN),
    ("duty:grid_unit", "other_unit", "get", READ_OTHER),
    ("duty:grid_role_end", "own_role", "post", EDIT_POST),
    ("duty:pairings", "", "get", ALL_200),
]


@pytest.fixture
def objects(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path, settings: Any
) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = users["county_admin"]
    load(
        "rectification",
        [measure("P1", 1), measure("Q1", 1, 乡镇="还地桥镇", 行政村="白羊村")],
        tmp_path,
        admin,
    )
    load("work_teams", [member("李四")], tmp_path, admin, "t.xlsx")
    own_measure = RectificationRow.objects.get(problem_no="P1")
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    services.add_evidence(
        actor=admin, measure=own_measure, upload=SimpleUploadedFile("a.png", png.getvalue())
    )
    own_unit = services.save_grid_unit(actor=admin, region=regions["village"], name="网格一")
    other_unit = services.save_grid_unit(actor=admin, region=regions["other_village"], name="网格")
    role = services.add_grid_role(
        actor=admin,
        unit=own_unit,
        role=GridRole.Role.MEMBER,
        name="网格员乙",
        start=own_unit.created_at.date(),
    )
    return {
        "own_problem": Problem.objects.get(number="P1").pk,
        "other_problem": Problem.objects.get(number="Q1").pk,
        "own_measure": own_measure.pk,
        "own_evidence": Evidence.objects.get().pk,
        "own_member": WorkTeamMember.objects.get().pk,
        "own_village": regions["village"].pk,
        "other_village": regions["other_village"].pk,
        "own_unit": own_unit.pk,
        "other_unit": other_unit.pk,
        "own_role": role.pk,
    }


def test_every_duty_url_as_each_persona(objects: dict[str, Any], client_for: Any) -> None:
    wrong = []
    for name, arg, method, expected in CASES:
        args: list[Any] = [objects[arg]] if arg else []
        if name == "duty:measure_action":
            args.append("progress")
        url = reverse(name, args=args)
        before = (Problem.objects.filter(status="已销号").count(), GridUnit.objects.count())
        got = []
        for persona in PERSONAS:
            client = client_for(persona)
            response = client.get(url) if method == "get" else client.post(url, {})
            got.append(response.status_code)
        if tuple(got) != expected:
            wrong.append(f"{name}: {dict(zip(PERSONAS, got, strict=True))}")
        after = (Problem.objects.filter(status="已销号").count(), GridUnit.objects.count())
        if name != "duty:grid_unit_new" and after != before:  # an empty POST changes nothing
            wrong.append(f"{name} changed {before} → {after}")
    assert not wrong, "\n".join(wrong)
