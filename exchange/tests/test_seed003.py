"""Seed 003 (会埠镇 2020 成效考核 整改报告, 19 problems): which ones the rules find from data.

Covered — each test below builds data showing the problem and asserts a rule catches it:
  #1  监测帮扶不及时 (a household at risk not yet monitored) → department warnings on 一般农户
      (W_MED_SELFPAY, W_DIS_SEVERE, W_HOUSING_CD, W_DISASTER, W_CIVIL_ENTRY …)
  #2  务工信息不精准 (place wrong or missing, workers recorded as not working, people without
      labour ability shown as labour) → F_EMPLOYMENT, C_AGE_LABOUR/C_UNDER16_WORK
  #3  残疾人补助名单 vs 健康状况“健康” → F_DIS_HEALTH
  #6  就业帮扶/扶贫车间 claimed but nobody employed → F_EMPLOY_MEASURE
  #7  公益性岗位 contracts expired but still running / not revoked → C_POST_EXPIRED
  #11 雨露计划 students not found and subsidised → F_YULU
  #17 因病因残 groups: high medical costs, severe disability, 因病 without an ill member →
      W_MED_SELFPAY, W_DIS_SEVERE, C_ILL_NO_PATIENT
  #18 医保/低保 policy changes (低保 withdrawn, insurance) → F_CIVIL_STATUS, F_INSURANCE

Not detectable from the register and department files (need other data or a site visit):
  #3 second half (income items missing or misclassified — no income source file), #4 产业依赖性,
  #5 合作社运营/户贷社用 (loan use), #8 家庭医生履约, #9 消费扶贫“三专”, #10 项目实施缓慢,
  #12 项目管护, #13 项目变更, #14 质保金, #15 项目效益, #16 绩效目标, #19 光伏运维 — project,
  fund and asset ledgers or field inspection, not person data.
"""

from __future__ import annotations

import datetime as dt

from exchange import services
from exchange.models import Item
from exchange.tests.conftest import member
from fangpin.testing import make_household
from registry import services as registry_services


def rules_for(person=None, household=None) -> set[str]:
    qs = Item.objects.all()
    qs = qs.filter(person=person) if person else qs.filter(household=household)
    return set(qs.values_list("rule__code", flat=True))


def test_problem_1_households_at_risk_are_warned_before_anyone_visits(run_compare, regions):
    ordinary = make_household(regions["village"], members=1).persons.get()
    run_compare(
        "medical",
        [
            {
                "证件号码": ordinary.id_number,
                "姓名": "甲",
                "结算日期": "2026-05-01",
                "就诊类型": "住院",
                "医疗总费用": "80000",
                "个人自付": "26000",
            }
        ],
    )
    assert rules_for(ordinary) == {"W_MED_SELFPAY"}


def test_problem_2_work_place_and_status_disagree_with_the_labour_bureau(
    run_compare, village_household
):
    # 常年在广东省白云区企业务工，但系统录入为临时零工且未录入务工地点
    worker = member(village_household, employment="县内务工", labour_skill="普通劳动力")
    # 多人在外务工，系统只录入1人
    second = member(village_household, birth=dt.date(1985, 2, 2), employment="未务工")
    rows = [
        {
            "证件号码": p.id_number,
            "姓名": "某",
            "就业状态": "已就业",
            "就业地区": "广东省广州市白云区",
            "更新日期": "2026-05-01",
        }
        for p in (worker, second)
    ]
    run_compare("employment", rows)
    assert rules_for(worker) == {"F_EMPLOYMENT"}
    assert rules_for(second) == {"F_EMPLOYMENT"}


def test_problem_2_people_marked_without_labour_ability_inconsistently(village_household):
    # 无劳动能力/劳动力标注与年龄、健康不符
    p = member(village_household, health="健康", schooling="非在校生", labour_skill="丧失劳动力")
    services.run_checks(actor=None)
    assert "C_AGE_LABOUR" in rules_for(p)


def test_problem_3_new_disability_certificates_while_the_register_says_healthy(
    run_compare, village_household
):
    p = member(village_household, health="健康")
    run_compare(
        "disability",
        [
            {
                "证件号码": p.id_number,
                "姓名": "甲",
                "残疾人证号": f"{p.id_number}43",
                "残疾类别": "视力",
                "残疾等级": "三级",
                "发证日期": "2026-04-10",
            }
        ],
    )
    assert rules_for(p) == {"F_DIS_HEALTH"}


