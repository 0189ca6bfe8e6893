"""The 农村低收入人口 exchange with 民政: the list imported with the header rules of formats.md
§1–§2, matched to the register, compared per village with the reasons, M01 on a 低保边缘 person of
a household that is neither 监测 nor 脱贫, the export for 民政 and the shared income method."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from python_calamine import CalamineWorkbook

from core import pipeline
from core.checks import all_checks
from core.income import household_income
from core.models import AuditRecord
from exchange.models import Item
from exchange.services import run_checks
from fangpin.testing import id_number, make_household, run_command, write_sheet
from lowincome.layouts import LOW_INCOME
from lowincome.models import LowIncomePerson
from monitoring.assessment import income_of
from monitoring.models import Case, DeadlinePolicy

HEADERS = [c.header for c in LOW_INCOME.columns]


@pytest.fixture
def register(regions: dict[str, Any]) -> dict[str, Any]:
    return {
        "monitored": make_household(
            regions["village"],
            members=2,
            category="边缘易致贫户",
            identified_date=dt.date(2025, 3, 1),
            risk_list=["因病"],
        ),
        "alleviated": make_household(
            regions["village"], members=1, is_alleviated=True, alleviated_year=2016
        ),
        "plain": make_household(regions["village"], members=2),
        "other": make_household(regions["other_village"], members=1),
    }


def _head(h: Any) -> Any:
    return h.persons.order_by("pk").first()


def _rows(register: dict[str, Any]) -> list[dict[str, Any]]:
    monitored, plain = _head(register["monitored"]), _head(register["plain"])
    return [
        {
            "证件号码": monitored.id_number,
            "姓名": monitored.name,
            "低收入人口类别": "最低生活保障对象",
            "家庭人口": 2,
            "家庭年收入": 12000,
            "刚性支出": 3000,
            "备注": "x",
        },
        {
            "证件号码": id_number(dt.date(1970, 1, 2)),
            "姓名": "外来人",
            "乡镇（街道）": "金山店镇",
            "村（社区）": "仕秦村",
            "低收入人口类别": "特困人员",
        },
        {
            "证件号码": plain.id_number,
            "姓名": plain.name,
            "低收入人口类别": "低保边缘家庭成员",
            "认定时间": "2025-06-01",
        },
    ]


def _import(tmp_path: Path, rows: list[dict[str, Any]], actor: Any, **kw: Any) -> dict[str, Any]:
    headers = ["证件号码", "姓名", "乡镇（街道）", "村（社区）", "低收入人口类别", "认定时间"]
    headers += ["家庭人口", "家庭年收入", "刚性支出", "备注"]
    path = write_sheet(tmp_path / "低收入人口.xlsx", headers, rows, title="某县农村低收入人口名单")
    return pipeline.run("lowincome", path, actor=actor, **kw)


def test_the_list_is_imported_matched_and_compared_per_village_with_the_reasons(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any], client_for: Any
) -> None:
    with patch("core.dates.today", return_value=dt.date(2026, 12, 6)):  # the 2026 words
        result = _import(tmp_path, _rows(register), users["county_admin"])
        village = client_for("village_staff").get(
            f"/lowincome/village/{register['monitored'].region_id}/"
        )
    assert result["status"] == "imported", result["errors"]
    assert (
        result["persons"],
        result["both"],
        result["not_on_register"],
        result["not_monitored"],
    ) == (
        3,
        1,
        1,
        1,
    )
    assert result["warnings"][0]["message"] == "以下列不认识，已忽略：备注"
    # The import reports matches and mismatches per village.
    assert result["by_village"] == [
        {"village": "金山店镇/朝阳村", "both": 1, "unregistered": 0, "plain": 1},
        {"village": "金山店镇/仕秦村", "both": 0, "unregistered": 1, "plain": 0},
    ]
    assert (result["created"], result["updated"]) == (3, 0)
    assert result["message"] == (
        "已导入低收入人口3人：双方名单均有1人，不在户籍台账1人，"
        "在台账但非脱贫户、防止返贫致贫对象1人"
    )
    first = LowIncomePerson.objects.get(person=_head(register["monitored"]))
    assert (first.kind, first.match) == ("低保", "both")
    # The income method shared with the identification procedure (core.income).
    assert (first.per_capita, first.after_spending) == (Decimal("6000.00"), Decimal("4500.00"))

    page = client_for("town_staff").get("/lowincome/")
    assert page.status_code == 200
    rows = {r.village.name: r for r in page.context["rows"]}
    assert (rows["朝阳村"].both, rows["朝阳村"].plain, rows["朝阳村"].only_ours) == (1, 1, 1)
    assert rows["仕秦村"].unregistered == 1
    assert "还地桥镇" not in page.content.decode()  # another town's village is not listed
    assert "core.income" not in page.content.decode()  # no module names on a page

    text = village.content.decode()
    # The section and the reason in the year's words, like the rest of the page.
    assert "仅在民政名单：在户籍台账但非脱贫户、防止返贫致贫对象（1人）" in text
    assert "<td>在户籍台账但非脱贫户、防止返贫致贫对象</td>" in text
    assert "防止返贫致贫对象未纳入低收入人口名单" in text and "监测户" not in text
    assert _head(register["plain"]).id_number not in text  # masked
    other = client_for("village_staff").get(f"/lowincome/village/{register['other'].region_id}/")
    assert other.status_code == 404


def test_m01_fires_on_a_低保边缘_person_of_a_household_neither_监测_nor_脱贫(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    m01 = next(c for c in all_checks() if c.code == "M01")
    assert m01.fn(None) == []  # silent on clean data
    _import(tmp_path, _rows(register), users["county_admin"])
    found = list(m01.fn(None))
    assert [f["household_id"] for f in found] == [register["plain"].pk]
    assert "低保边缘" in found[0]["message"] and "请核实是否应纳入监测" in found[0]["message"]
    # `fangpin check` keeps it as a work item of the village.
    run_checks(actor=None)
    item = Item.objects.get(rule__code="M01")
    assert (item.household_id, item.region_id) == (
        register["plain"].pk,
        register["plain"].region_id,
    )
    # 低保边缘 in a 监测 or 脱贫 household: silent.
    LowIncomePerson.objects.filter(kind="低保边缘").update(household=register["alleviated"])
    assert m01.fn(None) == []


def test_a_bad_file_is_rejected_whole_with_every_error(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    rows = _rows(register)
    rows[1]["村（社区）"] = "白羊村"  # another town's village: not the clerk's
    rows[2]["低收入人口类别"] = "困难户"
    rows.append(dict(rows[0]))
    result = _import(tmp_path, rows, users["town_staff"])
    assert result["status"] == "rejected"
    messages = {(e["row"], e["column"]) for e in result["errors"]}
    assert (4, "行政村") in messages and (5, "人员类别") in messages and (6, "证件号码") in messages
    assert not LowIncomePerson.objects.exists()


def test_the_export_for_民政_lists_the_防止返贫致贫对象_and_reimports_as_matches(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any], client_for: Any
) -> None:
    # A user who may not see full ID numbers gets them masked, and the export says so.
    masked = client_for("town_staff").get("/lowincome/export.xlsx")
    assert masked.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(masked.content)).get_sheet_by_index(0)
    numbers = [str(r[0]) for r in sheet.to_python()[1:]]
    assert len(numbers) == 2 and all("**********" in n for n in numbers)
    note = AuditRecord.objects.filter(action="export").latest("pk").note
    assert "证件号码已脱敏" in note
    # Who may see them exports them in full, for 民政 to import.
    town = users["town_staff"].region.pk
    response = client_for("county_admin").get(f"/lowincome/export.xlsx?region={town}")
    assert response.status_code == 200
    assert "含完整证件号码" in AuditRecord.objects.filter(action="export").latest("pk").note
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    data = rows.to_python()
    assert data[0] == HEADERS
    assert len(data) == 3 and {r[4] for r in data[1:]} == {"防止返贫致贫对象"}
    result = pipeline.run("lowincome", path, actor=users["town_staff"])
    assert (result["status"], result["both"]) == ("imported", 2), result["errors"]


def test_one_formula_serves_both_sides(db: Any) -> None:
    policy = DeadlinePolicy.current()
    policy.after_spending_formula = "(纯收入-合规自付支出)/人口"
    policy.save()
    case = Case(
        wage=Decimal(10000),
        business=Decimal(2000),
        property_income=Decimal(0),
        transfer=Decimal(0),
        business_cost=Decimal(0),
        compliant_spending=Decimal(3000),
        claims=Decimal(500),
        members_counted=2,
    )
    ours = income_of(case)
    theirs = household_income(
        net=Decimal(12000), members=2, spending=Decimal(3000), claims=Decimal(500),
        formula=policy.after_spending_formula,
    )  # fmt: skip
    assert (ours.per_capita, ours.after_spending) == (theirs.per_capita, theirs.after_spending)
    assert ours.after_spending == Decimal("4500.00")


def test_the_commands_export_and_import_the_list(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    out = tmp_path / "交民政.xlsx"
    code, result, _ = run_command("lowincome", "export", "--region", "金山店镇", "--out", str(out))
    assert code == 0 and result["bytes"] > 0
    code, result, _ = run_command("lowincome", "import", str(out))
    assert (code, result["status"], result["both"]) == (0, "imported", 2)


def test_a_file_of_headers_only_does_not_empty_the_list(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    """The template saved before it was filled would remove everyone: refused, list kept."""
    assert _import(tmp_path, _rows(register), users["town_staff"])["status"] == "imported"
    listed = sorted(LowIncomePerson.objects.values_list("id_number", flat=True))
    result = _import(tmp_path, [], users["town_staff"])
    assert (result["status"], result["error_count"]) == ("rejected", 1), result
    assert result["errors"][0]["message"] == (
        f"文件中没有数据行：导入它将清空大冶市/金山店镇的低收入人口名单（{len(listed)}人），"
        "未导入；请检查是否选错了文件"
    )
    assert sorted(LowIncomePerson.objects.values_list("id_number", flat=True)) == listed


def test_the_template_has_the_lists_headers(client_for: Any) -> None:
    response = client_for("town_staff").get("/imports/template.xlsx", {"kind": "lowincome"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    assert sheet.to_python()[0] == HEADERS


def test_the_report_tells_the_list_when_there_is_one(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any], regions: dict[str, Any],
    settings: Any,
) -> None:  # fmt: skip
    from docx import Document

    from stats.report import render

    settings.DATA_DIR = tmp_path
    town = regions["town"]

    def text() -> str:
        data = render(town, 2026, today=dt.date(2026, 12, 6))
        return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)

    assert "农村低收入人口" not in text()
    _import(tmp_path, _rows(register), users["county_admin"])
    assert (
        "农村低收入人口：民政名单共3人，其中低保1人，特困1人，低保边缘1人；与户籍台账比对，"
        "属于脱贫户、防止返贫致贫对象的1人"
    ) in text()


def test_the_list_is_uploaded_checked_and_confirmed_on_the_import_pages(
    tmp_path: Path,
    register: dict[str, Any],
    client_for: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.models import ImportBatch

    settings.DATA_DIR = tmp_path
    headers = ["证件号码", "姓名", "低收入人口类别", "家庭人口", "家庭年收入", "刚性支出"]
    path = write_sheet(tmp_path / "list.xlsx", headers, _rows(register)[:1])
    client = client_for("town_staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/imports/upload/",
            {"kind": "lowincome", "file": SimpleUploadedFile(path.name, path.read_bytes())},
        )
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == "valid", batch.errors
    assert batch.counts["both"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/", {})
    batch.refresh_from_db()
    assert batch.status == "imported"
    assert LowIncomePerson.objects.get().match == "both"


def test_a_household_of_a_村民小组_is_counted_in_its_village(
    tmp_path: Path, users: dict[str, Any], regions: dict[str, Any]
) -> None:
    h = make_household(regions["group"], members=1)
    head = _head(h)
    row = {"证件号码": head.id_number, "姓名": head.name, "低收入人口类别": "低保"}
    result = _import(tmp_path, [row], users["town_staff"])
    assert result["status"] == "imported", result["errors"]
    assert LowIncomePerson.objects.get().region == regions["village"]


def test_the_village_list_reads_a_fixed_number_of_queries(
    tmp_path: Path,
    users: dict[str, Any],
    register: dict[str, Any],
    regions: dict[str, Any],
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for("county_admin")
    _import(tmp_path, _rows(register), users["county_admin"])
    with django_assert_max_num_queries(12) as first:
        client.get("/lowincome/")
    for _ in range(5):  # more villages and more people: no more queries
        make_household(regions["other_village"], members=2, category="边缘易致贫户",
                       identified_date=dt.date(2025, 3, 1), risk_list=["因病"])  # fmt: skip
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get("/lowincome/").status_code == 200


def test_a_new_list_audits_each_person_it_changes_or_removes_with_before_and_after(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    rows = _rows(register)
    assert _import(tmp_path, rows, users["town_staff"])["status"] == "imported"
    rows[0]["低收入人口类别"] = "特困人员"
    result = _import(tmp_path, rows[:2], users["town_staff"])
    assert (result["status"], result["removed"]) == ("imported", 1)
    label = "lowincome.lowincomeperson"
    changed = AuditRecord.objects.get(object_type=label, action="update")
    assert (changed.before, changed.after) == ({"kind": "低保"}, {"kind": "特困"})
    assert changed.household_id == register["monitored"].pk
    removed = AuditRecord.objects.get(object_type=label, action="delete")
    assert (removed.before or {}).get("kind") == "低保边缘" and removed.household_id == register[
        "plain"
    ].pk
    assert _head(register["plain"]).id_number not in removed.object_repr


def test_a_person_registered_in_another_town_reads_as_one_not_on_the_register(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    """A town's import does not tell which numbers the register holds in another town."""
    stranger = _head(register["other"])
    unknown = id_number(dt.date(1971, 3, 4))
    rows = [
        {"证件号码": n, "姓名": "某人", "低收入人口类别": "低保"}
        for n in (stranger.id_number, unknown)
    ]
    result = _import(tmp_path, rows, users["town_staff"])
    assert result["status"] == "rejected"
    first, second = result["errors"]
    assert (first["column"], first["message"]) == (second["column"], second["message"])
    placed = [r | {"乡镇（街道）": "金山店镇", "村（社区）": "仕秦村"} for r in rows]
    result = _import(tmp_path, placed, users["town_staff"])
    assert (result["status"], result["not_on_register"]) == ("imported", 2)
    assert LowIncomePerson.objects.get(id_number=stranger.id_number).person is None


