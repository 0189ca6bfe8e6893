"""Internal data-quality rules (`fangpin check`): each fires on bad data and not on good data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.checks import _CHECKS, Check
from exchange import services
from exchange.models import Item
from exchange.tests.conftest import member
from fangpin.testing import make_household
from registry import services as registry_services
from registry.models import Household

TODAY = timezone.localdate()


def years_ago(n: int, days: int = 30) -> dt.date:
    return TODAY.replace(year=TODAY.year - n) - dt.timedelta(days=days)


def fired(code: str) -> list:
    return sorted(
        Item.objects.filter(rule__code=code, status="open").values_list("household_id", "person_id")
    )


@pytest.fixture
def hh(regions):
    return make_household(regions["village"], members=0)


def test_a_healthy_working_age_non_student_without_labour_is_a_finding(hh):
    bad = member(hh, years_ago(40), health="健康", schooling="非在校生", labour_skill="无劳动力")
    member(hh, years_ago(41), health="长期慢性病", labour_skill="无劳动力")
    member(hh, years_ago(70), health="健康", labour_skill="无劳动力")
    member(hh, years_ago(42), health="健康", labour_skill="普通劳动力")
    result = services.run_checks(actor=None)
    assert fired("C_AGE_LABOUR") == [(hh.pk, bad.pk)]
    assert result["counts"]["C_AGE_LABOUR"] == 1
    assert Item.objects.get(rule__code="C_AGE_LABOUR").message == (
        "40岁、健康、非在校生，劳动技能却为“无劳动力”"
    )


def test_under_sixteen_with_labour_or_work_is_a_finding(hh):
    worker = member(hh, years_ago(14), employment="省外务工", labour_skill="无劳动力")
    member(hh, years_ago(14, days=60), labour_skill="无劳动力", employment="未务工")
    member(hh, years_ago(17), labour_skill="普通劳动力", employment="省外务工")
    services.run_checks(actor=None)
    assert fired("C_UNDER16_WORK") == [(hh.pk, worker.pk)]


def test_a_compulsory_school_age_child_out_of_school_is_a_finding(hh):
    out = member(hh, years_ago(10), schooling="非在校生")
    member(hh, years_ago(10, days=90), schooling="小学")
    member(hh, years_ago(17), schooling="非在校生")
    services.run_checks(actor=None)
    assert fired("C_SCHOOL_AGE") == [(hh.pk, out.pk)]


def test_an_able_bodied_tekun_person_is_a_finding(hh):
    able = member(hh, years_ago(30), tekun=True, health="健康", schooling="非在校生")
    member(hh, years_ago(30, days=50), tekun=True, health="残疾")
    services.run_checks(actor=None)
    assert fired("C_TEKUN_ABLE") == [(hh.pk, able.pk)]


def test_head_and_spouse_of_the_same_sex_are_a_finding(regions):
    same = make_household(regions["village"], members=0)
    member(same, years_ago(50), relation="户主", sex="男")
    spouse = member(same, years_ago(49), relation="配偶", sex="男")
    fine = make_household(regions["village"], members=0)
    member(fine, years_ago(50), relation="户主", sex="男")
    member(fine, years_ago(49), relation="配偶", sex="女")
    services.run_checks(actor=None)
    assert fired("C_HEAD_SPOUSE_SEX") == [(same.pk, spouse.pk)]


def _monitored(region, risks, members, **status):
    h = make_household(region, members=0)
    for i, facts in enumerate(members):
        member(h, years_ago(30 + i), **facts)
    registry_services.update_household(
        source="导入",
        actor=None,
        household=h,
        category="边缘易致贫户",
        identified_date=status.pop("identified_date", dt.date(2025, 1, 10)),
        risk_list=risks,
        **status,
    )
    return h


def test_risk_types_must_match_the_members(regions):
    v = regions["village"]
    ill_nobody = _monitored(v, ["因病"], [{"health": "健康"}])
    _monitored(v, ["因病"], [{"health": "患有大病"}])
    work_nobody = _monitored(v, ["因务工就业不稳"], [{"labour_skill": "无劳动力"}])
    _monitored(v, ["因务工就业不稳"], [{"labour_skill": "普通劳动力"}])
    lack_but_able = _monitored(
        v, ["缺劳动力"], [{"labour_skill": "普通劳动力"}, {"labour_skill": "技能劳动力"}]
    )
    _monitored(v, ["缺劳动力"], [{"labour_skill": "普通劳动力"}, {"labour_skill": "无劳动力"}])
    services.run_checks(actor=None)
    assert fired("C_ILL_NO_PATIENT") == [(ill_nobody.pk, None)]
    assert fired("C_WORK_NO_LABOUR") == [(work_nobody.pk, None)]
    assert fired("C_LACK_LABOUR") == [(lack_but_able.pk, None)]


def test_early_and_quick_eliminations_are_findings(regions):
    v = regions["village"]

    def eliminated(identified, eliminated_on, method, **extra):
        h = _monitored(v, ["因病"], [{"health": "患有大病"}], identified_date=identified)
        registry_services.update_household(
            source="导入",
            actor=None,
            household=h,
            risk_eliminated=True,
            eliminated_date=eliminated_on,
            elimination_method=method,
            **extra,
        )
        return h

    quick = eliminated(dt.date(2025, 1, 10), dt.date(2025, 3, 1), "帮扶消除")
    early = eliminated(dt.date(2025, 1, 10), dt.date(2025, 5, 1), "自然消除")
    eliminated(dt.date(2025, 1, 10), dt.date(2025, 9, 1), "帮扶消除")
    services.run_checks(actor=None)
    assert fired("C_ELIM_2M") == [(quick.pk, None)]
    assert fired("C_ELIM_6M") == sorted([(quick.pk, None), (early.pk, None)])


def test_a_no_labour_household_marked_eliminated_is_a_finding(regions):
    h = _monitored(regions["village"], ["因病"], [{"health": "患有大病"}])
    Household.objects.filter(pk=h.pk).update(
        no_labour=True, risk_eliminated=True, eliminated_date=dt.date(2025, 9, 1)
    )
    _monitored(regions["village"], ["因病"], [{"health": "患有大病"}], no_labour=True)
    services.run_checks(actor=None)
    assert fired("C_NOLABOUR_ELIM") == [(h.pk, None)]


def test_a_rerun_closes_findings_that_no_longer_fire_and_keeps_the_same_item(hh):
    p = member(hh, years_ago(40), health="健康", schooling="非在校生", labour_skill="无劳动力")
    assert services.run_checks(actor=None)["findings_created"] == 1
    second = services.run_checks(actor=None)
    assert second["findings_created"] == 0 and second["findings_closed"] == 0
    assert Item.objects.get(rule__code="C_AGE_LABOUR").times_seen == 2
    registry_services.update_person(actor=None, person=p, labour_skill="普通劳动力")
    third = services.run_checks(actor=None)
    assert third["findings_closed"] == 1
    assert Item.objects.get(rule__code="C_AGE_LABOUR").status == Item.Status.CLOSED


def test_checks_registered_by_other_apps_run_and_become_findings(hh, monkeypatch):
    def fake(region):
        return [
            {"household_id": hh.pk, "person_id": None, "message": "测试检查命中", "evidence": {}}
        ]

    monkeypatch.setitem(_CHECKS, "T_FAKE", Check("T_FAKE", "测试检查", "red", fake))
    result = services.run_checks(actor=None)
    assert result["counts"]["T_FAKE"] == 1
    item = Item.objects.get(rule__code="T_FAKE")
    assert (item.message, item.severity, item.kind) == ("测试检查命中", "red", "finding")


def test_checks_limited_to_a_region_leave_other_regions_alone(regions):
    here = make_household(regions["village"], members=0)
    there = make_household(regions["other_village"], members=0)
    for h in (here, there):
        member(h, years_ago(40), health="健康", schooling="非在校生", labour_skill="无劳动力")
    services.run_checks(actor=None, region=regions["other_town"])
    assert [h for h, _ in fired("C_AGE_LABOUR")] == [there.pk]
