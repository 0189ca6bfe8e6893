"""Test personas (county admin, town, village, grid, auditor, a user of another town) and data."""

from __future__ import annotations

from typing import Any

import pytest

from fangpin.testing import make_household, make_region_tree, make_user


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


@pytest.fixture
def browser_page(live_server: Any) -> Any:
    """A Playwright page in Debian's Chromium (no browser download); skipped if it is missing.

    Use `browser_page.goto(live_server.url + "/…")`; `set_viewport_size` for a phone screen.
    """
    import os
    import shutil

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        # With Playwright's event loop on this thread, asgiref keeps Django's connections per
        # context, not per thread: close the test's own here, or PostgreSQL's test database
        # cannot be dropped at the end ("being accessed by other users").
        from django.db import connections

        connections.close_all()
        context.close()
        browser.close()


def browser_login(page: Any, live_server: Any, username: str, password: str = "Passw0rd!x") -> None:
    """Log in through the real login form."""
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login" not in url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Any:
    """Put back the rows data migrations seed (visit rules, policy defaults) after a transactional
    test: its teardown flushes every table, and under xdist a later test of the same worker that
    relies on the seeds would otherwise find none."""
    yield
    marker = item.get_closest_marker("django_db")
    if nextitem is None or marker is None or not marker.kwargs.get("transaction"):
        return  # after the last test the test database is already gone
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for migration in MigrationLoader(connection).disk_migrations.values():
            for op in migration.operations:
                seed: Any = getattr(op, "code", None)
                if isinstance(op, RunPython) and getattr(seed, "__name__", "") == "seed":
                    seed(apps, None)


@pytest.fixture(autouse=True)
def _code_tables_reset() -> Any:
    """A test's code-table edits are rolled back with its database; so are the tables in memory."""
    yield
    from core import codes

    codes.reset()


@pytest.fixture(autouse=True)
def _register_snapshot_reset() -> Any:
    """The comparison's register in memory (exchange.engine) goes with the test's database: the
    next test's rows may have the same counts, last ids and times (and tests change people with
    queryset.update(), which the snapshot's version cannot see)."""
    from exchange.engine import _SNAPSHOTS

    _SNAPSHOTS.clear()
    yield
    _SNAPSHOTS.clear()
