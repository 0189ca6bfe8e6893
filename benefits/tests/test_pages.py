"""The 政策落实 page's links stay within the regions the user may see."""

from __future__ import annotations

from typing import Any

from django.urls import reverse


def test_return_to_the_parent_region_only_when_the_user_may_see_it(
    client_for: Any, regions: dict[str, Any]
) -> None:
    url = reverse("benefits:policy")
    town, county = regions["town"], regions["county"]
    page = client_for("town_staff").get(f"{url}?region={town.pk}&year=2026").content.decode()
    assert f"?region={county.pk}&year=2026" not in page  # the county answers them 404
    assert "返回上级区划" not in page
    page = client_for("county_admin").get(f"{url}?region={town.pk}&year=2026").content.decode()
    assert f'href="?region={county.pk}&year=2026">返回上级区划' in page
