"""Rule settings per county (policy rule 29): one county's thresholds and on/off are its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.dates import today
from core.models import AuditRecord
from exchange import engine, services
from exchange.models import Item, Rule
from exchange.tests.conftest import AS_OF, member, write_file
from exchange.tests.test_rules import med
from fangpin.testing import make_household, make_user
from regions.models import Region
from regions.services import create_region


@pytest.fixture
def neighbour(regions: dict[str, Any]) -> dict[str, Any]:
    """A second county on the same server, with its admin and a village household."""
    county = create_region(
        actor=None, name="阳新县", level=Region.Level.COUNTY, code="420222000000"
    )
    town = create_region(actor=None, name="兴国镇", level=2, parent=county)
    village = create_region(actor=None, name="城东村", level=3, parent=town)
    return {
        "county": county,
        "admin": make_user("yangxin", "county_admin", county),
        "household": make_household(village),
    }


def compare_everywhere(tmp_path: Any, rows: list[dict]) -> Any:
    """A 医保 file compared by the command: every county's people in one file."""
    path = write_file(tmp_path, "medical", rows)
    return services.compare(actor=None, source="medical", path=path, as_of=AS_OF, region=None)


def selfpay(person: Any) -> Item | None:
    return Item.objects.filter(rule__code="W_MED_SELFPAY", person=person).first()


def test_a_countys_threshold_is_its_own_and_the_neighbour_keeps_the_default(
    tmp_path: Any, users: dict[str, Any], neighbour: dict[str, Any], village_household: Any
) -> None:
    rule = engine.ensure_rules()["W_MED_SELFPAY"]
    services.set_rule_parameters(
        actor=users["county_admin"], rule=rule, year=2026, parameters={"threshold_general": 8000}
    )
    ours, theirs = member(village_household), member(neighbour["household"])
    compare_everywhere(tmp_path, [med(ours, "9000"), med(theirs, "9000")])
    item = selfpay(ours)
    assert item is not None and "一般农户阈值 8,000 元" in item.message
    assert selfpay(theirs) is None  # 9,000 is below the 20,000 the other county never changed
    assert rule.parameters_for(2026, neighbour["county"])["threshold_general"] == 20000
    assert rule.parameters_for(2026, users["town_staff"].region)["threshold_general"] == 8000
    change = AuditRecord.objects.filter(object_type="exchange.rule").latest("pk")
    assert change.region_id == users["county_admin"].region.pk
    assert change.after["region"] == "大冶市"


def test_the_neighbours_admin_sees_and_edits_only_their_own_setting(
    client: Any, users: dict[str, Any], neighbour: dict[str, Any]
) -> None:
    year = today().year
    rule = engine.ensure_rules()["W_MED_SELFPAY"]
    services.set_rule_parameters(
        actor=users["county_admin"], rule=rule, year=year, parameters={"threshold_general": 8000}
    )
    client.force_login(neighbour["admin"])
    url = reverse("exchange:rule_edit", args=[rule.pk]) + f"?year={year}"
    page = client.get(url).content.decode()
    assert 'value="20000"' in page and 'value="8000"' not in page
    assert "只适用于阳新县及下辖区划" in page
    listing = client.get(reverse("exchange:rule_list")).content.decode()
    assert "一般农户的预警线 20000元" in listing and "8000元" not in listing
    form = {"year": year, "p_threshold_general": "30000", "p_threshold_priority": "5000"}
    assert client.post(url, form).status_code == 302  # and the rule off ("enabled" unticked)
    ours = Rule.objects.get(pk=rule.pk)
    assert ours.setting_for(year, users["county_admin"].region) == (
        {"threshold_priority": 5000, "threshold_general": 8000},
        True,
    )
    assert ours.setting_for(year, neighbour["county"]) == (
        {"threshold_priority": 5000, "threshold_general": 30000},
        False,
    )


def test_a_rule_one_county_turns_off_still_runs_in_the_other_and_closes_nothing_there(
    tmp_path: Any, users: dict[str, Any], neighbour: dict[str, Any], village_household: Any
) -> None:
    rule = engine.ensure_rules()["W_MED_SELFPAY"]
    ours, theirs = member(village_household), member(neighbour["household"])
    compare_everywhere(tmp_path, [med(ours, "25000"), med(theirs, "25000")])
    assert selfpay(ours) is not None and selfpay(theirs) is not None
    services.set_rule_parameters(
        actor=neighbour["admin"], rule=rule, year=2026, parameters={}, enabled=False
    )
    services.set_rule_parameters(
        actor=users["county_admin"], rule=rule, year=2026, parameters={"threshold_general": 8000}
    )
    compare_everywhere(tmp_path, [med(ours, "1000"), med(theirs, "1000")])
    mine, other = selfpay(ours), selfpay(theirs)
    assert mine is not None and mine.times_seen == 2 and "8,000" in mine.message
    assert other is not None and other.status == Item.Status.OPEN and other.times_seen == 1


def test_a_setting_made_before_settings_had_a_county_still_holds_everywhere(
    tmp_path: Any, users: dict[str, Any], neighbour: dict[str, Any], village_household: Any
) -> None:
    from exchange.models import RuleYear

    rule = engine.ensure_rules()["W_MED_SELFPAY"]
    RuleYear.objects.create(rule=rule, year=2026, parameters={"threshold_general": 9000})
    services.set_rule_parameters(
        actor=users["county_admin"], rule=rule, year=2026, parameters={"threshold_priority": 1}
    )
    assert rule.parameters_for(2026, neighbour["county"])["threshold_general"] == 9000
    assert rule.parameters_for(2026, users["county_admin"].region) == {
        "threshold_priority": 1,
        "threshold_general": 9000,
    }
    assert rule.parameters_for(2027, users["county_admin"].region)["threshold_general"] == 20000
    ours, theirs = member(village_household), member(neighbour["household"])
    compare_everywhere(tmp_path, [med(ours, "9500"), med(theirs, "9500")])
    assert selfpay(ours) is not None and selfpay(theirs) is not None


def test_fangpin_check_runs_each_countys_registered_check_with_its_own_parameters(
    users: dict[str, Any], regions: dict[str, Any], neighbour: dict[str, Any], monkeypatch: Any
) -> None:
    """`fangpin check` (every county at once) runs a registered check (Z02, the work team's
    term) once per county that set its own term, each county's findings by its own term."""
    import datetime as dt

    from duty import checks
    from duty.models import WorkTeamMember

    monkeypatch.setattr(checks, "today", lambda: dt.date(2026, 6, 15))
    theirs = neighbour["household"].region
    for village, name in ((regions["village"], "王五"), (theirs, "赵六")):
        WorkTeamMember.objects.create(region=village, name=name, start=dt.date(2025, 1, 10))
    rule = engine.ensure_rules()["Z02"]
    services.set_rule_parameters(
        actor=users["county_admin"], rule=rule, year=2026, parameters={"max_years": 1}
    )
    services.run_checks(actor=None, region=None, as_of=dt.date(2026, 6, 15))
    found = Item.objects.filter(rule__code="Z02")
    assert [(i.region_id, i.message) for i in found] == [
        (regions["village"].pk, "驻村队员王五自2025-01-10驻村，已超过1年任期")
    ]
