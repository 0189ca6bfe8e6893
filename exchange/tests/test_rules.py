"""Every built-in department rule: data that fires it and data that must not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from exchange.models import Item, Rule
from exchange.tests.conftest import AS_OF, member
from registry import services as registry_services


def codes(*rule_codes: str) -> list[tuple[str, int | None]]:
    return sorted(
        Item.objects.filter(rule__code__in=rule_codes).values_list("rule__code", "person_id")
    )


def med(p, amount: str, date: str = "2026-04-01") -> dict:
    return {
        "证件号码": p.id_number,
        "姓名": p.name,
        "结算日期": date,
        "就诊类型": "住院",
        "医疗总费用": "90000",
        "个人自付": amount,
    }


def test_self_payment_threshold_is_lower_for_alleviated_households(run_compare, regions):
    from fangpin.testing import make_household

    poor = make_household(regions["village"], members=1, is_alleviated=True, alleviated_year=2019)
    general = make_household(regions["village"], members=1)
    a, b = member(poor), member(general)
    run_compare("medical", [med(a, "6000"), med(b, "6000"), med(b, "3000", "2024-01-01")])
    item = Item.objects.get(rule__code="W_MED_SELFPAY")
    assert item.person_id == a.pk
    assert "脱贫户和监测户阈值 5,000 元" in item.message


def test_self_payments_of_an_earlier_year_do_not_count(run_compare, village_household):
    p = member(village_household)
    run_compare("medical", [med(p, "15000"), med(p, "15000", "2025-05-01")])
    assert codes("W_MED_SELFPAY") == []


def test_self_payments_add_up_over_the_calendar_year_not_twelve_months(
    run_compare, village_household
):
    """policy.md §7: 自付 cumulative "this year" — a stay last December is not this year's."""
    p = member(village_household)
    run_compare("medical", [med(p, "15000", "2025-12-15"), med(p, "6000", "2026-02-01")])
    assert codes("W_MED_SELFPAY") == []
    run_compare("medical", [med(p, "14000", "2026-01-01")])
    item = Item.objects.get(rule__code="W_MED_SELFPAY")
    assert item.message == "2026年累计个人自付医疗费用 20,000 元，超过一般农户阈值 20,000 元"
    assert item.evidence_key == "2026"


def test_the_self_payment_rule_has_no_period_of_months(run_compare, village_household):
    import importlib

    from django.apps import apps

    from exchange.engine import ensure_rules
    from exchange.models import RuleYear

    rule = ensure_rules()["W_MED_SELFPAY"]
    assert "months" not in rule.parameters and "{year}年累计" in rule.explanation
    migration = importlib.import_module("exchange.migrations.0009_med_selfpay_calendar_year")
    old = "近{months}个月个人自付医疗费用合计 {amount} 元，超过{grp}阈值 {threshold} 元"
    Rule.objects.filter(pk=rule.pk).update(
        parameters={"months": 12, "threshold_priority": 4000, "threshold_general": 20000},
        explanation=old,
    )
    RuleYear.objects.create(rule=rule, year=2026, parameters={"months": 6, "threshold_general": 1})
    migration.forwards(apps, None)
    rule.refresh_from_db()
    assert rule.parameters == {"threshold_priority": 4000, "threshold_general": 20000}
    assert rule.explanation == migration.NEW
    assert RuleYear.objects.get(rule=rule).parameters == {"threshold_general": 1}


def test_the_same_evidence_next_month_is_the_same_item_and_totals_span_files(
    run_compare, village_household
):
    p = member(village_household)
    run_compare("medical", [med(p, "12000", "2026-01-10")])
    assert codes("W_MED_SELFPAY") == []
    first = run_compare("medical", [med(p, "9000", "2026-02-10")])
    assert first.warnings_created == 1
    again = run_compare("medical", [med(p, "1000", "2026-03-10")])
    assert again.warnings_created == 0
    item = Item.objects.get(rule__code="W_MED_SELFPAY")
    assert item.times_seen == 2 and "22,000 元" in item.message


