"""网格: grids down to 组 with their roles, households given to a 网格员, who sees exactly them
with what is due, and each village's coverage; 结对帮扶 on the village page and counted."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from docx import Document

from core import dates, hooks
from duty import checks, figures, services
from duty.models import GridHousehold, GridRole, GridUnit, Pairing
from fangpin.testing import make_household
from monitoring import services as monitoring_services
from registry import services as registry_services
from stats.report import render


@pytest.fixture
def village_households(regions: dict[str, Any], household: Any) -> list[Any]:
    """朝阳村: the fixture household, three more, and one in its 一组 (five in all)."""
    more = [make_household(regions["village"]) for _ in range(3)]
    return [household, *more, make_household(regions["group"])]


def _grid_with_member(client: Any, regions: dict[str, Any], users: dict[str, Any]) -> GridUnit:
    response = client.post(
        reverse("duty:grid_unit_new"), {"region": regions["village"].pk, "name": "朝阳村网格"}
    )
    assert response.status_code == 302
    unit = GridUnit.objects.get()
    url = reverse("duty:grid_unit", args=[unit.pk])
    today = dates.today().isoformat()
    assert (
        client.post(url, {"role": "网格长", "name": "村书记甲", "start": today}).status_code == 302
    )
    data = {"role": "网格员", "user": users["grid_member"].pk, "start": "2024-01-01"}
    assert client.post(url, data).status_code == 302
    return unit


def test_a_grid_member_sees_exactly_their_households_with_what_is_due(
    regions: dict[str, Any],
    users: dict[str, Any],
    client_for: Any,
    village_households: list[Any],
    other_household: Any,
) -> None:
    staff = client_for("village_staff")
    unit = _grid_with_member(staff, regions, users)
    member = GridRole.objects.get(role="网格员")
    assert member.user == users["grid_member"] and member.name == str(users["grid_member"])
    mine = village_households[:2] + village_households[4:]  # two of the village, one of 一组
    numbers = "\n".join(h.number for h in mine)
    url = reverse("duty:grid_unit", args=[unit.pk])
    response = staff.post(url, {"do": "assign", "member": member.pk, "households": numbers})
    assert response.status_code == 302
    assert GridHousehold.objects.filter(member=member).count() == 3
    # Another village's household cannot be given: it is not even visible to the village.
    staff.post(url, {"do": "assign", "member": member.pk, "households": other_household.number})
    assert GridHousehold.objects.count() == 3
    # What is due: a 监测户 never visited, and an open lead on another of them.
    registry_services.update_household(
        actor=None,
        household=mine[0],
        source=registry_services.IMPORT_SOURCE,  # the status as the national register sets it
        category="突发严重困难户",
        identified_date=dt.date(2026, 1, 5),
        risk_list=["因病"],
    )
    monitoring_services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        reported_date=dt.date(2026, 1, 10),
        household=mine[1],
        risks=["因病"],
        description="住院",
    )
    page = client_for("grid_member").get(reverse("duty:grid_mine"))
    assert page.status_code == 200
    shown = {r["household"].pk: r for r in page.context["rows"]}
    assert set(shown) == {h.pk for h in mine}
    assert shown[mine[0].pk]["visit_due"] is True and shown[mine[0].pk]["leads"] == 0
    assert shown[mine[1].pk]["leads"] == 1 and shown[mine[1].pk]["visit_due"] is False
    assert set(hooks.call("duty.grid_households", users["grid_member"])) == set(mine)
    # Nobody else is anybody's 网格员: their page is empty, not the village.
    assert client_for("village_staff").get(reverse("duty:grid_mine")).context["rows"] == []
    home = client_for("grid_member").get(reverse("home"))
    assert "我的网格户（待办）" in home.content.decode()


def test_a_villages_coverage_counts_households_without_a_grid_member(
    regions: dict[str, Any],
    users: dict[str, Any],
    client_for: Any,
    village_households: list[Any],
) -> None:
    unit = _grid_with_member(client_for("town_staff"), regions, users)
    member = GridRole.objects.get(role="网格员")
    services.assign_households(
        actor=users["town_staff"], member=member, households=village_households[2:]
    )
    found = {v["name"]: v for v in services.coverage(regions["town"])}
    assert (found["朝阳村"]["households"], found["朝阳村"]["covered"]) == (5, 3)
    assert (found["朝阳村"]["uncovered"], found["朝阳村"]["rate"]) == (2, 60.0)
    assert (found["仕秦村"]["households"], found["仕秦村"]["uncovered"]) == (0, 0)
    page = client_for("village_staff").get(reverse("duty:village", args=[regions["village"].pk]))
    assert page.context["coverage"]["uncovered"] == 2
    assert "未分配 2 户" in page.content.decode()
    assert [r["message"] for r in checks.uncovered_households(None, {"min_rate": 100})] == [
        "朝阳村有2户未分配网格员（覆盖率60.0%）"
    ]
    # The 网格员 leaves: the households wait for another one; the adjustment is counted.
    end = reverse("duty:grid_role_end", args=[member.pk])
    assert client_for("grid_member").post(end, {"on": "2026-03-01"}).status_code == 403
    assert client_for("village_staff").post(end, {"on": "2026-03-01"}).status_code == 302
    assert services.coverage(regions["village"])[0]["covered"] == 0
    grid = figures.grid(regions["town"], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert (grid["units"], grid["members"], grid["adjusted"]) == (1, 0, 1)
    assert (
        client_for("other_town").get(reverse("duty:grid_unit", args=[unit.pk])).status_code == 404
    )
    assert (
        client_for("grid_member")
        .post(reverse("duty:grid_unit_new"), {"region": regions["village"].pk})
        .status_code
        == 403
    )


def test_pairings_show_on_the_village_page_and_are_counted_in_the_report(
    regions: dict[str, Any], users: dict[str, Any], client_for: Any
) -> None:
    url = reverse("duty:pairings")
    rows = [
        {
            "village": regions["village"].pk,
            "kind": "万企兴万村",
            "unit": "华新水泥",
            "start": "2023-03-01",
        },
        {
            "village": regions["village"].pk,
            "kind": "县领导联系点",
            "unit": "张县长",
            "start": "2023-01-01",
        },
        {
            "village": regions["village2"].pk,
            "kind": "县领导联系点",
            "unit": "张县长",
            "start": "2023-01-01",
        },
        {
            "village": regions["village2"].pk,
            "kind": "定点帮扶",
            "unit": "市人社局",
            "start": "2020-01-01",
            "end": "2022-12-31",
        },
    ]
    for data in rows:
        assert client_for("town_staff").post(url, data).status_code == 302
    assert client_for("grid_member").post(url, rows[0]).status_code == 403
    refused = client_for("other_town").post(url, rows[0] | {"unit": "别的企业"})
    assert refused.status_code == 200 and not Pairing.objects.filter(unit="别的企业").exists()
    page = client_for("village_staff").get(reverse("duty:village", args=[regions["village"].pk]))
    assert page.context["current_pairings"] == 2 and "华新水泥" in page.content.decode()
    counts = figures.pairings(regions["town"], dt.date(2023, 6, 30))
    assert counts == {
        "县领导联系点": {"units": 1, "villages": 2},
        "万企兴万村": {"units": 1, "villages": 1},
    }
    text = [p.text for p in Document(io.BytesIO(render(regions["town"], 2023))).paragraphs]
    assert "结对帮扶：1名县领导联系2个村；“万企兴万村”1个企业对接帮扶1个行政村。" in text
