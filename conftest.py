"""Test personas (county admin, town, village, grid, auditor, a user of another town) and data."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing import make_household, make_region_tree, make_user


@pytest.fixture
def regions(db: Any) -> dict[str, Any]:
    return make_region_tree()


@pytest.fixture
def users(regions: dict[str, Any]) -> dict[str, Any]:
    return {
        "county_admin": make_user(
            "county", "county_admin", regions["county"], can_view_sensitive=True
        ),
        "auditor": make_user("auditor", "auditor", regions["county"]),
        "town_staff": make_user("town", "town_staff", regions["town"]),
        "village_staff": make_user("village", "village_staff", regions["village"]),
        "grid_member": make_user("grid", "grid_member", regions["village"]),
        "other_town": make_user("other", "town_staff", regions["other_town"]),
    }


@pytest.fixture
def household(regions: dict[str, Any]) -> Any:
    return make_household(regions["village"], number="420281100201000001")


@pytest.fixture
def other_household(regions: dict[str, Any]) -> Any:
    return make_household(regions["other_village"], number="420281200101000001")


@pytest.fixture
def client_for(client: Any, users: dict[str, Any]) -> Any:
    """client_for("town_staff") → a test client logged in as that persona."""

    def login(role: str) -> Any:
        client.force_login(users[role])
        return client

    return login