def test_a_year_parameter_set_by_the_county_admin_changes_the_threshold(
    run_compare, village_household, users
):
    from exchange import engine, services

    rule = engine.ensure_rules()["W_MED_SELFPAY"]
    services.set_rule_parameters(
        actor=users["county_admin"], rule=rule, year=2026, parameters={"threshold_general": 8000}
    )
    p = member(village_household)
    run_compare("medical", [med(p, "9000")])
    assert "一般农户阈值 8,000 元" in Item.objects.get(rule__code="W_MED_SELFPAY").message


def test_severe_disability_warns_and_a_certificate_without_disabled_health_is_a_finding(
    run_compare, village_household
):
    severe = member(village_household, health="健康")
    mild = member(village_household, birth=dt.date(1981, 1, 1), health="残疾")
    row = {"残疾类别": "肢体", "发证日期": "2026-05-01"}
    run_compare(
        "disability",
        [
            {
                "证件号码": severe.id_number,
                "姓名": "甲",
                "残疾人证号": "A1",
                "残疾等级": "二级",
                **row,
            },
            {
                "证件号码": mild.id_number,
                "姓名": "乙",
                "残疾人证号": "B1",
                "残疾等级": "四级",
                **row,
            },
        ],
    )
    assert codes("W_DIS_SEVERE") == [("W_DIS_SEVERE", severe.pk)]
    assert codes("F_DIS_HEALTH") == [("F_DIS_HEALTH", severe.pk)]
    finding = Item.objects.get(rule__code="F_DIS_HEALTH")
    assert finding.message == "残联有残疾人证（A1，肢体二级），台账健康状况为“健康”，未标注残疾"


def test_school_age_dropout_warns_and_schooling_disagreement_is_a_finding(
    run_compare, village_household
):
    child = member(village_household, birth=dt.date(2013, 3, 1), schooling="七年级")
    student = member(village_household, birth=dt.date(2014, 3, 1), schooling="非在校生")
    adult = member(village_household, birth=dt.date(2000, 3, 1), schooling="非在校生")
    base = {"学段": "初中", "年级": "七年级", "学校名称": "一中", "更新日期": "2026-03-01"}
    run_compare(
        "education",
        [
            {"证件号码": child.id_number, "姓名": "甲", "学籍状态": "辍学", **base},
            {"证件号码": student.id_number, "姓名": "乙", "学籍状态": "在读", **base},
            {"证件号码": adult.id_number, "姓名": "丙", "学籍状态": "辍学", **base},
        ],
    )
    assert codes("W_EDU_DROPOUT") == [("W_EDU_DROPOUT", child.pk)]
    assert codes("F_EDU_SCHOOLING") == sorted(
        [("F_EDU_SCHOOLING", child.pk), ("F_EDU_SCHOOLING", student.pk)]
    )
    assert "年龄13岁" in Item.objects.get(rule__code="W_EDU_DROPOUT").message


def test_a_dropout_warns_from_6_to_15_the_compulsory_school_ages(run_compare, village_household):
    """policy.md §6: 义务教育阶段适龄儿童少年 are aged 6–15; a 16-year-old's 辍学 is no warning."""
    on = AS_OF
    fifteen = member(village_household, birth=on.replace(year=on.year - 16) + dt.timedelta(days=1))
    sixteen = member(village_household, birth=on.replace(year=on.year - 16))
    base = {"学段": "初中", "年级": "九年级", "学校名称": "一中", "更新日期": f"{on:%Y-%m-%d}"}
    run_compare(
        "education",
        [
            {"证件号码": fifteen.id_number, "姓名": "甲", "学籍状态": "辍学", **base},
            {"证件号码": sixteen.id_number, "姓名": "乙", "学籍状态": "辍学", **base},
        ],
    )
    assert codes("W_EDU_DROPOUT") == [("W_EDU_DROPOUT", fifteen.pk)]