def test_problem_6_employment_assistance_without_anyone_employed(run_compare, regions):
    from assistance.models import Measure

    h = make_household(regions["village"], members=2, is_alleviated=True, alleviated_year=2019)
    Measure.objects.create(
        household=h, category="就业帮扶", subtype="扶贫车间", start_date=dt.date(2026, 1, 1)
    )
    rows = [
        {"证件号码": p.id_number, "姓名": p.name, "就业状态": "未就业", "更新日期": "2026-05-01"}
        for p in h.persons.all()
    ]
    run_compare("employment", rows)
    assert "F_EMPLOY_MEASURE" in rules_for(household=h)


def test_problem_7_expired_public_welfare_posts_still_running(regions):
    from assistance.models import Measure

    h = make_household(regions["village"], members=1, is_alleviated=True, alleviated_year=2019)
    Measure.objects.create(
        household=h,
        category="公益岗位帮扶",
        subtype="生态护林员",
        start_date=dt.date(2019, 10, 1),
        end_date=dt.date(2020, 9, 30),
    )
    services.run_checks(actor=None)
    item = Item.objects.get(rule__code="C_POST_EXPIRED")
    assert (
        item.message
        == "公益岗位帮扶措施（生态护林员）已于2020-09-30到期，状态仍为“实施中”，请续签或终止"
    )


def test_problem_11_vocational_students_of_poor_households_for_yulu(run_compare, regions):
    h = make_household(regions["village"], members=1, is_alleviated=True, alleviated_year=2018)
    student = member(h, birth=dt.date(2009, 9, 1), schooling="中职一年级")
    other = make_household(regions["village"], members=1)
    rich = member(other, birth=dt.date(2009, 9, 2), schooling="中职一年级")
    rows = [
        {
            "证件号码": p.id_number,
            "姓名": "某",
            "学段": "中职",
            "年级": "一年级",
            "学籍状态": "在读",
            "学校名称": "县职校",
            "更新日期": "2026-03-01",
        }
        for p in (student, rich)
    ]
    run_compare("education", rows)
    assert rules_for(student) == {"F_YULU"}
    assert rules_for(rich) == set()


def test_problem_17_illness_and_disability_risks(run_compare, regions):
    h = make_household(regions["village"], members=0, is_alleviated=True, alleviated_year=2019)
    p = member(h, health="健康", relation="户主")
    registry_services.update_household(
        source="导入",
        actor=None,
        household=h,
        category="脱贫不稳定户",
        identified_date=dt.date(2025, 3, 1),
        risk_list=["因病"],
    )
    run_compare(
        "disability",
        [
            {
                "证件号码": p.id_number,
                "姓名": "甲",
                "残疾人证号": "X1",
                "残疾类别": "肢体",
                "残疾等级": "一级",
                "发证日期": "2026-05-01",
            }
        ],
    )
    services.run_checks(actor=None)
    assert {"W_DIS_SEVERE", "F_DIS_HEALTH"} <= rules_for(p)
    assert "C_ILL_NO_PATIENT" in rules_for(household=h)


def test_problem_18_dibao_withdrawn_and_insurance_flags(run_compare, village_household):
    withdrawn = member(village_household, dibao=True)
    uninsured = member(village_household, birth=dt.date(1966, 6, 6), medical_insurance=False)
    run_compare(
        "civil",
        [
            {
                "证件号码": withdrawn.id_number,
                "姓名": "甲",
                "救助类别": "农村低保",
                "开始日期": "2018-01-01",
                "结束日期": "2026-01-31",
            }
        ],
    )
    run_compare(
        "medical",
        [
            {
                "证件号码": uninsured.id_number,
                "姓名": "乙",
                "结算日期": "2026-05-01",
                "就诊类型": "普通门诊",
                "医疗总费用": "300",
                "个人自付": "100",
            }
        ],
    )
    assert rules_for(withdrawn) == {"F_CIVIL_STATUS"}
    assert rules_for(uninsured) == {"F_INSURANCE"}
