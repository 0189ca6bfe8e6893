"""教育资助 and 危房改造 on the ledger kit: a good file, one fault of each kind, the round trip,
the scope, the figures — the acceptance of issue 13 for each ledger (雨露计划's are in
ledgers/tests/test_kit.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from benefits.layouts import EDUCATION_AID, HOUSING_RENOVATION
from benefits.models import EducationAidRow, HousingRenovationRow
from core import pipeline
from fangpin.testing import id_number, run_command, write_sheet


@dataclass
class Spec:
    kind: str
    headers: list[str]
    model: Any
    link: str  # the link column a fault of "unknown" or "other region" sits in


EDU = Spec("education_aid", EDUCATION_AID.headers, EducationAidRow, "证件号码")
HOUSE = Spec("housing_renovation", HOUSING_RENOVATION.headers, HousingRenovationRow, "户编号")


def edu_row(person: Any, **cells: Any) -> dict[str, Any]:
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "年度": "2024",
        "学期": "春季",
        "学段": "小学",
        "资助项目": "营养改善",
        "金额": "400",
        "发放日期": "2024-04-10",
    } | cells


def house_row(household: Any, **cells: Any) -> dict[str, Any]:
    return {
        "户编号": household.number,
        "户主姓名": household.head_name,
        "年度": "2024",
        "鉴定等级": "C级",
        "改造方式": "修缮加固",
        "补助金额": "20000",
        "开工日期": "2024-03-01",
        "竣工日期": "2024-06-30",
        "验收日期": "2024-07-15",
    } | cells


@pytest.fixture
def people(household: Any, other_household: Any, regions: dict[str, Any]) -> dict[str, Any]:
    from fangpin.testing import make_household

    own = household.persons.order_by("pk")
    second = make_household(regions["village"], number="420281100201000002")
    return {
        "a": own[0],
        "b": own[1],
        "other": other_household.persons.first(),
        "h": household,
        "h2": second,
        "other_h": other_household,
    }


def good_rows(spec: Spec, p: dict[str, Any]) -> list[dict[str, Any]]:
    if spec is EDU:
        return [
            edu_row(p["a"]),
            edu_row(p["a"], 学期="秋季", 金额="400.00"),
            edu_row(p["b"], 学期="", 学段="初中", 资助项目="生活补助", 金额="1,250"),
        ]
    return [house_row(p["h"]), house_row(p["h2"], 鉴定等级="D级", 改造方式="拆除重建", 竣工日期="")]


def bad_rows(spec: Spec, p: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Rows with one fault each (row 2 is fine) and the column each fault must be reported in."""
    if spec is EDU:
        rows = [
            edu_row(p["a"]),  # 2
            edu_row(p["a"], 证件号码=id_number(), 姓名="无此人"),  # 3: not on the register
            edu_row(p["other"]),  # 4: another town's person
            edu_row(p["b"], 资助项目="压岁钱"),  # 5: bad code
            edu_row(p["b"], 发放日期="2024-02-30"),  # 6: bad date
            edu_row(p["a"]),  # 7: duplicate key of row 2
            edu_row(p["b"], 学期="秋季", 金额="-5"),  # 8: negative amount
        ]
        return rows, {
            3: "证件号码",
            4: "证件号码",
            5: "资助项目",
            6: "发放日期",
            7: "证件号码",
            8: "金额",
        }
    rows = [
        house_row(p["h"]),  # 2
        house_row(p["h"], 户编号="420281100201009999", 户主姓名="无此户"),  # 3: not on the register
        house_row(p["other_h"]),  # 4: another town's household
        house_row(p["h2"], 改造方式="粉刷"),  # 5: bad code
        house_row(p["h2"], 年度="2022", 开工日期="2024-13-01"),  # 6: bad date
        house_row(p["h"]),  # 7: duplicate key of row 2
        house_row(p["h2"], 年度="2023", 补助金额="-1"),  # 8: negative amount
    ]
    return rows, {
        3: "户编号",
        4: "户编号",
        5: "改造方式",
        6: "开工日期",
        7: "户编号",
        8: "补助金额",
    }


