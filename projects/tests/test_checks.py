"""The P checks on data built to show each problem of seed 003 (and silent on clean data):
#10 进度缓慢, #12 管护不到位, #13 擅自变更建设内容, #14 质保金, #15 资金未发挥效益, #16 绩效目标,
and #4 the 产业 share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from core import dates
from core.checks import all_checks
from projects import checks, services
from projects.models import Project
from projects.tests.helpers import asset, load, payment, project

TODAY = dates.today()


def _day(days: int) -> str:
    return f"{TODAY + dt.timedelta(days=days):%Y-%m-%d}"


def run(code: str, region: Any = None, **params: Any) -> list[dict]:
    found = {c.code: c for c in all_checks()}[code]
    if found.parameters:
        return list(found.fn(region, {**found.parameters, **params}))  # type: ignore[call-arg]
    return list(found.fn(region))


def keys(code: str, **params: Any) -> set[str]:
    return {f["key"] for f in run(code, **params)}


def clean(tmp_path: Path, admin: Any) -> None:
    """A clean finished works project paid to its 结算金额 less the 质保金, with its asset."""
    rows = [project("OK1", 已支付金额=970000)]
    assert load("projects", rows, tmp_path, admin, "ok.xlsx")["status"] == "imported"
    pays = [payment("OK1", "V1", 500000), payment("OK1", "V2", 470000)]
    assert load("project_payments", pays, tmp_path, admin, "okp.xlsx")["status"] == "imported"
    good = asset("ZC0", 来源项目编号="OK1", 收益年度=TODAY.year - 1)
    assert load("assets", [good], tmp_path, admin, "oka.xlsx")["status"] == "imported"


def test_every_project_check_is_silent_on_clean_data(users: dict[str, Any], tmp_path: Path) -> None:
    clean(tmp_path, users["county_admin"])
    codes = [c.code for c in all_checks() if c.code.startswith("P")]
    assert codes == [f"P{n:02d}" for n in range(1, 12)]
    for code in codes:
        assert run(code) == [], code


def test_seed003_10_projects_behind_plan_or_spending_are_slow(
    users: dict[str, Any], tmp_path: Path
) -> None:
    clean(tmp_path, users["county_admin"])
    year = TODAY.year
    rows = [
        # Planned to start a month ago, still not started.
        project(
            "S1",
            年度=year,
            计划开工日期=_day(-30),
            计划完工日期=_day(200),
            实际开工日期="",
            实际完工日期="",
            验收日期="",
            结算金额="",
            质保金="",
            质保期满日期="",
            项目状态="未开工",
        ),
        # Planned to finish ten days ago, still being built.
        project(
            "S2",
            年度=year,
            计划开工日期=_day(-200),
            计划完工日期=_day(-10),
            实际开工日期=_day(-190),
            实际完工日期="",
            验收日期="",
            结算金额="",
            质保金="",
            质保期满日期="",
            项目状态="在建",
        ),
        # On plan, but nothing paid by a month whose target is 50%.
        project(
            "S3",
            年度=year,
            计划开工日期=_day(-20),
            计划完工日期=_day(200),
            实际开工日期=_day(-20),
            实际完工日期="",
            验收日期="",
            结算金额="",
            质保金="",
            质保期满日期="",
            项目状态="在建",
        ),
        # Terminated: never slow.
        project(
            "S4",
            年度=year,
            计划开工日期=_day(-30),
            计划完工日期=_day(200),
            实际开工日期="",
            实际完工日期="",
            验收日期="",
            结算金额="",
            质保金="",
            质保期满日期="",
            项目状态="已终止",
        ),
    ]
    result = load("projects", rows, tmp_path, users["county_admin"])
    assert result["status"] == "imported", result["errors"]
    found = run("P01", spend_targets={"1": 50})
    assert {f["key"] for f in found} == {"slow:S1", "slow:S2", "slow:S3"}
    messages = {f["key"]: f["message"] for f in found}
    assert "至今未开工" in messages["slow:S1"]
    assert "至今未完工" in messages["slow:S2"]
    assert "支出进度0.0%，低于" in messages["slow:S3"]
    # With the grace the county allows, the one 10 days late is not yet slow.
    assert "slow:S2" not in keys("P01", grace_days=15, spend_targets={})


def test_seed003_14_retention_missing_over_the_ceiling_or_released_early(
    users: dict[str, Any], tmp_path: Path
) -> None:
    admin = users["county_admin"]
    clean(tmp_path, admin)
    rows = [
        project("R1", 质保金="", 质保期满日期=""),  # none retained
        project("R2", 质保金=50000),  # 5% of 1,000,000
        project("R3", 质保期满日期=_day(100)),  # paid in full, 质保期 not over
    ]
    assert load("projects", rows, tmp_path, admin)["status"] == "imported"
    pays = [payment("R3", "V1", 1000000)]
    assert load("project_payments", pays, tmp_path, admin, "p.xlsx")["status"] == "imported"
    assert keys("P02") == {"no_retention:R1"}
    assert keys("P03") == {"retention_over:R2"}
    assert keys("P03", ceiling_percent=5) == set()
    assert keys("P04") == {"retention_early:R3"}
    assert "质保期满前已退还" in run("P04")[0]["message"]


def test_seed003_13_content_or_budget_changed_without_an_approval(
    users: dict[str, Any], tmp_path: Path
) -> None:
    admin = users["county_admin"]
    clean(tmp_path, admin)
    load("projects", [project("C1"), project("C2")], tmp_path, admin, "c.xlsx")
    changed = [
        project("C1", 建设内容="新建蔬菜大棚12个及配套道路"),
        project("C2", 项目名称="改名不算变更"),
    ]
    assert load("projects", changed, tmp_path, admin, "c2.xlsx")["updated"] == 2
    found = run("P05")
    assert len(found) == 1 and "变更了建设内容，没有登记变更批复" in found[0]["message"]
    c1 = Project.objects.get(project_no="C1")
    change = services.plan_changes(Project.objects.filter(pk=c1.pk))[0]
    assert change["fields"]["建设内容"] == ("新建蔬菜大棚20个", "新建蔬菜大棚12个及配套道路")
    services.record_approval(
        actor=admin,
        project=c1,
        change_id=change["id"],
        document_no="冶乡振〔2024〕12号",
        approved_on=TODAY,
    )
    assert run("P05") == []


def test_seed003_15_funds_without_effect_finished_not_accepted_idle_assets(
    users: dict[str, Any], tmp_path: Path
) -> None:
    admin = users["county_admin"]
    clean(tmp_path, admin)
    rows = [
        project(
            "A1",
            实际完工日期=_day(-120),
            验收日期="",
            项目状态="已完工",
            计划完工日期=_day(-100),
            质保期满日期="",
        )
    ]
    assert load("projects", rows, tmp_path, admin)["status"] == "imported"
    assert keys("P06") == {"not_accepted:A1"}
    assert keys("P06", days=180) == set()
    assets = [
        asset("Z1", 收益年度=TODAY.year - 2),  # 经营性, no income last year
        asset("Z2", 资产类别="公益性", 收益年度="", 年度收益="", 资产状态="闲置"),
        asset("Z3", 资产类别="公益性", 收益年度="", 年度收益=""),  # 公益性: no income expected
    ]
    assert load("assets", assets, tmp_path, admin, "a.xlsx")["status"] == "imported"
    assert keys("P09") == {f"idle:Z1:{TODAY.year - 1}", f"idle:Z2:{TODAY.year - 1}"}


def test_seed003_16_performance_goals_empty_or_without_a_number(
    users: dict[str, Any], tmp_path: Path
) -> None:
    clean(tmp_path, users["county_admin"])
    rows = [
        project("G1", 绩效目标=""),
        project("G2", 绩效目标="促进群众增收，改善村容村貌"),
        project("G3", 绩效目标="带动１５户增收"),
    ]
    load("projects", rows, tmp_path, users["county_admin"])
    found = {f["key"]: f["message"] for f in run("P07")}
    assert set(found) == {"goal:G1", "goal:G2"}
    assert "未设置绩效目标" in found["goal:G1"]
    assert "没有可衡量的数量指标" in found["goal:G2"]


def test_seed003_12_assets_without_owner_or_keeper(users: dict[str, Any], tmp_path: Path) -> None:
    clean(tmp_path, users["county_admin"])
    assets = [
        asset("K1", 确权主体="", 确权日期=""),
        asset("K2", 管护责任人=""),
        asset("K3", 确权主体="", 确权日期="", 资产状态="已处置"),  # disposed: no longer kept
    ]
    load("assets", assets, tmp_path, users["county_admin"])
    found = {f["key"]: f["message"] for f in run("P08")}
    assert set(found) == {"unkept:K1", "unkept:K2"}
    assert found["unkept:K1"].endswith("没有确权主体")


def test_seed003_4_industry_share_under_the_floor(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    year = TODAY.year
    rows = [
        project(
            "I1",
            年度=year,
            中央衔接资金=500000,
            省级衔接资金=0,
            市级衔接资金=0,
            县级衔接资金=0,
            其他资金=0,
        ),
        project(
            "I2",
            年度=year,
            项目类别="基础设施",
            中央衔接资金=500000,
            省级衔接资金=0,
            市级衔接资金=0,
            县级衔接资金=0,
            其他资金=0,
        ),
    ]
    load("projects", rows, tmp_path, users["county_admin"])
    found = run("P10")
    assert len(found) == 1 and "占比50.0%，低于55" in found[0]["message"]
    assert found[0]["region_id"] == regions["county"].pk
    assert run("P10", floor_percent=50) == []
    assert run("P10", region=regions["town"]) == []  # the floor is the county's


def test_paid_amount_differs_from_the_payments(users: dict[str, Any], tmp_path: Path) -> None:
    admin = users["county_admin"]
    clean(tmp_path, admin)
    load("projects", [project("M1", 已支付金额=300000)], tmp_path, admin)
    load("project_payments", [payment("M1", "V1", 200000)], tmp_path, admin, "p.xlsx")
    found = run("P11")
    assert [f["key"] for f in found] == ["paid:M1"]
    assert "支付台账合计200000.00元" in found[0]["message"]
    assert checks.paid_mismatch(None) == found


def test_the_findings_go_into_the_queue_with_the_projects_region(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    from core import hooks
    from exchange import services as exchange_services

    load("projects", [project("G1", 绩效目标="促进增收")], tmp_path, users["county_admin"])
    exchange_services.run_checks(actor=None)
    assert hooks.call("exchange.open_items", "P07", regions["village"]) == 1
    assert hooks.call("exchange.open_items", "P07", regions["other_town"]) == 0
