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
from core import codes, hooks, labels
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
    # 风险消除 is started for every 监测户 that may have one (not 整户无劳动力), up to four.
    can_eliminate = Household.objects.exclude(category="").filter(
        risk_eliminated=False, no_labour=False
    )
    eliminations = open_cases.filter(kind=Case.Kind.ELIMINATE)
    assert eliminations.count() == min(4, can_eliminate.count())
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
    # … and the dashboard's (statistics as of today, computed from the history).
    board = client.get(reverse("stats:index")).context["key_figures"]
    shown = {f["label"]: f["value"] for f in board}
    assert shown["户籍户数"] == {"households": now["households"], "persons": now["persons"]}
    assert shown["脱贫户"]["households"] == now["alleviated"]
    population = labels.for_year().population  # 防止返贫致贫对象 from 2026
    assert shown[population]["households"] == now["monitored"]
    assert shown["未消除风险"]["households"] == now["monitored_open"]

    # Each role's home page: its due work, in the order it works.
    grid_work, grid_page = sections(client, "grid_member")
    assert grid_work[:2] == ["visits", "screenings"] and "记录走访" in grid_page
    # The 网格员's visits are of the households of their grid (责任落实 › 网格).
    visits = grid_page.split('data-task="visits"')[1].split('data-task="screenings"')[0]
    listed = {int(pk) for pk in re.findall(r"/assistance/households/(\d+)/", visits)}
    assigned = set(hooks.call("duty.grid_households", grid).values_list("pk", flat=True))
    assert listed and listed <= assigned
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
