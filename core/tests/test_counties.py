"""A database of two counties (a city's server, or the demo beside a real county): a county admin
sees their own county only, on every path, and `fangpin` commands act for the whole server."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from fangpin.testing import make_household, make_user
from imports.tests.builders import family, num, write_xlsx
from imports.tests.test_import import run_cli
from projects.models import Project
from regions.models import Region
from regions.services import create_region
from registry.models import Household
from stats.services import compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_county(regions: dict[str, Any]) -> dict[str, Any]:
    county = create_region(actor=None, name="阳新县", level=Region.Level.COUNTY)
    town = create_region(actor=None, name="富池镇", level=2, parent=county)
    village = create_region(actor=None, name="富池村", level=3, parent=town)
    household = make_household(village, number="420222100101000001")
    return {"county": county, "village": village, "household": household}


def test_a_county_admin_sees_nothing_of_a_second_county(
    users: dict[str, Any], household: Any, second_county: dict[str, Any], client_for: Any
) -> None:
    admin = users["county_admin"]
    theirs = second_county["household"]
    assert list(Household.objects.visible_to(admin)) == [household]
    client = client_for("county_admin")
    assert client.get(reverse("registry:household_detail", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("registry:household_list")).content.decode()
    assert household.number in page and theirs.number not in page
    assert client.get(f"/api/v1/households/{theirs.pk}").status_code == 404
    # Their own admin sees theirs only.
    other_admin = make_user("yx", "county_admin", second_county["county"])
    assert list(Household.objects.visible_to(other_admin)) == [theirs]


def test_a_countys_statistics_and_ledgers_leave_out_the_other_county(
    regions: dict[str, Any], household: Any, second_county: dict[str, Any]
) -> None:
    ours = compute(regions["county"])
    theirs = compute(second_county["county"])
    assert ours["households"]["households"] == 1 == theirs["households"]["households"]
    Project.objects.create(project_no="YX-1", region=second_county["village"])
    assert not Project.objects.below(regions["county"]).exists()
    assert Project.objects.below(second_county["county"]).count() == 1


def test_a_command_imports_a_county_beside_the_one_its_admin_keeps(
    users: dict[str, Any], tmp_path: Any
) -> None:
    rows = family(num("Y1"), 10, **{"县(市、区)": "阳新县", "乡镇": "富池镇", "行政村": "富池村"})
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "yx.xlsx", rows)), "--create-regions")
    assert code == 0, result["errors"]
    assert result["households_created"] == 1 and "阳新县" in result["regions_to_create"]
    made = Household.objects.get(number=num("Y1"))
    assert made.region.path.startswith(Region.objects.get(name="阳新县").path)
    # The web keeps a county admin to their own county.
    assert not Household.objects.visible_to(users["county_admin"]).filter(pk=made.pk).exists()
