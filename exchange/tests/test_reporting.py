"""The 医保 and 民政 sentences of the work report's 三、政策落实 (formats.md §8), from files a
user compares: which settlements are 人次 of which kind, and a period without any says so."""

from __future__ import annotations

import datetime as dt
from typing import Any

from exchange.reporting import report_figures, report_sections
from exchange.tests.conftest import member
from fangpin.testing import id_number, make_household

Q2 = (dt.date(2024, 4, 1), dt.date(2024, 6, 30))


def _settlement(p: Any, day: str, visit: str, serious: int, assist: int) -> dict[str, Any]:
    return {
        "证件号码": p.id_number,
        "姓名": p.name,
        "结算日期": day,
        "就诊类型": visit,
        "医疗总费用": 10000,
        "基本医保支付": 5000,
        "大病保险支付": serious,
        "医疗救助支付": assist,
        "个人自付": 1000,
    }


def test_settlements_count_as_人次_by_what_the_fund_paid_and_a_period_without_any_says_so(
    regions: dict[str, Any], run_compare: Any
) -> None:
    household = make_household(regions["village"], members=1)
    a = member(household, dt.date(1970, 1, 1), name="甲")
    b = member(household, dt.date(1980, 1, 1), name="乙")
    run_compare(
        "medical",
        [
            _settlement(a, "2024-04-03", "住院", 0, 100),  # 住院医疗救助
            _settlement(a, "2024-05-03", "住院", 200, 0),  # 大病保险 only
            _settlement(b, "2024-05-10", "门诊慢特病", 0, 50),  # 门诊慢特病医疗救助
            _settlement(b, "2024-06-10", "普通门诊", 0, 30),  # neither
            _settlement(b, "2024-06-20", "门诊慢特病", 10, 0),  # 大病保险 only
            _settlement(b, "2024-06-21", "住院", 300, 100),  # 住院救助 and 大病保险
            _settlement(a, "2024-07-01", "住院", 300, 100),  # after the period
        ],
        as_of=dt.date(2024, 7, 31),
    )
    health = report_sections(regions["town"], *Q2)["policy:health"][0]
    assert "住院医疗救助2人次、大病保险政策3人次、门诊慢性病救助1人次" in health

    # A month with settlements, none of them paid by 医疗救助 or 大病保险: real zeros.
    june_10 = report_sections(regions["town"], dt.date(2024, 6, 10), dt.date(2024, 6, 10))
    assert (
        "住院医疗救助0人次、大病保险政策0人次、门诊慢性病救助0人次" in june_10["policy:health"][0]
    )

    # The batch is loaded but holds no settlement in the first quarter: no figure is invented.
    q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    health = report_sections(regions["town"], *q1)["policy:health"][0]
    assert "本期无医保结算记录" in health and "人次" not in health
    assert not [f for f in report_figures(regions["town"], *q1) if f["value"].endswith("人次")]
    # Nor for a town whose people have none (the county's batch covers it).
    other = report_sections(regions["other_town"], *Q2)["policy:health"][0]
    assert "本期无医保结算记录" in other and "人次" not in other


def test_兜底保障_counts_persons_per_救助类别_and_households_for_农村低保(
    regions: dict[str, Any], run_compare: Any
) -> None:
    one = make_household(regions["village"], members=1)
    two = make_household(regions["village"], members=1)
    a, b = member(one, dt.date(1970, 1, 1), name="甲"), member(one, dt.date(1980, 1, 1), name="乙")
    c = member(two, dt.date(1990, 1, 1), name="丙")

    def aid(p: Any, kind: str, begin: str, end: str = "") -> dict[str, Any]:
        return {
            "证件号码": p.id_number,
            "姓名": p.name,
            "救助类别": kind,
            "开始日期": begin,
            "结束日期": end,
            "金额": 300,
        }

    batch = run_compare(
        "civil",
        [
            aid(a, "农村低保", "2024-01-01"),
            aid(b, "农村低保", "2024-01-01", "2024-12-31"),
            aid(c, "农村低保", "2024-03-01"),
            aid(a, "事实无人抚养儿童", "2024-04-01", "2024-04-30"),
            aid(b, "困难残疾人生活补贴", "2024-05-01"),
            aid(c, "重度残疾人护理补贴", "2024-06-30", "2024-08-01"),
            aid(c, "临时救助", "2024-07-01", "2024-07-01"),  # after the period
            aid(b, "农村特困", "2023-01-01", "2024-03-31"),  # ended before it
        ],
        as_of=dt.date(2024, 7, 31),
    )
    assert batch.rejected_rows == 0
    net = report_sections(regions["town"], *Q2)["policy:safety_net"][0]
    assert net == (
        "兜底保障：已有2户落实农村低保保障，1人落实事实无人抚养儿童基本生活补助，"
        "1人落实重度残疾人护理补贴，1人落实困难残疾人生活补贴。"
    )
    rows = {f["label"]: f["value"] for f in report_figures(regions["town"], *Q2)}
    assert rows["农村低保"] == "2户3人"
    assert (rows["事实无人抚养儿童"], rows["重度残疾人护理补贴"]) == ("1人", "1人")
    assert "临时救助" not in rows and "农村特困" not in rows


def test_健康帮扶_counts_the_members_on_the_period_s_last_day_not_today_s(
    regions: dict[str, Any],
) -> None:
    """formats.md §4: the persons are the household's members on that day — a member who died
    after the period is counted in it, a child born after it is not."""
    from registry import services as registry_services
    from registry.models import Person

    household = make_household(
        regions["village"], members=2, is_alleviated=True, alleviated_year=2016
    )
    Person.objects.filter(household=household).update(medical_insurance=True)
    died = member(household, dt.date(1950, 3, 1), name="故去", medical_insurance=False)
    registry_services.remove_member(
        actor=None, person=died, reason="死亡", date=dt.date(2024, 7, 10)
    )
    registry_services.add_person(
        actor=None,
        household=household,
        reason="出生",
        date=dt.date(2024, 8, 1),
        name="新生",
        id_number=id_number(dt.date(2024, 8, 1), "女"),
        relation="之孙女",
        sex="女",
        birth_date=dt.date(2024, 8, 1),
    )
    health = report_sections(regions["town"], *Q2)["policy:health"][0]
    assert health.startswith(
        "健康帮扶：全镇脱贫户、监测户3人中已参加城乡居民基本医疗保险2人，未参保1人，"
    )
    assert "未登记参保情况" not in health  # the child born in August is not one of them yet
    # At the year's end the child is counted, the one who died is not.
    year = report_sections(regions["town"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert year["policy:health"][0].startswith(
        "健康帮扶：全镇脱贫户、监测户3人中已参加城乡居民基本医疗保险2人，未参保0人，"
        "未登记参保情况1人"
    )


def test_健康帮扶_without_any_参保_recorded_gives_no_insured_figure(
    regions: dict[str, Any],
) -> None:
    """formats.md §8: a register without 是否参加城乡居民基本医疗保险 has no figure of the
    insured to give ("已参加…0人，未参保0人" was a figure invented from nothing)."""
    from registry.models import Person

    household = make_household(
        regions["village"], members=2, is_alleviated=True, alleviated_year=2016
    )
    Person.objects.filter(household=household).update(medical_insurance=None)
    health = report_sections(regions["town"], *Q2)["policy:health"][0]
    assert health.startswith("健康帮扶：全镇脱贫户、监测户2人，户籍台账均未登记参保情况，")
    assert "已参加" not in health and "未参保" not in health
