"""务工监测, 务工补贴 and 产业奖补 as every ledger: a good file imports and again changes nothing,
one fault of each kind rejects the file whole at its row and column, the export re-imports as a
no-op, the list shows exactly the user's region; and the register's 务工状况 follows the latest
month."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core import pipeline
from core.models import AuditRecord
from employment.layouts import EMPLOYMENT, INDUSTRY_AID, LABOUR_SUBSIDY
from employment.models import EmploymentRow, IndustryAidRow, LabourSubsidyRow
from fangpin.testing import id_number, run_command, write_sheet
from ledgers.kit import ledger
from ledgers.services import delete_row
from registry.models import Person


def work(person: Any, **cells: Any) -> dict[str, Any]:
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "月份": "2023-12",
        "务工状况": "省外务工",
        "就业形式": "企业务工",
        "务工单位": "东莞美岛服饰",
        "月收入": "4500",
    } | cells


def subsidy(person: Any, **cells: Any) -> dict[str, Any]:
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "年度": "2023",
        "补贴类型": "一次性交通补贴",
        "金额": "500",
        "发放日期": "2023-03-10",
    } | cells


def aid(household: Any, **cells: Any) -> dict[str, Any]:
    return {
        "户编号": household.number,
        "户主姓名": household.head_name,
        "年度": "2023",
        "奖补项目": "三业奖补",
        "产业类型": "",
        "金额": "1000",
        "发放日期": "2023-10-20",
    } | cells


@pytest.fixture
def people(household: Any, other_household: Any) -> dict[str, Any]:
    own = household.persons.order_by("pk")
    return {"a": own[0], "b": own[1], "other": other_household.persons.first()}


# Each ledger: its layout, model, a row builder over (person or household), the key column.
CASES = {
    "employment": (EMPLOYMENT, EmploymentRow),
    "labour_subsidy": (LABOUR_SUBSIDY, LabourSubsidyRow),
    "industry_aid": (INDUSTRY_AID, IndustryAidRow),
}


def good_rows(kind: str, people: dict[str, Any]) -> list[dict[str, Any]]:
    a, b = people["a"], people["b"]
    if kind == "employment":
        return [
            work(a, 月份="2023-11"),
            work(a, 月份="2023-12", 务工状况="省内县外务工", 月收入="3,800"),  # an alias
            work(b, 务工状况="未务工", 就业形式="", 务工单位="", 月收入=""),
        ]
    if kind == "labour_subsidy":
        return [subsidy(a), subsidy(a, 补贴类型="外出务工补助", 金额="800"), subsidy(b)]
    h = a.household
    return [
        aid(h),
        aid(h, 奖补项目="到户产业奖补", 产业类型="养殖", 金额="1540"),
        aid(h, 奖补项目="到户产业奖补", 产业类型="种植", 金额="1000.5"),
    ]


@pytest.mark.parametrize("kind", CASES)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_good_file_imports_and_again_changes_nothing(
    kind: str, suffix: str, people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    layout, model = CASES[kind]
    rows = [*good_rows(kind, people), {layout.headers[0]: "合计"}]
    path = write_sheet(tmp_path / f"{kind}{suffix}", layout.headers, rows, title="金山店镇台账")
    code, result, _ = run_command("ledger", "import", kind, str(path))
    assert code == 0, result
    assert (result["status"], result["rows"], result["created"]) == ("imported", 3, 3)
    assert model.objects.count() == 3
    imported = AuditRecord.objects.get(object_type=f"imports.{kind}", action="import")
    assert imported.after is not None and imported.after["created"] == 3
    assert set(model.objects.values_list("import_record", flat=True)) == {imported.pk}
    code, again, _ = run_command("ledger", "import", kind, str(path))
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 3)


def test_employment_rows_keep_their_values_and_the_alias_becomes_its_code(
    people: dict[str, Any], tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "e.xlsx", EMPLOYMENT.headers, good_rows("employment", people))
    assert run_command("ledger", "import", "employment", str(path))[0] == 0
    dec = EmploymentRow.objects.get(person=people["a"], month="2023-12")
    assert (dec.status, dec.form, dec.income) == ("县外省内务工", "企业务工", Decimal("3800.00"))
    assert dec.household_id == people["a"].household_id


def test_industry_aid_keys_by_household_year_item_and_industry(
    people: dict[str, Any], tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "a.xlsx", INDUSTRY_AID.headers, good_rows("industry_aid", people))
    assert run_command("ledger", "import", "industry_aid", str(path))[0] == 0
    rows = IndustryAidRow.objects.filter(household=people["a"].household)
    assert sorted((r.item, r.industry, r.amount) for r in rows) == [
        ("三业奖补", "", Decimal("1000.00")),
        ("到户产业奖补", "养殖", Decimal("1540.00")),
        ("到户产业奖补", "种植", Decimal("1000.50")),
    ]


def faults(kind: str, people: dict[str, Any]) -> tuple[list[dict[str, Any]], set[Any]]:
    """Rows 2… with one fault each after the first, and the (row, column) each must name."""
    a, b, other = people["a"], people["b"], people["other"]
    if kind == "employment":
        return [
            work(a),  # 2: fine
            work(a, 证件号码=id_number(), 姓名="无此人"),  # 3: not on the register
            work(other),  # 4: another town's person
            work(b, 务工状况="出国务工"),  # 5: bad code
            work(b, 月份="2023-13"),  # 6: bad month
            work(a),  # 7: duplicate key of row 2
            work(b, 月份="2023-10", 月收入="-5"),  # 8: negative amount
            work(b, 月份="2023-09", 务工状况="未务工", 务工单位=""),  # 9: 未务工 with a 就业形式
        ], {
            (3, "证件号码"),
            (4, "证件号码"),
            (5, "务工状况"),
            (6, "月份"),
            (7, "证件号码"),
            (8, "月收入"),
            (9, "就业形式"),
        }
    if kind == "labour_subsidy":
        return [
            subsidy(a),
            subsidy(a, 证件号码=id_number(), 姓名="无此人"),
            subsidy(other),
            subsidy(b, 补贴类型="住房补贴"),
            subsidy(b, 发放日期="2023-02-30"),
            subsidy(a),
            subsidy(b, 补贴类型="稳岗补贴", 金额="-5"),
            subsidy(b, 补贴类型="其他", 发放日期="2022-12-01"),  # paid before its year
        ], {
            (3, "证件号码"),
            (4, "证件号码"),
            (5, "补贴类型"),
            (6, "发放日期"),
            (7, "证件号码"),
            (8, "金额"),
            (9, "发放日期"),
        }
    h, oh = a.household, other.household
    return [
        aid(h),
        aid(h, 户编号="420281100201009999"),
        aid(oh),
        aid(h, 奖补项目="光伏奖补"),
        aid(h, 奖补项目="庭院经济奖补", 发放日期="2023-2-31"),
        aid(h),
        aid(h, 奖补项目="其他", 金额="-5"),
        aid(h, 奖补项目="到户产业奖补", 发放日期="2022-12-01"),
    ], {
        (3, "户编号"),
        (4, "户编号"),
        (5, "奖补项目"),
        (6, "发放日期"),
        (7, "户编号"),
        (8, "金额"),
        (9, "发放日期"),
    }


@pytest.mark.parametrize("kind", CASES)
def test_one_fault_of_each_kind_rejects_the_whole_file_at_its_row_and_column(
    kind: str, people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    layout, model = CASES[kind]
    rows, expected = faults(kind, people)
    path = write_sheet(tmp_path / "bad.xlsx", layout.headers, rows)
    result = pipeline.run(kind, path, actor=users["town_staff"])
    assert result["status"] == "rejected"
    assert model.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found == expected, result["errors"]
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert "不在您管辖范围" in messages[(4, layout.headers[0])]
    assert "第2行" in messages[(7, layout.headers[0])]
    assert "不能为负数" in messages[(8, layout.headers[-2 if kind != "employment" else -1])]


@pytest.mark.parametrize("kind", CASES)
def test_the_export_reimports_as_a_no_op(
    kind: str, people: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    layout, _ = CASES[kind]
    source = write_sheet(tmp_path / "in.xlsx", layout.headers, good_rows(kind, people))
    assert run_command("ledger", "import", kind, str(source))[0] == 0
    out = tmp_path / "out.xlsx"
    code, result, _ = run_command(
        "ledger", "export", kind, "--region", "大冶市/金山店镇", "--year", "2023", "--out", str(out)
    )
    assert (code, result["rows"]) == (0, 3)
    code, again, _ = run_command("ledger", "import", kind, str(out))
    assert (code, again["unchanged"], again["created"], again["updated"]) == (0, 3, 0, 0)


@pytest.mark.parametrize("kind", CASES)
def test_the_list_shows_exactly_the_users_region(
    kind: str, people: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    layout, model = CASES[kind]
    rows = good_rows(kind, people)
    other = people["other"]
    if kind == "employment":
        rows.append(work(other))
    elif kind == "labour_subsidy":
        rows.append(subsidy(other))
    else:
        rows.append(aid(other.household))
    source = write_sheet(tmp_path / "in.xlsx", layout.headers, rows)
    assert run_command("ledger", "import", kind, str(source))[0] == 0
    url = reverse("ledgers:list", args=[kind])
    response = client_for("town_staff").get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
    body = response.content.decode()
    assert people["a"].id_number not in body
    assert client_for("other_town").get(url).context["page"].paginator.count == 1
    assert client_for("county_admin").get(url).context["page"].paginator.count == 4
    row_pk = model.objects.get(region__parent=other.household.region.parent).pk
    detail = client_for("town_staff").get(reverse("ledgers:detail", args=[kind, row_pk]))
    assert detail.status_code == 404


def test_the_registers_work_status_follows_the_latest_month(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    a, b = people["a"], people["b"]
    Person.objects.filter(pk=b.pk).update(employment="县内务工", work_place="大冶市城区")
    rows = [
        work(a, 月份="2023-12", 务工状况="未务工", 就业形式="", 务工单位="", 月收入=""),
        work(a, 月份="2023-11"),
        work(b, 月份="2023-10", 务工状况="未务工", 就业形式="", 务工单位="", 月收入=""),
    ]
    path = write_sheet(tmp_path / "e.xlsx", EMPLOYMENT.headers, rows)
    assert pipeline.run("employment", path, actor=users["town_staff"])["status"] == "imported"
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.employment, b.employment, b.work_place) == ("未务工", "未务工", "")
    trail = AuditRecord.objects.get(
        object_type="registry.person", object_id=str(b.pk), action="update"
    )
    assert trail.before == {"employment": "县内务工", "work_place": "大冶市城区"}
    assert trail.actor == users["town_staff"]
    # The latest month deleted: the month before decides again.
    Person.objects.filter(pk=a.pk).update(work_place="武汉市")
    december = EmploymentRow.objects.get(person=a, month="2023-12")
    delete_row(actor=users["town_staff"], ledger=ledger("employment"), row=december)
    a.refresh_from_db()
    assert (a.employment, a.work_place) == ("省外务工", "武汉市")  # 务工地点 kept: still out
    # A month before the latest one changes nothing on the register.
    path = write_sheet(tmp_path / "old.xlsx", EMPLOYMENT.headers, [work(b, 月份="2023-09")])
    assert pipeline.run("employment", path, actor=users["town_staff"])["status"] == "imported"
    b.refresh_from_db()
    assert b.employment == "未务工"


def test_a_month_without_a_work_status_is_kept_blank_and_counted_under_none(
    people: dict[str, Any], regions: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    """务工状况 is not a key (formats.md §6): a file without the column, or a row with it blank,
    imports; the month is kept blank, leaves the register's 务工状况 as it was, counts under
    "（空）" and is neither 外出务工, 新外出 nor 回流 in the figures and the page; the report
    speaks of the last month that gives 务工状况."""
    from employment.reporting import report_sections

    a, b = people["a"], people["b"]
    november = [work(a, 月份="2023-11"), work(b, 月份="2023-11")]
    path = write_sheet(tmp_path / "nov.xlsx", EMPLOYMENT.headers, november)
    assert run_command("ledger", "import", "employment", str(path))[0] == 0
    headers = [h for h in EMPLOYMENT.headers if h != "务工状况"]
    path = write_sheet(tmp_path / "dec.xlsx", headers, [work(a, 月份="2023-12")])
    code, result, _ = run_command("ledger", "import", "employment", str(path))
    assert (code, result["created"], result["warnings"]) == (0, 1, []), result
    path = write_sheet(
        tmp_path / "b.xlsx", EMPLOYMENT.headers, [work(b, 月份="2023-12", 务工状况="")]
    )
    code, result, _ = run_command("ledger", "import", "employment", str(path))
    assert (code, result["created"]) == (0, 1), result
    december = EmploymentRow.objects.filter(month="2023-12")
    assert set(december.values_list("status", "form")) == {("", "企业务工")}
    for row in december:  # the model accepts what the import stores (admin, full_clean)
        row.full_clean()
    a.refresh_from_db()
    assert a.employment == "省外务工"  # November's: December said nothing of it
    found = run_command("ledger", "stats", "--region", "金山店镇", "--year", "2023")[1]
    figures = found["ledgers"]["employment"]
    assert {k: v["rows"] for k, v in figures["by"]["务工状况"].items()} == {
        "省外务工": 2,
        "（空）": 2,
    }
    assert figures["by_month"]["2023-12"].keys() == {"（空）"}
    assert figures["by_month"]["2023-12"]["（空）"]["rows"] == 2
    assert sum(v["rows"] for v in figures["by_status"].values()) == 4
    assert {k: v["persons"] for k, v in figures["work"]["2023-12"].items()} == {
        "外出务工": 0,
        "县内务工": 0,
        "未务工": 0,
    }
    assert figures["changes"] == {"2023-12": {"回流": 0, "新外出": 0}}
    page = client_for("town_staff").get(
        reverse("employment:monthly"), {"year": "2023", "month": "2023-12"}
    )
    assert page.context["lists"] == {"新外出": [], "回流": []}
    # The report's last month is the last one that says who works where.
    report = report_sections(regions["town"], dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    said = report["work:employment"][0]
    assert "截至2023年11月" in said and "另有一般农户2人" in said


def test_the_monthly_page_lists_who_left_and_who_came_back_in_the_users_region(
    people: dict[str, Any], client_for: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    a, b, other = people["a"], people["b"], people["other"]
    idle = {"务工状况": "未务工", "就业形式": "", "务工单位": "", "月收入": ""}
    rows = [
        work(a, 月份="2023-11"),
        work(a, 月份="2023-12", 务工状况="县内务工", 务工单位="大冶华新水泥"),  # 回流
        work(b, 月份="2023-11", **idle),
        work(b, 月份="2023-12"),  # 新外出
        work(other, 月份="2023-12"),  # 新外出, in another town
    ]
    path = write_sheet(tmp_path / "e.xlsx", EMPLOYMENT.headers, rows)
    assert run_command("ledger", "import", "employment", str(path))[0] == 0
    client = client_for("town_staff")
    # The months' figures alone (not the kit's by every column); 11th: the year's words for the
    # 监测人口 column; 12th: the places of the listed people.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("employment:monthly"), {"year": "2023"})
    assert response.status_code == 200
    lists = response.context["lists"]
    assert [r["row"].person for r in lists["回流"]] == [a]
    assert [r["row"].person for r in lists["新外出"]] == [b]
    assert lists["回流"][0]["row"].before == "省外务工"
    body = response.content.decode()
    assert a.id_number not in body and a.masked_id() in body
    assert other.masked_id() not in body
    table = response.context["table"]
    assert [r["month"] for r in table] == ["2023-11", "2023-12"]
    assert table[1]["changes"] == {"回流": 1, "新外出": 1}
    assert '<th class="text-end">监测人口</th>' in body
    in_2026 = client.get(reverse("employment:monthly"), {"year": "2026"}).content.decode()
    assert '<th class="text-end">防止返贫致贫对象</th>' in in_2026 and "监测人口" not in in_2026
    listed = client.get(reverse("ledgers:list", args=["employment"])).content.decode()
    assert reverse("employment:monthly") in listed
    refused = client_for("town_staff").get(
        reverse("employment:monthly"), {"region": other.household.region.pk}
    )
    assert refused.status_code == 404
    api = client_for("town_staff").get("/api/v1/ledgers/employment/stats", {"year": "2023"})
    found = api.json()["figures"]
    assert found["work"]["2023-12"]["外出务工"]["persons"] == 1  # b; the other town's not
    assert found["changes"] == {"2023-12": {"回流": 1, "新外出": 1}}


def test_the_monthly_page_counts_the_changes_of_the_month_chosen_and_names_the_village(
    people: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    a, b = people["a"], people["b"]
    idle = {"务工状况": "未务工", "就业形式": "", "务工单位": "", "月收入": ""}
    rows = [
        work(a, 月份="2023-10", **idle),
        work(a, 月份="2023-11"),  # 新外出 in November
        work(a, 月份="2023-12"),
        work(b, 月份="2023-10", **idle),
        work(b, 月份="2023-11", **idle),
        work(b, 月份="2023-12", **idle),
    ]
    path = write_sheet(tmp_path / "e.xlsx", EMPLOYMENT.headers, rows)
    assert run_command("ledger", "import", "employment", str(path))[0] == 0
    client = client_for("town_staff")
    url = reverse("employment:monthly")
    latest = client.get(url, {"year": "2023"})
    table = {r["month"]: r["changes"] for r in latest.context["table"]}
    assert table == {"2023-10": None, "2023-11": None, "2023-12": {"回流": 0, "新外出": 0}}
    # A month whose changes the page did not count links to them, rather than a blank cell.
    assert 'month=2023-11">点击查看</a>' in latest.content.decode()
    chosen = client.get(url, {"year": "2023", "month": "2023-11"})
    table = {r["month"]: r["changes"] for r in chosen.context["table"]}
    assert table["2023-11"] == {"回流": 0, "新外出": 1}
    body = chosen.content.decode()
    assert '<td class="text-end">1</td><td class="text-end">0</td></tr>' in body
    # The labourer's village, not the 村民小组 alone.
    place = a.household.region.place()
    assert "/" in place and f"<td>{place}</td>" in body
    # The page as a printable Excel 台账: the months, then the month's lists (masked); audited.
    assert "format=xlsx" in body
    sheet = client.get(url, {"year": "2023", "month": "2023-11", "format": "xlsx"})
    assert sheet.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content))
    cells = book.get_sheet_by_index(0).to_python()
    november = [int(c) if isinstance(c, float) else c for c in cells[4]]
    assert (november[:2], november[7:]) == (["2023-11", 1], [1, 0])  # 外出 1; 新外出 1, 回流 0
    left = [r for r in cells if r and r[0] == "新外出" and r[2] == a.name]
    assert left and left[0][1] == place and left[0][3] == a.masked_id()
    assert a.id_number not in str(cells)
    assert AuditRecord.objects.filter(object_type="employment.employmentrow").exists()


def test_the_list_filters_by_month_and_says_what_is_wrong_with_a_filter(
    people: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    a, b = people["a"], people["b"]
    rows = [work(a, 月份="2023-11"), work(a, 月份="2023-12"), work(b, 月份="2023-12")]
    path = write_sheet(tmp_path / "e.xlsx", EMPLOYMENT.headers, rows)
    assert run_command("ledger", "import", "employment", str(path))[0] == 0
    client = client_for("town_staff")
    url = reverse("ledgers:list", args=["employment"])
    # 一月一报: the month is the filter a clerk needs first.
    december = client.get(url, {"by_month": "2023-12"})
    assert december.context["page"].paginator.count == 2
    assert 'type="month" name="by_month"' in december.content.decode()
    assert client.get(url, {"by_month": "2023-10"}).context["page"].paginator.count == 0
    # A filter that cannot be read is named in Chinese, not silently dropped.
    bad = client.get(url, {"by_month": "2023-13", "year": "abc"})
    body = bad.content.decode()
    assert "月份应为YYYY-MM，如2023-12（未按此条件查询）" in body
    assert "年度应为四位年份，如2026（未按此条件查询）" in body
    assert bad.context["page"].paginator.count == 3


def test_a_member_who_moved_counts_in_the_new_household_in_every_figure(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    """formats.md §7: a person row's household is the person's household (where its region
    comes from), not the one it was entered under: after a member moves by the register's
    re-import, the town left, the town joined and the county agree on households, by_status
    and by_month, and re-importing the ledger changes nothing of it."""
    from imports.tests.builders import family, num, person, pid, write_xlsx
    from livelihood.tests.helpers import HEADERS, loan

    there = {"乡镇": "还地桥镇", "行政村": "白羊村", "村民小组": ""}
    monitored = {"监测对象类别": "边缘易致贫户", "识别监测时间": "2023-05-10", "风险类型": "因病"}
    home, spouse = family(num("MV1"), 10)
    other = person(num("MV2"), "户主20", pid(20), **there, **monitored)
    code, result, _ = run_command(
        "import_registry", str(write_xlsx(tmp_path / "a.xlsx", [home, spouse, other]))
    )
    assert code == 0, result
    listed = [Person.objects.get(id_number=r["证件号码"]) for r in (home, spouse)]
    months = [work(p, 月份=month) for p in listed for month in ("2023-11", "2023-12")]
    path = write_sheet(tmp_path / "work.xlsx", EMPLOYMENT.headers, months)
    assert run_command("ledger", "import", "employment", str(path))[0] == 0
    # The spouse and 户主20 borrow for a cooperative, each still in their own household.
    pooled = {
        "放款日期": "2023-03-01",
        "使用方式": "户贷社用",
        "还款状态": "逾期",
        "逾期金额": "100",
    }
    borrowers = [listed[1], Person.objects.get(id_number=other["证件号码"])]
    loans = write_sheet(
        tmp_path / "loans.xlsx", HEADERS["loans"], [loan(p, **pooled) for p in borrowers]
    )
    assert run_command("ledger", "import", "loans", str(loans))[0] == 0
    # The spouse marries into 户主20's household in 还地桥镇 (the old household listed too).
    moved = {**spouse, "户编号": num("MV2"), "与户主关系": "配偶", **there, **monitored}
    code, result, _ = run_command(
        "import_registry", str(write_xlsx(tmp_path / "b.xlsx", [home, other, moved]))
    )
    assert code == 0, result
    assert Person.objects.get(id_number=spouse["证件号码"]).household.number == num("MV2")
    code, result, _ = run_command("ledger", "import", "employment", str(path))
    assert (code, result["unchanged"]) == (0, 4), result

    def employment(region: str) -> dict[str, Any]:
        code, found, _ = run_command("ledger", "stats", "--region", region, "--year", "2023")
        assert code == 0, found
        return found["ledgers"]["employment"]

    town, joined, county = (employment(r) for r in ("金山店镇", "还地桥镇", "大冶市"))
    counts = ("rows", "persons", "households")
    assert [tuple(f[k] for k in counts) for f in (town, joined, county)] == [
        (2, 1, 1),
        (2, 1, 1),
        (4, 2, 2),
    ]
    assert town["by_status"]["一般农户"]["households"] == 1
    assert joined["by_status"]["监测户"] == {
        "rows": 2,
        "persons": 1,
        "households": 1,
        "amount": "0.00",
    }
    assert joined["by_status"]["一般农户"]["rows"] == 0
    for status in ("一般农户", "监测户"):
        assert county["by_status"][status] == {
            k: town["by_status"][status][k] + joined["by_status"][status][k] for k in counts
        } | {"amount": "0.00"}
    cells = [f["by_month"]["2023-12"]["省外务工"]["by_status"] for f in (town, joined, county)]
    assert [c["监测户"]["households"] for c in cells] == [0, 1, 1]
    assert [c["一般农户"]["households"] for c in cells] == [1, 0, 1]
    assert joined["work"]["2023-12"]["外出务工"]["监测户"] == 1
    # Both borrowers now live in one household: one household borrows for the cooperative.
    code, found, _ = run_command("ledger", "stats", "--region", "还地桥镇", "--year", "2023")
    borrowed = found["ledgers"]["loans"]
    assert (borrowed["rows"], borrowed["households"], borrowed["pooled_households"]) == (2, 1, 1)
    assert borrowed["overdue"] == {"rows": 2, "households": 1}