def test_housing_c_and_d_warn_once_per_household_but_b_does_not(run_compare, regions):
    from fangpin.testing import make_household

    h1 = make_household(regions["village"], members=2)
    h2 = make_household(regions["village"], members=1)
    a, b = h1.persons.all()
    c = h2.persons.get()
    rows = [
        {"证件号码": a.id_number, "姓名": "甲", "鉴定等级": "D", "鉴定日期": "2026-04-01"},
        {"证件号码": b.id_number, "姓名": "乙", "鉴定等级": "d", "鉴定日期": "2026-04-01"},
        {"证件号码": c.id_number, "姓名": "丙", "鉴定等级": "B", "鉴定日期": "2026-04-01"},
    ]
    run_compare("housing", rows)
    items = Item.objects.filter(rule__code="W_HOUSING_CD")
    assert [i.household_id for i in items] == [h1.pk]
    assert items[0].message == "住房安全鉴定为D级危房（2026-04-01鉴定）"


def test_disaster_loss_warns_at_the_threshold(run_compare, regions):
    from fangpin.testing import make_household

    big = make_household(regions["village"], members=1).persons.get()
    small = make_household(regions["village"], members=1).persons.get()
    row = {"灾害类型": "洪涝", "受灾日期": "2026-06-01"}
    run_compare(
        "disaster",
        [
            {"证件号码": big.id_number, "姓名": "甲", "损失金额": "10000", **row},
            {"证件号码": small.id_number, "姓名": "乙", "损失金额": "9999.99", **row},
        ],
    )
    assert codes("W_DISASTER") == [("W_DISASTER", big.pk)]


def test_new_civil_aid_warns_unless_the_household_is_already_monitored(run_compare, regions):
    from fangpin.testing import make_household

    plain = make_household(regions["village"], members=1).persons.get()
    monitored_h = make_household(regions["village"], members=1)
    registry_services.update_household(
        source="导入",
        actor=None,
        household=monitored_h,
        category="边缘易致贫户",
        identified_date=dt.date(2026, 1, 5),
        risk_list=["因病"],
    )
    monitored = monitored_h.persons.get()
    row = {"救助类别": "低保边缘", "开始日期": "2026-05-01"}
    run_compare(
        "civil",
        [
            {"证件号码": plain.id_number, "姓名": "甲", **row},
            {"证件号码": monitored.id_number, "姓名": "乙", **row},
        ],
    )
    assert codes("W_CIVIL_ENTRY") == [("W_CIVIL_ENTRY", plain.pk)]


def test_civil_dibao_and_tekun_flags_are_compared_both_ways(run_compare, village_household):
    missing = member(village_household, dibao=False)
    stopped = member(village_household, birth=dt.date(1950, 1, 1), dibao=True)
    agrees = member(village_household, birth=dt.date(1951, 1, 1), tekun=True)
    run_compare(
        "civil",
        [
            {
                "证件号码": missing.id_number,
                "姓名": "甲",
                "救助类别": "农村低保",
                "开始日期": "2020-01-01",
            },
            {
                "证件号码": stopped.id_number,
                "姓名": "乙",
                "救助类别": "农村低保",
                "开始日期": "2019-01-01",
                "结束日期": "2025-12-31",
            },
            {
                "证件号码": agrees.id_number,
                "姓名": "丙",
                "救助类别": "农村特困",
                "开始日期": "2019-01-01",
            },
        ],
    )
    found = {i.person_id: i.message for i in Item.objects.filter(rule__code="F_CIVIL_STATUS")}
    assert found == {
        missing.pk: "民政：农村低保在保；台账“是否享受低保”为否",
        stopped.pk: "民政：农村低保已停保；台账“是否享受低保”为是",
    }


def test_death_of_a_working_age_member_warns_and_a_dead_member_is_a_finding(
    run_compare, village_household
):
    worker = member(village_household, birth=dt.date(1980, 1, 1))
    old = member(village_household, birth=dt.date(1940, 1, 1))
    moved = member(village_household, birth=dt.date(1985, 1, 1))
    run_compare(
        "civil_registry",
        [
            {
                "证件号码": worker.id_number,
                "姓名": "甲",
                "变动类型": "死亡",
                "变动日期": "2026-05-01",
            },
            {"证件号码": old.id_number, "姓名": "乙", "变动类型": "死亡", "变动日期": "2026-05-01"},
            {
                "证件号码": moved.id_number,
                "姓名": "丙",
                "变动类型": "迁出",
                "变动日期": "2026-05-01",
            },
        ],
    )
    assert codes("W_DEATH_WORKING") == [("W_DEATH_WORKING", worker.pk)]
    assert codes("F_DEATH_MEMBER") == sorted(
        [("F_DEATH_MEMBER", worker.pk), ("F_DEATH_MEMBER", old.pk)]
    )


