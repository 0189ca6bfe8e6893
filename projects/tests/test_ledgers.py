"""The three project ledgers through the kit: a good file, one fault of each kind, the round
trip, scoping, and payments that must name a project of the user's region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from core.models import AuditRecord
from fangpin.testing import run_command, write_sheet
from ledgers import kit
from ledgers.services import save_row
from projects.models import Asset, Project, ProjectPayment
from projects.tests.helpers import PAY, PROJ, asset, load, payment, project


def test_ledger_kinds_name_the_keys(db: Any) -> None:
    _, result, _ = run_command("ledger", "kinds")
    kinds = {k["kind"]: k for k in result["kinds"]}
    assert kinds["projects"]["key"] == ["项目编号"]
    assert kinds["project_payments"]["key"] == ["项目编号", "凭证号"]
    assert kinds["assets"]["key"] == ["资产编号"]
    assert kinds["project_payments"]["headers"] == [
        "项目编号",
        "凭证号",
        "支付日期",
        "金额",
        "支付内容",
    ]
    assert kinds["projects"]["headers"][:7] == [
        "项目编号",
        "项目名称",
        "年度",
        "批次",
        "项目类别",
        "乡镇",
        "行政村",
    ]


def test_a_good_file_imports_and_again_changes_nothing(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        project("XM1"),
        project("XM2", 行政村="", 项目类别="基础设施"),
        project("XM3", 乡镇="", 行政村=""),
        {"项目编号": "合计"},
    ]
    path = write_sheet(tmp_path / "p.xlsx", PROJ, rows, title="2024年衔接资金项目台账")
    code, result, _ = run_command("ledger", "import", "projects", str(path))
    assert (code, result["status"], result["created"]) == (0, "imported", 3)
    assert Project.objects.get(project_no="XM2").region.name == "金山店镇"
    assert Project.objects.get(project_no="XM3").region.level == 1
    code, again, _ = run_command("ledger", "import", "projects", str(path))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    pays = write_sheet(tmp_path / "pay.xlsx", PAY, [payment("XM1", "V1"), payment("XM1", "V2")])
    code, result, _ = run_command("ledger", "import", "project_payments", str(pays))
    assert (code, result["created"]) == (0, 2)
    xm1 = Project.objects.get(project_no="XM1")
    assert {p.region_id for p in ProjectPayment.objects.all()} == {xm1.region_id}
    assert {p.project_id for p in ProjectPayment.objects.all()} == {xm1.pk}
    code, again, _ = run_command("ledger", "import", "project_payments", str(pays))
    assert again["unchanged"] == 2
    assert (
        load("assets", [asset("ZC1"), asset("ZC2", 行政村="")], tmp_path, users["town_staff"])[
            "created"
        ]
        == 2
    )


def test_a_payment_above_the_contract_or_the_funds_is_kept_with_a_warning(
    users: dict[str, Any], tmp_path: Path
) -> None:
    """Offices record an overpayment to correct it later: the row is imported and the import
    says so at its 已支付金额, against the 合同金额, or the 下达资金 where there is none."""
    rows = [
        project("XM1", 已支付金额=1200000),  # 2 above the 合同金额 of 100万元
        project("XM2", 合同金额="", 已支付金额=1100000),  # 3 above the 下达资金 of 100万元
        project("XM3", 已支付金额=1000000),  # 4 all paid, not more
        project(
            "XM4",
            合同金额="",
            中央衔接资金="",
            省级衔接资金="",
            市级衔接资金="",
            县级衔接资金="",
            其他资金="",
            已支付金额=5,
        ),  # 5 nothing to compare with
    ]
    result = load("projects", rows, tmp_path, users["town_staff"])
    assert (result["status"], result["created"]) == ("imported", 4)
    assert [(w["row"], w["column"], w["message"]) for w in result["warnings"]] == [
        (2, "已支付金额", "已支付金额120万元超过合同金额100万元"),
        (3, "已支付金额", "已支付金额110万元超过下达资金100万元"),
    ]
    assert Project.objects.get(project_no="XM1").paid_amount == 1200000


def test_one_fault_of_each_kind_rejects_the_project_file_at_its_row_and_column(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        project("XM1"),  # 2 fine
        project("XM2", 项目类别="修路"),  # 3 bad code
        project("XM3", 计划开工日期="2024-02-30"),  # 4 bad date
        project("XM1", 项目名称="again"),  # 5 duplicate key
        project("XM4", 中央衔接资金=-5),  # 6 negative amount
        project("XM5", 行政村="无此村"),  # 7 unknown village
        project("XM6", 乡镇="还地桥镇", 行政村="白羊村"),  # 8 another town
        project("XM7", 计划完工日期="2024-01-01"),  # 9 end before start
        project("XM8", 项目状态="已验收", 验收日期=""),  # 10 accepted without a date
        project("", 项目名称="无编号"),  # 11 key missing
    ]
    result = load("projects", rows, tmp_path, users["town_staff"])
    assert result["status"] == "rejected"
    assert Project.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found == {
        (3, "项目类别"),
        (4, "计划开工日期"),
        (5, "项目编号"),
        (6, "中央衔接资金"),
        (7, "行政村"),
        (8, "行政村"),
        (9, "计划完工日期"),
        (10, "验收日期"),
        (11, "项目编号"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert "与第2行重复" in messages[(5, "项目编号")]
    assert "不在您的管辖范围内" in messages[(8, "行政村")]
    assert messages[(9, "计划完工日期")] == "计划完工日期2024-01-01早于计划开工日期2024-03-01"


def test_faults_of_payments_and_assets_reject_their_files(
    users: dict[str, Any], tmp_path: Path
) -> None:
    load(
        "projects",
        [project("XM1"), project("QT1", 乡镇="还地桥镇", 行政村="白羊村")],
        tmp_path,
        users["county_admin"],
        "p.xlsx",
    )
    rows = [
        payment("XM1", "V1"),  # 2 fine
        payment("XM9", "V2"),  # 3 unknown project
        payment("QT1", "V3"),  # 4 another town's project
        payment("XM1", "V1"),  # 5 duplicate voucher
        payment("XM1", "V4", 支付日期="2024-13-01"),  # 6 bad date
        payment("XM1", "V5", amount=-1),  # 7 negative
    ]
    result = load("project_payments", rows, tmp_path, users["town_staff"], "pay.xlsx")
    assert result["status"] == "rejected" and ProjectPayment.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found == {
        (3, "项目编号"),
        (4, "项目编号"),
        (5, "项目编号"),
        (6, "支付日期"),
        (7, "金额"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    # Unknown and another region's read alike.
    assert messages[(3, "项目编号")].replace("XM9", "N") == messages[(4, "项目编号")].replace(
        "QT1", "N"
    )
    assert "不是您管辖范围内已登记的项目" in messages[(3, "项目编号")]
    bad_assets = [
        asset("ZC1", 资产类别="固定"),
        asset("ZC2", 确权主体="个人"),
        asset("ZC3", 收益年度="", 年度收益=100),
        asset("ZC4", 原值="一万"),
    ]
    result = load("assets", bad_assets, tmp_path, users["town_staff"], "a.xlsx")
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found == {(2, "资产类别"), (3, "确权主体"), (4, "收益年度"), (5, "原值")}
    assert Asset.objects.count() == 0


def test_the_exports_reimport_as_no_ops(users: dict[str, Any], tmp_path: Path) -> None:
    admin = users["county_admin"]
    load(
        "projects", [project("XM1"), project("XM2", 乡镇="", 行政村="")], tmp_path, admin, "p.xlsx"
    )
    load(
        "project_payments", [payment("XM1", "V1"), payment("XM2", "V2")], tmp_path, admin, "y.xlsx"
    )
    load(
        "assets",
        [asset("ZC1", 来源项目编号="XM1"), asset("ZC2", 收益年度="", 年度收益="")],
        tmp_path,
        admin,
        "a.xlsx",
    )
    for kind, count in (("projects", 2), ("project_payments", 2), ("assets", 2)):
        out = tmp_path / f"{kind}.xlsx"
        code, result, _ = run_command(
            "ledger", "export", kind, "--region", "大冶市", "--out", str(out)
        )
        assert (code, result["rows"]) == (0, count)
        code, again, _ = run_command("ledger", "import", kind, str(out))
        assert (code, again["unchanged"], again["created"], again["updated"]) == (0, count, 0, 0)


def test_the_lists_show_exactly_the_users_region(
    users: dict[str, Any], client_for: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    admin = users["county_admin"]
    load(
        "projects",
        [
            project("XM1"),
            project("XM2", 行政村="仕秦村"),
            project("QT1", 乡镇="还地桥镇", 行政村="白羊村"),
        ],
        tmp_path,
        admin,
        "p.xlsx",
    )
    load(
        "project_payments", [payment("XM1", "V1"), payment("QT1", "V2")], tmp_path, admin, "y.xlsx"
    )
    client = client_for("town_staff")
    for kind, count in (("projects", 2), ("project_payments", 1)):
        with django_assert_max_num_queries(12):
            listed = client.get(reverse("ledgers:list", args=[kind]))
        assert listed.context["page"].paginator.count == count
    other = Project.objects.get(project_no="QT1")
    assert client.get(reverse("projects:project", args=[other.pk])).status_code == 404
    assert client.get(reverse("ledgers:detail", args=["projects", other.pk])).status_code == 404
    mine = Project.objects.get(project_no="XM1")
    page = client.get(reverse("ledgers:detail", args=["projects", mine.pk]))
    assert reverse("projects:project", args=[mine.pk]) in page.content.decode()


def test_a_project_number_of_another_town_cannot_be_taken_over(
    users: dict[str, Any], tmp_path: Path
) -> None:
    load("projects", [project("XM1")], tmp_path, users["county_admin"])
    result = load(
        "projects",
        [project("XM1", 乡镇="还地桥镇", 行政村="白羊村")],
        tmp_path,
        users["other_town"],
        "again.xlsx",
    )
    assert result["status"] == "rejected"
    assert result["errors"][0]["column"] == "项目编号"
    assert "管辖范围以外" in result["errors"][0]["message"]
    assert Project.objects.get(project_no="XM1").region.name == "朝阳村"


def test_a_reimport_that_moves_a_project_or_an_asset_updates_its_region(
    users: dict[str, Any], tmp_path: Path
) -> None:
    """乡镇/行政村 of a row keyed by its own number are values: changed, the row is updated
    (formats.md §6 upsert); a file without those columns moves nothing."""
    load("projects", [project("XM1")], tmp_path, users["town_staff"])
    load("assets", [asset("ZC1")], tmp_path, users["town_staff"], "a.xlsx")
    moved = load("projects", [project("XM1", 行政村="仕秦村")], tmp_path, users["town_staff"])
    assert (moved["status"], moved["updated"], moved["unchanged"]) == ("imported", 1, 0)
    assert Project.objects.get(project_no="XM1").region.name == "仕秦村"
    moved = load("assets", [asset("ZC1", 行政村="")], tmp_path, users["town_staff"], "a.xlsx")
    assert (moved["updated"], Asset.objects.get(asset_no="ZC1").region.name) == (1, "金山店镇")
    again = load("assets", [asset("ZC1", 行政村="")], tmp_path, users["town_staff"], "a.xlsx")
    assert (again["updated"], again["unchanged"]) == (0, 1)
    for dropped in (("乡镇", "行政村"), ("行政村",)):
        headers = [h for h in PROJ if h not in dropped]
        path = write_sheet(tmp_path / "no-place.xlsx", headers, [project("XM1")])
        code, result, _ = run_command("ledger", "import", "projects", str(path))
        assert (code, result["updated"], result["unchanged"]) == (0, 0, 1)
    assert Project.objects.get(project_no="XM1").region.name == "仕秦村"
    out = load(
        "projects",
        [project("XM1", 乡镇="还地桥镇", 行政村="白羊村")],
        tmp_path,
        users["town_staff"],
    )
    assert (out["status"], out["errors"][0]["column"]) == ("rejected", "行政村")
    assert "不在您的管辖范围内" in out["errors"][0]["message"]
    assert Project.objects.get(project_no="XM1").region.name == "仕秦村"


def test_the_payments_of_a_project_moved_to_another_region_go_with_it(
    users: dict[str, Any], tmp_path: Path
) -> None:
    """A payment's region is its project's (formats.md §6): moved by an import or by hand, the
    project's payments are seen and counted where it now is, not where it was."""
    admin = users["county_admin"]
    load("projects", [project("XM1")], tmp_path, admin)
    load(
        "project_payments", [payment("XM1", "V1"), payment("XM1", "V2")], tmp_path, admin, "p.xlsx"
    )
    moved = [project("XM1", 乡镇="还地桥镇", 行政村="白羊村")]
    assert load("projects", moved, tmp_path, admin)["updated"] == 1
    assert set(ProjectPayment.objects.values_list("region__name", flat=True)) == {"白羊村"}
    assert ProjectPayment.objects.visible_to(users["other_town"]).count() == 2
    assert ProjectPayment.objects.visible_to(users["town_staff"]).count() == 0
    record = AuditRecord.objects.filter(object_type="projects.projectpayment").latest("pk")
    assert record.after == {"region_id": Project.objects.get().region_id}
    ledger = kit.ledger("projects")
    row = Project.objects.get()
    save_row(
        actor=admin,
        ledger=ledger,
        values=ledger.values(row) | {"town": "金山店镇", "village": "仕秦村"},
        row=row,
    )
    assert set(ProjectPayment.objects.values_list("region__name", flat=True)) == {"仕秦村"}
    code, figures, _ = run_command("ledger", "stats", "--region", "金山店镇", "--year", "2024")
    assert code == 0
    assert figures["ledgers"]["project_payments"]["amount"] == "200000.00"


