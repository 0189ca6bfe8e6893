"""The 网格 and 问题整改 roll-up pages read a fixed number of queries, whatever the number of
grids or sub-regions (a county has a few hundred villages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duty import figures, services
from duty.tests.helpers import load, measure
from regions.models import Region
from regions.services import create_region


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    return len(q)


def test_grid_page_queries_do_not_grow_with_grids(
    users: dict[str, Any], regions: dict[str, Any], client_for: Any
) -> None:
    admin = users["county_admin"]
    services.save_grid_unit(actor=admin, region=regions["village"], name="网格一")
    client = client_for("county_admin")
    url = reverse("duty:grid")
    one = _queries(client, url)
    for i in range(6):
        village = create_region(
            actor=None, name=f"新村{i}", level=Region.Level.VILLAGE, parent=regions["other_town"]
        )
        services.save_grid_unit(actor=admin, region=village, name=f"网格{i}")
    assert _queries(client, url) == one
    page = client.get(url).content.decode()
    assert "还地桥镇/新村5" in page  # each grid still says where it is


def test_rollup_children_queries_do_not_grow_with_sub_regions(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path, client_for: Any
) -> None:
    admin = users["county_admin"]
    rows = [
        measure("P1", 1),
        measure("P1", 2, 状态="已完成"),
        measure("Q1", 1, 乡镇="还地桥镇", 行政村="白羊村"),
    ]
    assert load("rectification", rows, tmp_path, admin)["status"] == "imported"
    client = client_for("county_admin")
    url = reverse("duty:rollup") + f"?region={regions['county'].pk}&year=2024"
    before = _queries(client, url)
    for i in range(5):
        create_region(
            actor=None, name=f"新镇{i}", level=Region.Level.TOWN, parent=regions["county"]
        )
    assert _queries(client, url) == before
    by_name = {c["region"].name: c for c in figures.children(regions["county"], 2024)}
    assert by_name["金山店镇"] | {"region": None} == {
        "region": None,
        "problems": 1,
        "done": 0,
        "closed": 0,
        "measures": 2,
        "overdue": 1,  # the open one is past its 整改时限
    }
    assert by_name["还地桥镇"]["problems"] == 1 and by_name["新镇0"]["measures"] == 0