def test_a_dead_person_already_removed_from_the_household_is_not_a_finding(
    run_compare, village_household
):
    p = member(village_household, birth=dt.date(1940, 1, 1))
    registry_services.remove_member(actor=None, person=p, reason="死亡", date=dt.date(2026, 5, 1))
    run_compare(
        "civil_registry",
        [{"证件号码": p.id_number, "姓名": "甲", "变动类型": "死亡", "变动日期": "2026-05-01"}],
    )
    assert codes("F_DEATH_MEMBER", "W_DEATH_WORKING") == []


def test_settlements_for_someone_marked_uninsured_are_a_finding(run_compare, village_household):
    uninsured = member(village_household, medical_insurance=False)
    insured = member(village_household, birth=dt.date(1970, 1, 1), medical_insurance=True)
    run_compare("medical", [med(uninsured, "10"), med(insured, "10")])
    assert codes("F_INSURANCE") == [("F_INSURANCE", uninsured.pk)]


def test_employment_status_and_place_are_compared_with_the_labour_bureau(
    run_compare, village_household
):
    idle = member(village_household, employment="未务工")
    elsewhere = member(
        village_household,
        birth=dt.date(1982, 1, 1),
        employment="省外务工",
        work_place="浙江省义乌市",
    )
    no_place = member(village_household, birth=dt.date(1983, 1, 1), employment="省外务工")
    agrees = member(
        village_household,
        birth=dt.date(1984, 1, 1),
        employment="省外务工",
        work_place="广东省广州市白云区",
    )
    rows = [
        {
            "证件号码": p.id_number,
            "姓名": "某",
            "就业状态": "已就业",
            "就业地区": "广东省广州市白云区",
            "更新日期": "2026-05-01",
        }
        for p in (idle, elsewhere, no_place, agrees)
    ]
    run_compare("employment", rows)
    found = {i.person_id: i.message for i in Item.objects.filter(rule__code="F_EMPLOYMENT")}
    assert found == {
        idle.pk: "人社：已就业（广东省广州市白云区）；台账：务工状况为“未务工”",
        elsewhere.pk: "人社：已就业（广东省广州市白云区）；台账：务工地点为“浙江省义乌市”",
        no_place.pk: (
            "人社：已就业（广东省广州市白云区）；台账：务工状况为“省外务工”，未录入务工地点"
        ),
    }


def test_a_disabled_rule_does_not_fire(run_compare, village_household):
    from exchange import engine

    engine.ensure_rules()
    Rule.objects.filter(code="W_MED_SELFPAY").update(enabled=False)
    p = member(village_household)
    run_compare("medical", [med(p, "90000")])
    assert codes("W_MED_SELFPAY") == []


def test_stored_dropout_ages_still_the_old_default_become_6_to_15(db: Any) -> None:
    """Migration 0008: a database made before keeps a county's own ages, not the old default."""
    import importlib

    from django.apps import apps

    from exchange.engine import ensure_rules

    migration = importlib.import_module("exchange.migrations.0008_dropout_ages_6_to_15")
    rule = ensure_rules()["W_EDU_DROPOUT"]
    for stored, after in (
        ({"min_age": 6, "max_age": 16}, {"min_age": 6, "max_age": 15}),
        ({"min_age": 7, "max_age": 16}, {"min_age": 7, "max_age": 16}),  # the county's own
    ):
        Rule.objects.filter(pk=rule.pk).update(parameters=stored)
        migration.forwards(apps, None)
        assert Rule.objects.get(pk=rule.pk).parameters == after


