"""The project pages: the county's progress (fixed queries, roll-ups, paid against 已支付金额,
targets, the chart), a project's page (payments, assets, households, changes and their
approvals), the asset register and its Excel 总账 / 明细台账; other regions answer 404."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.urls import reverse
from python_calamine import CalamineWorkbook

from core.models import AuditRecord
from fangpin.testing import make_household
from projects import figures
from projects.models import Approval, Beneficiary, Project
from projects.tests.helpers import asset, load, payment, project


def _world(users: dict[str, Any], tmp_path: Path, n: int = 3) -> None:
    admin = users["county_admin"]
    rows = [project(f"XM{i}", 已支付金额=100000) for i in range(n)]
    rows += [
        project("XS1", 行政村="仕秦村", 项目类别="基础设施", 已支付金额=""),
        project("QT1", 乡镇="还地桥镇", 行政村="白羊村", 项目类别="基础设施"),
        project(
            "QT2",
            乡镇="",
            行政村="",
            计划开工日期="2024-02-01",
            实际开工日期="",
            实际完工日期="",
            验收日期="",
            项目状态="未开工",
            结算金额="",
            质保金="",
        ),
    ]
    assert load("projects", rows, tmp_path, admin, "p.xlsx")["status"] == "imported"
    pays = [payment(f"XM{i}", "V1", 100000) for i in range(n)]
    pays += [payment("XM0", "V2", 50000, 支付日期="2024-09-01"), payment("QT1", "V1", 1000000)]
    assert load("project_payments", pays, tmp_path, admin, "y.xlsx")["status"] == "imported"


def test_the_progress_figures_roll_up_by_town_and_check_the_paid_column(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    _world(users, tmp_path)
    params = {**figures.SCHEDULE_DEFAULTS, **figures.SHARE_DEFAULTS}
    import datetime as dt

    found = figures.progress(regions["county"], 2024, dt.date(2024, 12, 31), params)
    t = found["total"]
    assert t["projects"] == 6
    assert t["allocated"] == Decimal(6_000_000)
    assert t["funds"]["中央"] == Decimal(3_000_000)
    assert t["paid"] == Decimal(1_350_000)
    assert t["rate"] == Decimal("22.5")
    assert (t["spend_target"], t["spend_behind"]) == (Decimal(100), True)
    assert t["mismatch"] == 1  # XM0: 已支付金额 100000, payments 150000
    assert [p["project_no"] for p in found["mismatches"]] == ["XM0"]
    assert [p["project_no"] for p in found["behind"]] == ["QT2"]
    parts = {p["region"].name: p for p in found["parts"]}
    assert parts["金山店镇"]["projects"] == 4 and parts["还地桥镇"]["projects"] == 1
    assert parts["金山店镇"]["paid"] == Decimal(350_000)
    assert found["own"]["projects"] == 1  # the county's own project
    assert t["share"] == Decimal("66.7") and not found["share_below"]
    months = {m["month"]: m for m in found["months"]}
    assert months[6]["paid"] == Decimal(1_300_000) and months[9]["cumulative"] == Decimal(1_350_000)
    town = figures.progress(regions["town"], 2024, dt.date(2024, 12, 31), params)
    assert [p["region"].name for p in town["parts"]] == ["仕秦村", "朝阳村"]


def test_the_progress_page_is_a_fixed_number_of_queries(
    users: dict[str, Any], client_for: Any, tmp_path: Path, django_assert_num_queries: Any
) -> None:
    _world(users, tmp_path, n=2)
    client = client_for("county_admin")
    url = reverse("projects:progress") + "?year=2024"
    client.get(url)
    with django_assert_num_queries(_queries(client, url)) as few:
        client.get(url)
    load(
        "projects",
        [project(f"YY{i}") for i in range(30)],
        tmp_path,
        users["county_admin"],
        "m.xlsx",
    )
    load(
        "project_payments",
        [payment(f"YY{i}", f"V{k}") for i in range(30) for k in range(3)],
        tmp_path,
        users["county_admin"],
        "mp.xlsx",
    )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "progress-chart-data" in body and "vendor/echarts.min.js" in body
    assert response.context["found"]["total"]["projects"] == 35


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def test_the_progress_page_of_a_town_shows_only_its_projects(
    users: dict[str, Any], client_for: Any, tmp_path: Path, regions: dict[str, Any]
) -> None:
    _world(users, tmp_path)
    client = client_for("town_staff")
    page = client.get(reverse("projects:progress") + "?year=2024")
    numbers = {p["project_no"] for p in page.context["page"]}
    assert numbers == {"XM0", "XM1", "XM2", "XS1"}
    filtered = client.get(reverse("projects:progress") + "?year=2024&category=基础设施")
    assert {p["project_no"] for p in filtered.context["page"]} == {"XS1"}
    other = f"{reverse('projects:progress')}?region={regions['other_town'].pk}"
    assert client.get(other).status_code == 404


def test_the_project_page_shows_payments_assets_households_and_changes(
    users: dict[str, Any], client_for: Any, tmp_path: Path, regions: dict[str, Any]
) -> None:
    _world(users, tmp_path)
    admin = users["county_admin"]
    load("assets", [asset("ZC1", 来源项目编号="XM0")], tmp_path, admin, "a.xlsx")
    load(
        "projects",
        [project("XM0", 中央衔接资金=600000, 已支付金额=100000)],
        tmp_path,
        admin,
        "c.xlsx",
    )
    xm0 = Project.objects.get(project_no="XM0")
    mine = make_household(regions["village2"], number="420281100202000009")
    far = make_household(regions["other_village"], number="420281200101000009")
    client = client_for("town_staff")
    url = reverse("projects:project", args=[xm0.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "ZC1" in body and "150000.00" in body  # the asset, the running total
    assert [c["fields"] for c in page.context["changes"]] == [
        {"中央衔接资金": ("500000.00", "600000.00")}
    ]
    add = reverse("projects:beneficiary_add", args=[xm0.pk])
    client.post(add, {"number": mine.number, "how": "务工"})
    assert Beneficiary.objects.filter(project=xm0, household=mine).exists()
    refused = client.post(add, {"number": far.number}, follow=True)
    assert "您管辖范围内没有户编号为" in refused.content.decode()
    change = page.context["changes"][0]["id"]
    response = client.post(
        reverse("projects:approval_add", args=[xm0.pk]),
        {"change": change, "document_no": "冶乡振〔2024〕3号", "approved_on": "2024-05-01"},
    )
    assert response.status_code == 302
    assert Approval.objects.get(project=xm0).change_id == change
    again = client.get(url)
    assert "冶乡振〔2024〕3号" in again.content.decode()
    row = Beneficiary.objects.get(project=xm0)
    client.post(reverse("projects:beneficiary_remove", args=[xm0.pk, row.pk]))
    assert not Beneficiary.objects.exists()
    assert AuditRecord.objects.filter(object_type="projects.beneficiary").count() == 2
    qt1 = Project.objects.get(project_no="QT1")
    assert client.get(reverse("projects:project", args=[qt1.pk])).status_code == 404
    assert (
        client.post(add.replace(str(xm0.pk), str(qt1.pk)), {"number": mine.number}).status_code
        == 404
    )
    client.post(add, {"number": mine.number, "how": "务工"})  # a household of 仕秦村
    client.get(url)  # (its message shown)
    village = client_for("village_staff")
    seen = village.get(url)  # 朝阳村's project, its 仕秦村 household counted, not shown
    assert seen.status_code == 200
    assert list(seen.context["beneficiaries"]) == [] and seen.context["beneficiaries_all"] == 1
    assert mine.number not in seen.content.decode()


def test_the_asset_register_and_its_excel_ledgers(
    users: dict[str, Any], client_for: Any, tmp_path: Path, regions: dict[str, Any]
) -> None:
    admin = users["county_admin"]
    rows = [
        asset("ZC1"),
        asset("ZC2", 资产类别="公益性", 收益年度="", 年度收益="", 行政村="仕秦村"),
        asset("ZC3", 乡镇="还地桥镇", 行政村="白羊村", 确权主体="", 确权日期="", 资产状态="闲置"),
        asset("ZC4", 乡镇="", 行政村="", 资产类别="到户类", 确权主体="农户"),
    ]
    assert load("assets", rows, tmp_path, admin)["status"] == "imported"
    client = client_for("county_admin")
    page = client.get(reverse("projects:assets") + "?year=2024")
    register = page.context["register"]
    assert register["total"]["assets"] == 4 and register["total"]["value"] == Decimal(3_200_000)
    parts = {p["region"].name: p for p in register["parts"]}
    assert parts["还地桥镇"]["unowned"] == 1 and parts["还地桥镇"]["idle"] == 1
    assert register["own"]["count"]["到户类"] == 1
    assert register["total"]["income"] == Decimal(120_000)
    total = client.get(reverse("projects:assets") + "?year=2024&format=total")
    sheet = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(total.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert sheet[0][0] == "大冶市帮扶项目资产总账（2024年度）"
    assert sheet[2][:3] == ["区划", "资产数", "原值合计"]
    assert sheet[-1][:3] == ["合计", 4, 3200000]
    town = client_for("town_staff")
    detail = town.get(
        reverse("projects:assets") + f"?year=2024&format=detail&region={regions['town'].pk}"
    )
    rows_ = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(detail.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows_[0][0] == "金山店镇帮扶项目资产明细台账（2024年度）"
    assert [r[0] for r in rows_[3:-1]] == ["ZC2", "ZC1"] or [r[0] for r in rows_[3:-1]] == [
        "ZC1",
        "ZC2",
    ]
    assert rows_[-1][0] == "合计" and rows_[-1][6] == 1600000
    assert AuditRecord.objects.filter(action="export", note__contains="资产明细台账").exists()
    assert (
        town.get(reverse("projects:assets") + f"?region={regions['other_town'].pk}").status_code
        == 404
    )


def test_the_floor_and_the_schedule_are_the_years_parameters_of_p10_and_p01(
    users: dict[str, Any], client_for: Any
) -> None:
    from core import hooks

    assert figures.parameters(2023)["floor_percent"] == 55
    rule = hooks.call("exchange.rule", "P10")  # the rules exist once the checks are known
    client = client_for("county_admin")
    response = client.post(
        reverse("exchange:rule_edit", args=[rule["id"]]),
        {"year": 2023, "p_floor_percent": "60", "enabled": "on"},
    )
    assert response.status_code == 302
    county = users["county_admin"].region
    assert figures.parameters(2023, county)["floor_percent"] == 60
    assert figures.parameters(2022, county)["floor_percent"] == 55
    assert figures.parameters(2023, county)["spend_targets"]["6"] == 50
    assert figures.parameters(2023)["floor_percent"] == 55  # the county's own, not every county's
    page = client.get(reverse("projects:progress") + "?year=2023")
    assert "下限60.0%" in page.content.decode()


def test_the_home_page_shows_this_years_spending_rate(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    from core import dates

    year = dates.today().year
    client = client_for("town_staff")
    assert "衔接资金支出进度" not in client.get("/").content.decode()
    rows = [project("H1", 年度=year, 计划开工日期="", 计划完工日期="")]
    load("projects", rows, tmp_path, users["county_admin"])
    load(
        "project_payments", [payment("H1", "V1", 250000)], tmp_path, users["county_admin"], "h.xlsx"
    )
    body = client.get("/").content.decode()
    assert f"{year}年衔接资金支出进度" in body and "25.0%" in body


def test_the_progress_table_downloads_for_printing(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    _world(users, tmp_path)
    client = client_for("town_staff")
    response = client.get(reverse("projects:progress") + "?year=2024&format=xlsx")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "金山店镇2024年衔接资金项目进度表"
    assert sheet[2][:3] == ["项目编号", "项目名称", "项目类别"]
    numbers = [r[0] for r in sheet[3:7]]
    assert numbers == ["XS1", "XM1", "XM2", "XM0"]  # the slowest first
    assert sheet[7][0] == "合计" and sheet[7][11] == 350000
    assert AuditRecord.objects.filter(action="export", note__contains="项目进度表").exists()


def test_the_project_page_shows_no_asset_of_another_region_naming_the_project(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    """来源项目编号 is free text: another town's asset may name this project; its page does not
    show that asset to a user of the project's region."""
    load("projects", [project("P1")], tmp_path, users["town_staff"])
    other = asset("A9", 来源项目编号="P1", 乡镇="还地桥镇", 行政村="白羊村", 资产名称="别镇资产")
    assert load("assets", [other], tmp_path, users["other_town"], "a.xlsx")["status"] == "imported"
    load("assets", [asset("A1", 来源项目编号="P1")], tmp_path, users["town_staff"], "b.xlsx")
    url = reverse("projects:project", args=[Project.objects.get().pk])
    page = client_for("village_staff").get(url).content.decode()
    assert "资产A1" in page and "别镇资产" not in page