def test_a_person_is_found_by_name_with_the_group_the_place_and_the_reason(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any], client_for: Any
) -> None:
    assert _import(tmp_path, _rows(register), users["county_admin"])["status"] == "imported"
    plain = _head(register["plain"])
    client = client_for("town_staff")
    found = client.get("/lowincome/", {"q": plain.name}).content.decode()
    # On 民政's list but neither 脱贫户 nor 监测户 on the register: said so, with the village.
    assert "姓名以“" in found and plain.masked_id() in found and plain.id_number not in found
    part = found[found.index("仅在民政名单：在户籍台账") :]
    assert f"<td>{plain.name}</td>" in part.split("</table>")[0]
    assert f"<td>{register['plain'].region.place()}</td>" in found
    # Someone of ours not on 民政's list is found too; a name nobody has says so.
    ours = register["monitored"].persons.order_by("pk")[1]
    assert "未纳入低收入人口名单" in client.get("/lowincome/", {"q": ours.name}).content.decode()
    nobody = client.get("/lowincome/", {"q": "查无此人"}).content.decode()
    assert "比对名单中没有姓名以“查无此人”开头的人员" in nobody
    # Another town's people are not found.
    there = _head(register["other"])
    assert there.masked_id() not in client.get("/lowincome/", {"q": there.name}).content.decode()