def test_new_temporary_aid_warns_as_policy_lists_it(run_compare, regions):
    """policy.md §7: 民政 pushes new 低保, 特困 and 临时救助 — a one-off grant whose 结束日期
    is its 开始日期 too."""
    import importlib

    from django.apps import apps

    from exchange.engine import ensure_rules
    from fangpin.testing import make_household

    plain = make_household(regions["village"], members=1).persons.get()
    row = {"证件号码": plain.id_number, "姓名": "甲", "救助类别": "临时救助"}
    run_compare("civil", [row | {"开始日期": "2026-05-01", "结束日期": "2026-05-01"}])
    assert codes("W_CIVIL_ENTRY") == [("W_CIVIL_ENTRY", plain.pk)]
    rule = ensure_rules()["W_CIVIL_ENTRY"]
    assert "临时救助" in rule.name
    migration = importlib.import_module("exchange.migrations.0010_civil_entry_temporary_aid")
    for stored, after in (
        (migration.OLD_TYPES, migration.NEW_TYPES),
        (["农村低保"], ["农村低保"]),  # the county's own
    ):
        Rule.objects.filter(pk=rule.pk).update(
            parameters={"aid_types": stored, "months": 12}, name=migration.OLD_NAME
        )
        migration.forwards(apps, None)
        rule.refresh_from_db()
        assert (rule.parameters["aid_types"], rule.name) == (after, migration.NEW_NAME)


def test_a_file_closes_open_items_only_of_the_households_it_names(run_compare, regions):
    """An empty file, or one whose rows are all refused, is no department saying the C/D houses
    were mended: their warnings stay to be verified. A household the file names again without
    the problem is closed."""
    from fangpin.testing import make_household

    a = make_household(regions["village"], members=1).persons.get()
    b = make_household(regions["village"], members=1).persons.get()

    def house(p, grade: str, day: str = "2026-04-01") -> dict:
        return {"证件号码": p.id_number, "姓名": p.name, "鉴定等级": grade, "鉴定日期": day}

    run_compare("housing", [house(a, "C"), house(b, "D")])
    assert Item.objects.open().count() == 2
    run_compare("housing", [])  # the headers only
    run_compare("housing", [house(a, "C", "2026-13-01"), house(b, "E")])  # every row refused
    assert Item.objects.open().count() == 2
    run_compare("housing", [house(a, "B", "2026-05-01")])
    assert set(Item.objects.values_list("person_id", "status")) == {
        (a.pk, Item.Status.CLOSED),
        (b.pk, Item.Status.OPEN),
    }


def test_events_after_the_comparison_date_do_not_warn_as_of_it(run_compare, village_household):
    """`--as-of` 2026-03-31 compares as things stood then (as 医保 and 民政 do): a certificate,
    a disaster or a death of May is not yet news."""
    p = member(village_household, birth=dt.date(1980, 1, 1))
    march = dt.date(2026, 3, 31)
    cert = {"证件号码": p.id_number, "姓名": p.name, "残疾人证号": p.id_number + "11"}
    run_compare(
        "disability",
        [cert | {"残疾类别": "肢体", "残疾等级": "一级", "发证日期": "2026-05-01"}],
        as_of=march,
    )
    loss = {"证件号码": p.id_number, "姓名": p.name, "灾害类型": "洪涝", "损失金额": "50000"}
    run_compare("disaster", [loss | {"受灾日期": "2026-05-01"}], as_of=march)
    death = {"证件号码": p.id_number, "姓名": p.name, "变动类型": "死亡"}
    run_compare("civil_registry", [death | {"变动日期": "2026-05-01"}], as_of=march)
    assert codes("W_DIS_SEVERE", "W_DISASTER", "W_DEATH_WORKING", "F_DEATH_MEMBER") == []
    run_compare("disaster", [loss | {"受灾日期": "2026-05-01"}])
    assert codes("W_DISASTER") == [("W_DISASTER", p.pk)]


def test_a_rule_description_stored_before_the_code_reworded_it_is_brought_up_to_date(
    db: Any,
) -> None:
    """规则说明 is the code's: a database made when the checks were described by their English
    docstrings shows the Chinese description now, on the next use of the rules."""
    from core.checks import all_checks
    from exchange.engine import ensure_rules

    check = next(c for c in all_checks() if c.code == "B01")
    ensure_rules()
    Rule.objects.filter(code="B01").update(description="Households whose … (seed 003 #4)")
    assert ensure_rules()["B01"].description == check.description
    assert Rule.objects.get(code="B01").description == check.description
    assert not any(ch.isascii() and ch.isalpha() for ch in check.description[:6])
