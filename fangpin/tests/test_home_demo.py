"""The demo county has work for every role, and each role's home page shows its own due work
first: a 网格员 and a village cadre their visits, screenings and leads, a town its queue and
the overdue, the county its figures, an auditor no action button."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from assistance.models import Campaign, Contact, Measure, Screening, Visit
from core import codes
from exchange.models import Batch, Item
from imports.models import ImportBatch
from monitoring.models import Case, Lead
from registry.models import Household

pytestmark = pytest.mark.django_db


def build(households: int = 300, seed: int = 7) -> dict:
    out = StringIO()
    call_command("demo", households=households, seed=seed, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def sections(client, username: str) -> tuple[list[str], str]:
    client.force_login(User.objects.get(username=username))
    page = client.get(reverse("home")).content.decode()
    return re.findall(r'data-task="(\w+)"', page), page


def test_the_demo_county_has_work_for_every_role_and_home_pages_show_it(client):
    made = build()
    grid = User.objects.get(username="grid_member")
    village = grid.region
    # The village of the demo village and grid logins has 脱贫户 and 监测户.
    here = Household.objects.filter(region__path__startswith=village.path)
    assert here.filter(is_alleviated=True).exists() and here.exclude(category="").exists()
    # Leads from every channel; cases at every step, some overdue; a 公示 running; eliminations.
    assert set(Lead.objects.values_list("source", flat=True)) == set(codes.LEAD_SOURCES)
    open_cases = Case.objects.open()
    assert set(open_cases.values_list("current_step", flat=True)) >= {
        "visit", "compare", "review", "notice", "town", "county"
    }  # fmt: skip
    assert {"red", "orange", ""} <= set(open_cases.values_list("alert", flat=True))
    assert open_cases.filter(current_step="notice", notice_start__isnull=False).exists()
    assert open_cases.filter(kind=Case.Kind.ELIMINATE).exists()
    # Contacts and measures for every 监测户; visits; a running 集中排查; department batches.
    monitored = Household.objects.exclude(category="")
    assert not monitored.exclude(pk__in=Contact.objects.values("household")).exists()
    assert not monitored.exclude(pk__in=Measure.objects.values("household")).exists()
    assert Visit.objects.exists() and Campaign.objects.exists()
    assert Screening.objects.filter(done=True).exists()
    assert Screening.objects.filter(done=False, cadre=grid).exists()
    assert Batch.objects.filter(status="done").count() >= 5
    assert Batch.objects.filter(status="rejected").exists()
    assert Item.objects.open().filter(kind="warning").exists()
    assert Item.objects.open().filter(kind="finding").exists()
    assert ImportBatch.objects.filter(status="imported").exists()
    # The terminal's figures are the home page's.
    _, page = sections(client, "county_admin")
    figures = re.findall(r'<div class="fp-stat">([\d,]+)</div>', page)
    now = made["now"]
    assert figures[:3] == [
        f"{now['households']:,}", f"{now['alleviated']:,}", f"{now['monitored_open']:,}"
    ]  # fmt: skip

    # Each role's home page: its due work, in the order it works.
    grid_work, grid_page = sections(client, "grid_member")
    assert grid_work[:2] == ["visits", "screenings"] and "记录走访" in grid_page
    assert "开始排查" in grid_page
    village_work, _ = sections(client, "village_staff")
    assert village_work[0] == "leads" and "steps" in village_work
    town_work, town_page = sections(client, "town_staff")
    assert town_work[:2] == ["steps", "overdue"] and "办理" in town_page
    county_work, county_page = sections(client, "county_admin")
    assert county_page.index("fp-figures") < county_page.index("待办工作")
    assert "steps" in county_work and "items" in county_work
    auditor_work, auditor_page = sections(client, "auditor")
    assert auditor_work and "fp-tap" not in auditor_page  # reads, no action buttons


def test_a_home_page_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    build(households=120, seed=3)
    client.force_login(User.objects.get(username="town_staff"))
    with django_assert_max_num_queries(45):
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("demo", [True, False])
def test_the_demo_logins_are_on_the_login_page_in_demo_mode_only(client, demo, users):
    User.objects.create_user("grid_member", password="x", role="grid_member", region=None)
    with override_settings(FANGPIN_DEMO=demo):
        page = client.get(reverse("accounts:login")).content.decode()
    assert ("data-demo-logins" in page) is demo
    assert ("demo12345" in page) is demo