def test_a_list_giving_a_column_twice_under_its_alias_is_refused_whole(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    """人员类别 and 低收入人口类别 are one column: which one counts would be a guess."""
    rows = [r | {"人员类别": "特困人员"} for r in _rows(register)]
    headers = ["证件号码", "姓名", "人员类别", "低收入人口类别"]
    path = write_sheet(tmp_path / "twice.xlsx", headers, rows)
    code, result, _ = run_command("lowincome", "import", str(path))
    assert (code, result["status"]) == (1, "rejected")
    [error] = result["errors"]
    assert error["message"].startswith("以下列重复出现：“人员类别”（第3列和第4列），请只保留一列")
    assert not LowIncomePerson.objects.exists()


def test_an_excel_error_text_in_a_csv_list_is_an_error_at_its_row_and_column(
    tmp_path: Path, users: dict[str, Any], register: dict[str, Any]
) -> None:
    """A CSV saved by Excel holds an error cell's text: a 姓名 of "#N/A" is a broken VLOOKUP,
    not a name; the list is rejected there, nothing kept."""
    rows = _rows(register)
    rows[0]["姓名"] = "#N/A"
    rows[2]["家庭年收入"] = "#VALUE!"
    headers = ["证件号码", "姓名", "乡镇（街道）", "村（社区）", "低收入人口类别", "家庭年收入"]
    path = write_sheet(tmp_path / "低收入人口.csv", headers, rows)
    code, result, _ = run_command("lowincome", "import", str(path))
    assert (code, result["status"]) == (1, "rejected")
    told = "单元格是Excel错误值“{}”（公式出错），请改为实际的值或留空"
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]] == [
        (2, "姓名", "#N/A", told.format("#N/A")),
        (4, "家庭年纯收入", "#VALUE!", told.format("#VALUE!")),  # as its errors name it
    ]
    assert not LowIncomePerson.objects.exists()


def test_a_village_users_back_link_does_not_name_the_town(
    client_for: Any, regions: dict[str, Any]
) -> None:
    """The village page links back to the list; for a village user not through the town, which
    answers them 404."""
    village, town = regions["village"], regions["town"]
    page = client_for("grid_member").get(f"/lowincome/village/{village.pk}/").content.decode()
    assert f"?region={town.pk}" not in page and 'href="/lowincome/"' in page
    assert client_for("grid_member").get("/lowincome/").status_code == 200
    page = client_for("county_admin").get(f"/lowincome/village/{village.pk}/").content.decode()
    assert f'href="/lowincome/?region={town.pk}"' in page
