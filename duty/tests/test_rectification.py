"""问题整改台账 through the kit: one row per measure, the problem's columns agreeing across its
rows, the problems kept in step, faults, the round trip, scoping and imported 销号."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.urls import reverse
from python_calamine import CalamineWorkbook

from core import pipeline
from core.models import AuditRecord
from duty.models import Problem, RectificationRow, Review, Status
from duty.tests.helpers import RECT, load, measure
from fangpin.testing import run_command, write_sheet


def test_ledger_kinds_names_the_rectification_key_and_headers(db: Any) -> None:
    code, result, _ = run_command("ledger", "kinds")
    kind = next(k for k in result["kinds"] if k["kind"] == "rectification")
    assert (code, kind["name"], kind["level"], kind["key"]) == (
        0,
        "问题整改台账",
        "region",
        ["问题编号", "措施序号"],
    )
    assert kind["headers"] == [
        "问题编号",
        "措施序号",
        "问题来源",
        "问题类别",
        "问题描述",
        "乡镇",
        "行政村",
        "牵头单位",
        "责任单位",
        "责任人",
        "整改措施",
        "措施类型",
        "整改时限",
        "整改进展",
        "状态",
        "销号日期",
        "关联规则",
    ]


def test_a_good_file_makes_problems_of_its_measures_and_again_changes_nothing(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        measure("P1", 1),
        measure("P1", 2, 整改时限="2024-09-30", 关联规则="D01"),
        measure("P2", 1, 乡镇="", 行政村="", 问题来源="国家考核", 问题类别="产业"),
        measure("P3", 1, 行政村="", 状态="", 措施类型="长期坚持", 整改时限=""),
        {"问题编号": "合计", "措施序号": ""},
    ]
    path = write_sheet(tmp_path / "r.xlsx", RECT, rows, title="金山店镇问题整改台账")
    code, result, _ = run_command("ledger", "import", "rectification", str(path))
    assert (code, result["status"], result["rows"], result["created"]) == (0, "imported", 4, 4)
    p1 = Problem.objects.get(number="P1")
    assert (p1.region.name, p1.measure_count, p1.status, p1.rule_code) == (
        "朝阳村",
        2,
        "整改中",
        "D01",
    )
    assert set(p1.measures.values_list("measure_no", flat=True)) == {1, 2}
    assert Problem.objects.get(number="P2").region.level == 1  # blank 乡镇: the county
    p3 = RectificationRow.objects.get(problem_no="P3")
    assert (p3.region.name, p3.status, p3.deadline) == ("金山店镇", "整改中", None)
    assert AuditRecord.objects.filter(object_type="duty.problem", action="create").count() == 3
    code, again, _ = run_command("ledger", "import", "rectification", str(path))
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 4)


def test_one_fault_of_each_kind_rejects_the_file_at_its_row_and_column(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        measure("P1", 1),  # 2 fine
        measure("P2", 1, 问题来源="上级交办"),  # 3 bad code
        measure("P3", 1, 整改时限="2024-02-30"),  # 4 bad date
        measure("P1", 1, 整改措施="again"),  # 5 duplicate key of row 2
        measure("P4", 1, 行政村="无此村"),  # 6 unknown village
        measure("P5", 1, 乡镇="还地桥镇", 行政村="白羊村"),  # 7 another town (for the town)
        measure("P1", 2, 问题描述="别的描述"),  # 8 disagrees with row 2
        measure("P6", 1, 状态="已销号", 销号日期="2024-05-01"),  # 9 fine, and 10 too:
        measure("P6", 2, 状态="已完成"),  # 状态 is the measure's
        measure("P7", 1, 销号日期="2024-05-01"),  # 11 date without 销号
        measure("P8", 1, 整改时限=""),  # 12 限时整改 without a deadline
        measure("P9", 1, 措施序号="一"),  # 13 措施序号 not a number
    ]
    path = write_sheet(tmp_path / "bad.xlsx", RECT, rows)
    result = pipeline.run("rectification", path, actor=users["town_staff"])
    assert result["status"] == "rejected"
    assert RectificationRow.objects.count() == 0 and Problem.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found == {
        (3, "问题来源"),
        (4, "整改时限"),
        (5, "问题编号"),
        (6, "行政村"),
        (7, "行政村"),
        (8, "问题描述"),
        (11, "销号日期"),
        (12, "整改时限"),
        (13, "措施序号"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert "是否应为" in messages[(3, "问题来源")] or "不在代码表中" in messages[(3, "问题来源")]
    assert "与第2行重复" in messages[(5, "问题编号")]
    assert "不在您的管辖范围内" in messages[(7, "行政村")]
    assert messages[(8, "问题描述")] == (
        "同一问题编号“P1”的“问题描述”与第2行不一致（第2行为“问题P1的描述”，第8行为“别的描述”）"
    )


def test_a_bad_cell_is_compared_with_nothing_and_hides_no_other_rule(
    users: dict[str, Any], tmp_path: Path
) -> None:
    """A problem's first row with a bad 问题来源: its other rows agree among themselves, not with
    the bad cell; a 销号日期 beside a bad 状态 is not called a date without 销号, and a bad
    销号日期 does not hide a 限时整改 without its 整改时限."""
    rows = [
        measure("P1", 1, 问题来源="上级交办"),  # 2 bad code
        measure("P1", 2),  # 3 agrees with row 4, not with nothing
        measure("P1", 3, 问题来源="审计"),  # 4 disagrees with row 3
        measure("P2", 1, 状态="已消号", 销号日期="2024-05-01"),  # 5 a bad 状态 only
        measure("P3", 1, 销号日期="2024-13-01", 整改时限=""),  # 6 both
    ]
    result = load("rectification", rows, tmp_path, users["town_staff"])
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]] == [
        (2, "问题来源", "上级交办"),
        (4, "问题来源", "审计"),
        (5, "状态", "已消号"),
        (6, "销号日期", "2024-13-01"),
        (6, "整改时限", ""),
    ]
    assert result["errors"][1]["message"] == (
        "同一问题编号“P1”的“问题来源”与第3行不一致（第3行为“省后评估”，第4行为“审计”）"
    )


def test_the_export_reimports_as_a_no_op(users: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        measure("P1", 1),
        measure("P1", 2, 整改进展="已入户核实"),
        measure("P2", 1, 乡镇="", 行政村="", 状态="已销号", 销号日期="2024-04-01"),
    ]
    assert load("rectification", rows, tmp_path, users["county_admin"])["status"] == "imported"
    out = tmp_path / "out.xlsx"
    code, result, _ = run_command(
        "ledger",
        "export",
        "rectification",
        "--region",
        "大冶市",
        "--year",
        "2024",
        "--out",
        str(out),
    )
    assert (code, result["rows"]) == (0, 3)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert sheet[2] == RECT
    code, again, _ = run_command("ledger", "import", "rectification", str(out))
    assert (code, again["unchanged"], again["created"], again["updated"]) == (0, 3, 0, 0)


def test_the_list_and_the_problems_show_exactly_the_users_region(
    users: dict[str, Any], client_for: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    rows = [
        measure("P1", 1),
        measure("P2", 1, 行政村="仕秦村"),
        measure("Q1", 1, 乡镇="还地桥镇", 行政村="白羊村"),
    ]
    assert load("rectification", rows, tmp_path, users["county_admin"])["status"] == "imported"
    client = client_for("town_staff")
    with django_assert_max_num_queries(12):
        listed = client.get(reverse("ledgers:list", args=["rectification"]))
    assert listed.context["page"].paginator.count == 2
    page = client.get(reverse("duty:problems"))
    assert [p.number for p in page.context["page"]] == ["P1", "P2"]
    other = Problem.objects.get(number="Q1")
    assert client.get(reverse("duty:problem", args=[other.pk])).status_code == 404
    assert (
        client_for("other_town").get(reverse("duty:problems")).context["page"].paginator.count == 1
    )


def test_a_problem_number_of_another_town_cannot_be_taken_over_by_an_import(
    users: dict[str, Any], tmp_path: Path
) -> None:
    load("rectification", [measure("P1", 1)], tmp_path, users["county_admin"])
    result = load(
        "rectification",
        [measure("P1", 1, 乡镇="还地桥镇", 行政村="白羊村")],
        tmp_path,
        users["other_town"],
        "again.xlsx",
    )
    assert result["status"] == "rejected"
    assert result["errors"][0]["column"] == "问题编号"
    assert "管辖范围以外" in result["errors"][0]["message"]
    assert Problem.objects.get(number="P1").region.name == "朝阳村"


def test_an_imported_ledger_may_bring_problems_already_closed_recorded_as_imported(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        measure("P1", 1, 状态="已销号", 销号日期="2024-05-01"),
        measure("P1", 2, 状态="已销号", 销号日期="2024-05-10"),
    ]
    load("rectification", rows, tmp_path, users["town_staff"])
    p1 = Problem.objects.get(number="P1")
    assert (p1.status, p1.closed_via, p1.closed_on, p1.closed_by) == (
        Status.CLOSED,
        "import",
        dt.date(2024, 5, 10),
        None,
    )
    review = Review.objects.get(problem=p1)
    assert review.action == Review.Action.IMPORT_CLOSE and "导入" in review.note
    reopened = [measure("P1", 1), measure("P1", 2)]
    load("rectification", reopened, tmp_path, users["town_staff"], "reopen.xlsx")
    p1.refresh_from_db()
    assert (p1.status, p1.closed_on) == (Status.OPEN, None)
    assert p1.reviews.filter(action=Review.Action.IMPORT_REOPEN).exists()


def test_a_problems_measures_may_differ_in_status_and_it_is_closed_when_every_one_is(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    """状态 is the measure's (formats.md §6): one measure 已销号 beside one 整改中 imports, and
    the problem stays 整改中 — in the problems, the figures and the report — until every one of
    its measures is 已销号."""
    from duty import figures, reporting

    rows = [
        measure("WT-020", 1, 状态="已销号", 销号日期="2024-05-01"),
        measure("WT-020", 2, 状态="整改中"),
    ]
    result = load("rectification", rows, tmp_path, users["town_staff"])
    assert (result["status"], result["created"], result["errors"]) == ("imported", 2, [])
    stored = RectificationRow.objects.filter(problem_no="WT-020")
    assert dict(stored.values_list("measure_no", "status")) == {1: "已销号", 2: "整改中"}
    problem = Problem.objects.get(number="WT-020")
    assert (problem.status, problem.closed_on, problem.reviews.count()) == (Status.OPEN, None, 0)
    found = figures.rollup(regions["town"], 2024)
    assert (found["status"], found["measure_status"]) == (
        {"整改中": 1, "已完成": 0, "已销号": 0},
        {"整改中": 1, "已完成": 0, "已销号": 1},
    )
    stats = run_command("ledger", "stats", "--region", "金山店镇", "--year", "2024")[1]
    by_status = stats["ledgers"]["rectification"]["by"]["状态"]
    assert {k: v["rows"] for k, v in by_status.items()} == {"已销号": 1, "整改中": 1}
    report = reporting.report_sections(regions["town"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    said = "省后评估反馈问题：认领1个问题，制定整改措施2条，目前正在整改。"
    assert said in report["duty"]
    # Its last measure 销号 too: the problem is closed, recorded as the import's.
    rows[1] |= {"状态": "已销号", "销号日期": "2024-06-01"}
    load("rectification", rows, tmp_path, users["town_staff"], "closed.xlsx")
    problem.refresh_from_db()
    assert (problem.status, problem.closed_on, problem.closed_via) == (
        Status.CLOSED,
        dt.date(2024, 6, 1),
        "import",
    )
    assert figures.rollup(regions["town"], 2024)["status"]["已销号"] == 1


def test_the_problem_columns_belong_to_the_problem_on_import_and_by_hand(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    load("rectification", [measure("P1", 1), measure("P1", 2)], tmp_path, users["town_staff"])
    # A file with one more measure and a corrected description: the stored rows follow it.
    result = load(
        "rectification",
        [measure("P1", 3, 问题描述="更正后的描述", 行政村="仕秦村")],
        tmp_path,
        users["town_staff"],
        "more.xlsx",
    )
    assert (result["created"], result["updated"]) == (1, 2)
    rows = RectificationRow.objects.filter(problem_no="P1")
    assert set(rows.values_list("description", "region__name")) == {("更正后的描述", "仕秦村")}
    p1 = Problem.objects.get(number="P1")
    assert (p1.description, p1.region.name, p1.measure_count) == ("更正后的描述", "仕秦村", 3)
    # By hand: editing the 牵头单位 of one measure changes it on the others.
    row = rows.get(measure_no=2)
    url = reverse("ledgers:edit", args=["rectification", row.pk])
    form = client_for("town_staff").get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"lead_unit": "镇党政办", "region": str(row.region_id), "deadline": "2024-06-30"}
    response = client_for("town_staff").post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(rows.values_list("lead_unit", flat=True)) == {"镇党政办"}
    # The form cannot set a status: 已完成 and 销号 are steps of their own.
    assert set(rows.values_list("status", flat=True)) == {"整改中"}
    assert "status" not in form.fields


def test_a_reimport_of_every_measure_in_another_village_moves_the_problem(
    users: dict[str, Any], tmp_path: Path
) -> None:
    """乡镇/行政村 are problem columns, not the key: the measures given move, and so do the rest."""
    load("rectification", [measure("P1", 1), measure("P1", 2)], tmp_path, users["town_staff"])
    rows = [measure("P1", 1, 行政村="仕秦村"), measure("P1", 2, 行政村="仕秦村")]
    result = load("rectification", rows, tmp_path, users["town_staff"], "moved.xlsx")
    assert (result["status"], result["updated"], result["unchanged"]) == ("imported", 2, 0)
    stored = RectificationRow.objects.filter(problem_no="P1")
    assert set(stored.values_list("region__name", flat=True)) == {"仕秦村"}
    assert Problem.objects.get(number="P1").region.name == "仕秦村"
    again = load("rectification", rows, tmp_path, users["town_staff"], "moved.xlsx")
    assert (again["updated"], again["unchanged"]) == (0, 2)


def test_a_reimported_measure_that_changes_its_problem_says_so_for_the_measures_not_in_the_file(
    users: dict[str, Any], tmp_path: Path
) -> None:
    """问题来源 is the problem's: one measure's row giving another source changes it on every
    measure (as the form does), and the import says so at that row, naming the measures the
    file does not list — a problem's measures disagreeing within one file stay an error."""
    rows = [measure("P1", 1), measure("P1", 2), measure("P1", 3)]
    load("rectification", rows, tmp_path, users["town_staff"])
    result = load(
        "rectification",
        [measure("P1", 1, 问题来源="审计")],
        tmp_path,
        users["town_staff"],
        "one.xlsx",
    )
    assert (result["status"], result["updated"]) == ("imported", 3)
    assert [(w["row"], w["column"], w["value"], w["message"]) for w in result["warnings"]] == [
        (
            2,
            "问题来源",
            "审计",
            "问题编号“P1”的“问题来源”由“省后评估”改为“审计”；此栏为同一问题编号各行共用，"
            "本文件未列出的措施序号2、3将一并更改",
        )
    ]
    stored = RectificationRow.objects.filter(problem_no="P1")
    assert set(stored.values_list("source", flat=True)) == {"审计"}
    assert Problem.objects.get(number="P1").source == "审计"
    # In one file, two measures of the problem disagreeing is refused, naming both rows.
    two = [measure("P1", 1, 问题来源="国家考核"), measure("P1", 2)]
    refused = load("rectification", two, tmp_path, users["town_staff"], "two.xlsx")
    assert refused["status"] == "rejected"
    assert refused["errors"][0]["message"] == (
        "同一问题编号“P1”的“问题来源”与第2行不一致（第2行为“国家考核”，第3行为“省后评估”）"
    )
    assert set(stored.values_list("source", flat=True)) == {"审计"}