def test_a_payment_is_entered_by_hand_without_a_region(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    load(
        "projects",
        [project("XM1"), project("QT1", 乡镇="还地桥镇", 行政村="白羊村")],
        tmp_path,
        users["county_admin"],
    )
    client = client_for("town_staff")
    url = reverse("ledgers:new", args=["project_payments"])
    form = client.get(url).context["form"]
    assert "region" not in form.fields
    data = {
        "project_no": "XM1",
        "voucher_no": "V9",
        "paid_date": "2024-05-01",
        "amount": "1000",
        "purpose": "预付款",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    row = ProjectPayment.objects.get(voucher_no="V9")
    assert row.region.name == "朝阳村"
    assert row.project is not None and row.project.project_no == "XM1"
    refused = client.post(url, data | {"project_no": "QT1", "voucher_no": "V10"})
    assert refused.status_code == 200
    assert "不是您管辖范围内已登记的项目" in refused.content.decode()


def test_the_project_list_filters_by_year_batch_category_status_and_town(
    users: dict[str, Any], client_for: Any, tmp_path: Path, regions: dict[str, Any]
) -> None:
    rows = [
        project("XM1", 批次="第一批"),
        project("XM2", 批次="第二批", 项目类别="基础设施"),
        project("XM3", 批次="第二批", 年度=2023, 项目状态="在建", 验收日期="", 实际完工日期=""),
        project("QT1", 批次="第二批", 乡镇="还地桥镇", 行政村="白羊村"),
    ]
    load("projects", rows, tmp_path, users["county_admin"])
    client = client_for("county_admin")
    url = reverse("ledgers:list", args=["projects"])

    def numbers(**query: Any) -> set[str]:
        page = client.get(url, query).context["page"]
        return {p.project_no for p in page}

    assert numbers(f_batch="第二批") == {"XM2", "XM3", "QT1"}
    assert numbers(f_batch="第二批", year=2024) == {"XM2", "QT1"}
    assert numbers(by_category="基础设施") == {"XM2"}
    assert numbers(by_status="在建") == {"XM3"}
    assert numbers(region=regions["town"].pk, f_batch="第二批") == {"XM2", "XM3"}