@pytest.mark.parametrize("spec", [EDU, HOUSE], ids=lambda s: s.kind)
def test_a_good_file_imports_and_again_changes_nothing(
    spec: Spec, people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [*good_rows(spec, people), {spec.headers[0]: "合计"}]
    path = write_sheet(tmp_path / "in.xlsx", spec.headers, rows, title=f"大冶市{spec.kind}名单")
    code, result, _ = run_command("ledger", "import", spec.kind, str(path))
    assert code == 0, result
    assert (result["status"], result["created"]) == ("imported", len(rows) - 1)
    assert spec.model.objects.count() == len(rows) - 1
    code, again, _ = run_command("ledger", "import", spec.kind, str(path))
    assert (code, again["created"], again["updated"], again["unchanged"]) == (
        0,
        0,
        0,
        len(rows) - 1,
    )


def test_an_education_aid_without_a_term_is_a_yearly_item(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "in.xlsx", EDU.headers, good_rows(EDU, people))
    assert run_command("ledger", "import", "education_aid", str(path))[0] == 0
    yearly = EducationAidRow.objects.get(person=people["b"])
    assert (yearly.term, yearly.stage, yearly.amount) == ("", "初中", Decimal("1250.00"))
    assert yearly.household_id == people["b"].household_id


def test_the_words_offices_write_for_a_term_and_a_grade_read_as_the_codes(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    edu = write_sheet(
        tmp_path / "edu.xlsx",
        EDU.headers,
        [edu_row(people["a"], 学期="春"), edu_row(people["a"], 学期="秋季学期", 金额="400.00")],
    )
    assert run_command("ledger", "import", "education_aid", str(edu))[0] == 0
    terms = EducationAidRow.objects.filter(person=people["a"]).values_list("term", flat=True)
    assert sorted(terms) == ["春季", "秋季"]
    house = write_sheet(
        tmp_path / "house.xlsx",
        HOUSE.headers,
        [house_row(people["h"], 鉴定等级="c"), house_row(people["h2"], 鉴定等级="D")],
    )
    assert run_command("ledger", "import", "housing_renovation", str(house))[0] == 0
    grades = HousingRenovationRow.objects.values_list("grade", flat=True)
    assert sorted(grades) == ["C级", "D级"]
    # With its 级 in lower case too (it was refused as “是否应为“A级”？”).
    house = write_sheet(
        tmp_path / "house2.xlsx",
        HOUSE.headers,
        [house_row(people["h"], 鉴定等级="d级"), house_row(people["h2"], 鉴定等级="c级")],
    )
    code, result, _ = run_command("ledger", "import", "housing_renovation", str(house))
    assert code == 0, result["errors"]
    grades = HousingRenovationRow.objects.values_list("grade", flat=True)
    assert sorted(grades) == ["C级", "D级"]


def test_a_renovation_of_a_safe_house_or_with_dates_out_of_order_is_refused(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        house_row(people["h"], 鉴定等级="B级"),
        house_row(people["h2"], 竣工日期="2024-02-01"),
        # A bad amount hides neither: the rules need only the grade and the dates.
        house_row(people["h"], 年度="2023", 鉴定等级="A级", 补助金额="abc", 竣工日期="2024-02-01"),
    ]
    path = write_sheet(tmp_path / "in.xlsx", HOUSE.headers, rows)
    result = pipeline.run("housing_renovation", path, actor=users["town_staff"])
    assert result["status"] == "rejected"
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert "只适用于C级、D级危房" in messages[(2, "鉴定等级")]
    assert "早于开工日期" in messages[(3, "竣工日期")]
    assert set(messages) == {
        (2, "鉴定等级"),
        (3, "竣工日期"),
        (4, "补助金额"),
        (4, "鉴定等级"),
        (4, "竣工日期"),
    }
    assert messages[(4, "鉴定等级")] == messages[(2, "鉴定等级")].replace("B级", "A级")


@pytest.mark.parametrize("spec", [EDU, HOUSE], ids=lambda s: s.kind)
def test_one_fault_of_each_kind_rejects_the_whole_file_at_its_row_and_column(
    spec: Spec, people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    rows, expected = bad_rows(spec, people)
    path = write_sheet(tmp_path / "bad.xlsx", spec.headers, rows)
    result = pipeline.run(spec.kind, path, actor=users["town_staff"])
    assert result["status"] == "rejected"
    assert spec.model.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found == set(expected.items())
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert "不在您管辖范围" in messages[(4, spec.link)]
    given = {(e["row"], e["column"]): str(e["value"]) for e in result["errors"]}
    assert f"{spec.link}“{given[(4, spec.link)]}”不在" in messages[(4, spec.link)]
    # Apart from the number it was given, nothing learnt of the other region's.
    assert messages[(3, spec.link)].replace(given[(3, spec.link)], "") == messages[
        (4, spec.link)
    ].replace(given[(4, spec.link)], "")
    assert "第2行" in messages[(7, spec.link)]
    assert "不能为负数" in messages[(8, expected[8])]


@pytest.mark.parametrize("spec", [EDU, HOUSE], ids=lambda s: s.kind)
def test_the_export_reimports_as_a_no_op(
    spec: Spec, people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    source = write_sheet(tmp_path / "in.xlsx", spec.headers, good_rows(spec, people))
    assert run_command("ledger", "import", spec.kind, str(source))[0] == 0
    out = tmp_path / "out.xlsx"
    code, result, _ = run_command(
        "ledger",
        "export",
        spec.kind,
        "--region",
        "大冶市/金山店镇",
        "--year",
        "2024",
        "--out",
        str(out),
    )
    assert (code, result["rows"]) == (0, spec.model.objects.count())
    code, again, _ = run_command("ledger", "import", spec.kind, str(out))
    assert (code, again["unchanged"], again["created"], again["updated"]) == (
        0,
        spec.model.objects.count(),
        0,
        0,
    )


@pytest.mark.parametrize("spec", [EDU, HOUSE], ids=lambda s: s.kind)
def test_the_list_shows_exactly_the_users_region(
    spec: Spec, people: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    rows = good_rows(spec, people)
    rows.append(edu_row(people["other"]) if spec is EDU else house_row(people["other_h"]))
    source = write_sheet(tmp_path / "in.xlsx", spec.headers, rows)
    assert run_command("ledger", "import", spec.kind, str(source))[0] == 0
    url = reverse("ledgers:list", args=[spec.kind])
    own = client_for("town_staff").get(url)
    assert own.status_code == 200
    assert own.context["page"].paginator.count == len(rows) - 1
    other = client_for("other_town").get(url)
    assert other.context["page"].paginator.count == 1
    county = client_for("county_admin").get(url)
    assert county.context["page"].paginator.count == len(rows)
    foreign = spec.model.objects.filter(
        household=people["other_h"] if spec is HOUSE else people["other"].household
    ).get()
    detail = client_for("town_staff").get(reverse("ledgers:detail", args=[spec.kind, foreign.pk]))
    assert detail.status_code == 404
    if spec is EDU:
        assert people["a"].id_number not in own.content.decode()


def test_the_figures_break_education_aid_down_by_stage_and_renovation_by_method(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    for spec in (EDU, HOUSE):
        source = write_sheet(tmp_path / f"{spec.kind}.xlsx", spec.headers, good_rows(spec, people))
        assert run_command("ledger", "import", spec.kind, str(source))[0] == 0
    code, result, _ = run_command("ledger", "stats", "--region", "金山店镇", "--year", "2024")
    assert code == 0
    edu = result["ledgers"]["education_aid"]
    assert (edu["rows"], edu["persons"], edu["amount"]) == (3, 2, "2050.00")
    assert edu["by"]["学段"]["小学"] == {
        "rows": 2,
        "persons": 1,
        "households": 1,
        "amount": "800.00",
    }
    house = result["ledgers"]["housing_renovation"]
    assert (house["rows"], house["households"], house["amount"]) == (2, 2, "40000.00")
    assert set(house["by"]["改造方式"]) == {"修缮加固", "拆除重建"}


def test_the_household_page_shows_its_benefits_by_year(
    people: dict[str, Any], users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    from benefits.layouts import YULU

    yulu = {
        "证件号码": people["b"].id_number,
        "姓名": people["b"].name,
        "年度": "2023",
        "学期": "秋季",
        "学历层次": "中职",
        "补助金额": "1500",
    }
    for kind, headers, rows in (
        ("yulu", YULU.headers, [yulu]),
        ("education_aid", EDU.headers, good_rows(EDU, people)),
        ("housing_renovation", HOUSE.headers, good_rows(HOUSE, people)),
    ):
        path = write_sheet(tmp_path / f"{kind}.xlsx", headers, rows)
        assert run_command("ledger", "import", kind, str(path))[0] == 0
    url = reverse("registry:household_detail", args=[people["h"].pk])
    response = client_for("town_staff").get(url)
    body = response.content.decode()
    assert response.status_code == 200 and "政策享受" in body
    assert body.index("2024年合计 4项") < body.index("2023年合计 1项")
    assert "秋季 中职" in body and "全年 初中 生活补助" in body and "C级 修缮加固" in body
    assert "22,050.00" in body  # 400 + 400 + 1,250 + 20,000 in 2024
    other = client_for("town_staff").get(
        reverse("registry:household_detail", args=[people["h2"].pk])
    )
    assert "2024年合计 1项" in other.content.decode()


def test_a_measure_can_name_the_person_it_is_for_and_carry_an_amount(
    people: dict[str, Any], users: dict[str, Any]
) -> None:
    """一人一措施: the 一户一策 measure of issue 10 points at a member and carries an amount."""
    from django.core.exceptions import ValidationError

    from core import hooks

    measure = hooks.call(
        "assistance.save_measure",
        actor=users["town_staff"],
        household=people["h"],
        category="教育帮扶",
        subtype="雨露计划",
        person=people["b"],
        amount=Decimal("1500"),
    )
    measure.refresh_from_db()
    assert (measure.person_id, measure.amount) == (people["b"].pk, Decimal("1500.00"))
    with pytest.raises(ValidationError, match="受益成员不是该户成员"):
        hooks.call(
            "assistance.save_measure",
            actor=users["town_staff"],
            household=people["h"],
            category="教育帮扶",
            person=people["other"],
        )


def test_the_policy_page_gives_the_figures_of_a_region_and_a_year_with_its_villages(
    people: dict[str, Any],
    users: dict[str, Any],
    regions: dict[str, Any],
    client_for: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    import csv
    import datetime as dt

    from exchange import services
    from exchange.readers import SOURCES

    settings.DATA_DIR = tmp_path
    source = write_sheet(tmp_path / "edu.xlsx", EDU.headers, good_rows(EDU, people))
    assert run_command("ledger", "import", "education_aid", str(source))[0] == 0
    path = tmp_path / "medical.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SOURCES["medical"].headers)
        for person, visit, assist in (
            (people["a"], "住院", 300),
            (people["b"], "门诊慢特病", 80),
            (people["other"], "住院", 500),  # another town
        ):
            writer.writerow(
                [person.id_number, person.name, "2024-05-06", visit, 5000, 3000, 0, assist, 500]
            )
    services.compare(
        actor=None,
        source="medical",
        path=path,
        as_of=dt.date(2024, 6, 30),
        region=regions["county"],
    )
    client = client_for("town_staff")
    response = client.get(reverse("benefits:policy"), {"year": "2024"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "政策落实统计 · 金山店镇 2024年" in body
    assert "按学段：初中1人，小学1人" in body
    medical = dict(response.context["medical_rows"])
    assert (medical["住院医疗救助"]["rows"], medical["住院医疗救助"]["amount"]) == (1, "300.00")
    assert medical["门诊慢性病救助"]["rows"] == 1
    assert "尚未导入民政救助数据" in body
    assert {c["region"].name for c in response.context["children"]} == {"朝阳村", "仕秦村"}
    village = client.get(
        reverse("benefits:policy"), {"year": "2024", "region": regions["village"].pk}
    )
    assert village.status_code == 200 and "返回上级区划" in village.content.decode()
    other = client.get(reverse("benefits:policy"), {"region": regions["other_town"].pk})
    assert other.status_code == 404


def test_the_policy_workbook_has_a_title_the_figures_and_a_total(
    people: dict[str, Any], users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    import io

    from python_calamine import CalamineWorkbook

    from core.models import AuditRecord

    for spec in (EDU, HOUSE):
        source = write_sheet(tmp_path / f"{spec.kind}.xlsx", spec.headers, good_rows(spec, people))
        assert run_command("ledger", "import", spec.kind, str(source))[0] == 0
    url = reverse("benefits:policy")
    response = client_for("town_staff").get(url, {"year": "2024", "format": "xlsx"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "金山店镇2024年政策落实统计台账"
    assert sheet[2][:2] == ["项目", "人次（条）"]
    total = next(r for r in sheet if r[0] == "合计")
    assert total[1] == 5 and total[4] == 42050  # 3 education rows + 2 renovations
    assert any(r[0] == "下级区划" for r in sheet)
    assert AuditRecord.objects.filter(action="export", note__contains="政策落实统计").exists()
    other_town = people["other_h"].region.parent_id
    refused = client_for("town_staff").get(url, {"region": other_town, "format": "xlsx"})
    assert refused.status_code == 404


def test_the_reports_education_aid_of_part_of_a_year_is_what_was_paid_in_it(
    people: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    import datetime as dt

    from benefits.reporting import report_sections

    rows = [
        edu_row(people["a"], 发放日期="2024-04-10"),
        edu_row(people["b"], 学期="秋季", 学段="初中", 发放日期="2024-10-10"),
    ]
    source = write_sheet(tmp_path / "edu.xlsx", EDU.headers, rows)
    assert run_command("ledger", "import", "education_aid", str(source))[0] == 0

    def told(start: dt.date, end: dt.date) -> str:
        text: str = report_sections(regions["town"], start, end)["policy:education"][0]
        return text

    year = told(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert "教育资助共计2人，其中小学1人，初中1人，发放资助资金800元" in year
    h1 = told(dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert "教育资助共计1人，其中小学1人，发放资助资金400元" in h1
    q3 = told(dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    assert "教育资助本期没有发放记录" in q3


def test_the_reports_housing_of_part_of_a_year_says_the_figure_is_the_years(
    people: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    """A renovation is kept by 年度: a quarter's report tells the year's, and says so."""
    import datetime as dt

    from benefits.reporting import report_sections

    source = write_sheet(tmp_path / "house.xlsx", HOUSE.headers, [house_row(people["h"])])
    assert run_command("ledger", "import", "housing_renovation", str(source))[0] == 0

    def told(start: dt.date, end: dt.date) -> str:
        text: str = report_sections(regions["town"], start, end)["policy:housing"][0]
        return text

    year = told(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert year == "住房保障：对1户实施危房改造政策，其中修缮加固1户，补助资金20000元。"
    q1 = told(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert q1.startswith("住房保障：2024年度对1户实施危房改造政策")
    assert (
        told(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
        == "住房保障：危房改造2025年度没有改造记录。"
    )
    assert (
        told(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == "住房保障：危房改造本期没有改造记录。"
    )