def test_a_new_measure_cannot_take_over_a_problem_of_another_town(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    """A measure number the problem does not have yet is a new row, but the problem's other
    measures (of another town) must not follow it into the importer's region."""
    load("rectification", [measure("P1", 1)], tmp_path, users["county_admin"])
    result = load(
        "rectification",
        [measure("P1", 2, 乡镇="还地桥镇", 行政村="白羊村", 问题描述="改写")],
        tmp_path,
        users["other_town"],
        "again.xlsx",
    )
    assert result["status"] == "rejected"
    assert result["errors"][0]["column"] == "问题编号"
    assert "管辖范围以外" in result["errors"][0]["message"]
    # Nor by hand.
    url = reverse("ledgers:new", args=["rectification"])
    data = {
        "problem_no": "P1",
        "measure_no": "3",
        "source": "省后评估",
        "description": "改写",
        "region": str(users["other_town"].region.pk),
        "measure_type": "长期坚持",
    }
    response = client_for("other_town").post(url, data)
    assert response.status_code == 200
    assert "管辖范围以外" in response.content.decode()
    stored = RectificationRow.objects.get()
    assert (stored.measure_no, stored.description, stored.region.name) == (
        1,
        "问题P1的描述",
        "朝阳村",
    )
    assert Problem.objects.get(number="P1").region.name == "朝阳村"
