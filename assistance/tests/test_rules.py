"""Rules 18–20 and 26: each check fires on a bad plan and stays silent on a good one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assistance import checks
from assistance.models import Measure
from assistance.tests.conftest import TODAY, monitored
from core.checks import all_checks
from registry.models import Household

pytestmark = pytest.mark.django_db


def measure(h: Any, category: str, subtype: str = "", **kw: Any) -> Measure:
    return Measure.objects.create(household=h, category=category, subtype=subtype, **kw)


def run(fn: Any, h: Any) -> list[dict]:
    return fn(Household.objects.filter(pk=h.pk))


def test_rule_18_flags_a_risk_without_a_matching_measure(regions: dict) -> None:
    h = monitored(regions["village"], ["因病", "因安全住房"])
    measure(h, "健康帮扶", "家庭医生签约")
    found = run(checks.risk_without_measure, h)
    assert [f["evidence"]["risk"] for f in found] == ["因安全住房"]
    assert found[0]["household_id"] == h.pk
    assert "因安全住房" in found[0]["message"] and "住房安全保障" in found[0]["message"]


def test_rule_18_is_silent_when_every_risk_has_a_measure(regions: dict) -> None:
    h = monitored(regions["village"], ["因病", "因安全住房"])
    measure(h, "社会帮扶")
    measure(h, "搬迁")
    assert run(checks.risk_without_measure, h) == []


def test_rule_18_ignores_stopped_measures(regions: dict) -> None:
    h = monitored(regions["village"], ["因学"])
    measure(h, "教育帮扶", status=Measure.Status.STOPPED)
    assert len(run(checks.risk_without_measure, h)) == 1


def _with_labour(h: Any) -> Any:
    h.persons.filter(relation="户主").update(labour_skill="普通劳动力")
    return h


def test_rule_19_flags_a_household_with_labour_relying_on_security_alone(regions: dict) -> None:
    h = _with_labour(monitored(regions["village"], ["因病"]))
    measure(h, "综合保障", "低保")
    found = run(checks.labour_without_developmental, h)
    assert len(found) == 1 and "仅有综合保障" in found[0]["message"]
    assert found[0]["evidence"]["only_security"] is True


def test_rule_19_flags_a_household_with_labour_and_no_developmental_measure(
    regions: dict,
) -> None:
    h = _with_labour(monitored(regions["village"], ["因病"]))
    measure(h, "健康帮扶")
    found = run(checks.labour_without_developmental, h)
    assert len(found) == 1 and "没有开发式帮扶措施" in found[0]["message"]


def test_rule_19_is_silent_with_a_developmental_measure_or_without_labour(regions: dict) -> None:
    with_job = _with_labour(monitored(regions["village"], ["因病"]))
    measure(with_job, "就业帮扶", "公益岗位")
    no_labour = monitored(regions["village"], ["因病"])
    no_labour.persons.update(labour_skill="丧失劳动力")
    eliminated = _with_labour(
        monitored(
            regions["village"],
            ["因病"],
            risk_eliminated=True,
            eliminated_date=TODAY,
            elimination_method="帮扶消除",
        )
    )
    for h in (with_job, no_labour, eliminated):
        assert run(checks.labour_without_developmental, h) == []


def test_rule_20_flags_a_dibao_measure_without_a_dibao_member(regions: dict) -> None:
    h = monitored(regions["village"], ["因病"])
    measure(h, "综合保障", "农村低保")
    found = run(checks.security_mismatch, h)
    assert len(found) == 1 and "没有享受低保人员" in found[0]["message"]


def test_rule_20_flags_a_disabled_member_without_a_disability_measure(regions: dict) -> None:
    h = monitored(regions["village"], ["因残"])
    person = h.persons.first()
    h.persons.filter(pk=person.pk).update(health="残疾")
    measure(h, "综合保障", "特困供养")
    h.persons.exclude(pk=person.pk).filter(relation="配偶").update(tekun=True)
    found = run(checks.security_mismatch, h)
    assert [(f["person_id"], f["evidence"]["fact"]) for f in found] == [(person.pk, "disabled")]
    assert "残疾" in found[0]["message"] and person.name in found[0]["message"]


def test_rule_20_is_silent_when_measures_and_members_agree(regions: dict) -> None:
    h = monitored(regions["village"], ["因残"])
    h.persons.filter(relation="户主").update(dibao=True, health="残疾")
    measure(h, "综合保障", "低保")
    measure(h, "综合保障", "残疾人补贴")
    assert run(checks.security_mismatch, h) == []


def test_rule_26_flags_a_continuing_measure_past_its_end_date(regions: dict) -> None:
    h = monitored(
        regions["village"],
        ["因病"],
        risk_eliminated=True,
        eliminated_date=TODAY,
        elimination_method="帮扶消除",
    )
    measure(
        h,
        "金融帮扶",
        "小额信贷",
        continues_after_elimination=True,
        end_date=TODAY - dt.timedelta(1),
    )
    measure(h, "公益岗位帮扶", "公益岗位", continues_after_elimination=True, end_date=TODAY)
    measure(h, "教育帮扶", "雨露计划")
    measure(h, "健康帮扶", "家庭医生签约")
    found = " | ".join(f["message"] for f in run(checks.continuing_overrun, h))
    assert found.count(" | ") == 1
    assert "“金融帮扶·小额信贷”已于" in found and "仍为实施中" in found
    assert "“教育帮扶·雨露计划”仍在实施：应标注“风险消除后继续”" in found
    assert "公益岗位" not in found and "家庭医生" not in found


def test_checks_are_registered_and_run_set_wise(
    regions: dict, django_assert_max_num_queries: Any
) -> None:
    registered = {c.code: c for c in all_checks()}
    assert {"R18", "R19", "R20", "R26"} <= set(registered)
    for _ in range(5):
        h = _with_labour(monitored(regions["village"], ["因病", "因学"]))
        h.persons.filter(relation="配偶").update(dibao=True)
    monitored(regions["other_village"], ["因病"])
    with django_assert_max_num_queries(8):
        town = [
            f for code in ("R18", "R19", "R20", "R26") for f in registered[code].fn(regions["town"])
        ]
    assert len([f for f in town if "因病" in f["message"]]) == 5
    assert {f["household_id"] for f in town} == set(
        Household.objects.filter(region=regions["village"]).values_list("pk", flat=True)
    )


def test_fangpin_check_stores_the_assistance_findings(regions: dict, users: dict) -> None:
    from exchange.models import Item
    from exchange.services import run_checks

    h = monitored(regions["village"], ["因安全饮水"])
    result = run_checks(actor=users["county_admin"], region=regions["county"])
    assert result["counts"]["R18"] == 1
    item = Item.objects.get(rule__code="R18")
    assert item.household_id == h.pk and "因安全饮水" in item.message
    measure(h, "饮水安全保障", "集中供水入户")
    assert run_checks(actor=users["county_admin"], region=regions["county"])["counts"]["R18"] == 0
