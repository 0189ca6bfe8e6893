"""What national-system exports and clerks' exports bring (issue 18): the aliases of the national
columns, a phone per member, un-marking by import, a masked export edited and imported back, the
户编号 checked, and the nearest code proposed — each through `fangpin` and through the web."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from fangpin.testing import run_command, write_sheet
from imports.models import ImportBatch
from imports.tests.builders import num, pid
from registry.models import Household, HouseholdEvent, Person
from stats.services import compute

pytestmark = pytest.mark.django_db

NATIONAL = [
    "县(市、区)",
    "乡镇",
    "行政村",
    "村民小组",
    "户编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "户类型",
    "监测对象类别",
    "致贫风险1",
    "致贫风险2",
    "享受低保政策情况",
    "享受特困供养政策情况",
    "联系电话",
    "识别监测时间",
    "务工状况",
    "整户无劳动能力兜底保障户",
]


def member(number: str, name: str, serial: int, relation: str, **cells: Any) -> dict[str, Any]:
    return {
        "县(市、区)": "大冶市",
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "村民小组": "一组",
        "户编号": number,
        "姓名": name,
        "证件号码": pid(serial, male=relation != "配偶"),
        "与户主关系": relation,
        "户类型": "脱贫户",
        "监测对象类别": "脱贫不稳定户",
        "识别监测时间": "202305",
        "致贫风险1": "因病",
        "致贫风险2": "因灾",
        "享受低保政策情况": "农村低保",
        "享受特困供养政策情况": "未享受",
        "整户无劳动能力兜底保障户": "否",
    } | cells


def national_rows() -> list[dict[str, Any]]:
    return [
        member(num("N1"), "张三", 10, "户主", 联系电话="13800001111", 务工状况="省内县外务工"),
        member(num("N1"), "李四", 11, "配偶", 联系电话="13900002222"),
        member(num("N1"), "张小", 12, "之子", 联系电话=""),
    ]


def test_a_national_export_imports_with_its_aliases_and_a_phone_per_member(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "national.xlsx", NATIONAL, national_rows(), title="监测对象信息")
    code, result, _ = run_command("import_registry", str(path))
    assert code == 0, result
    assert result["warnings"] == []  # no national column is "unknown"
    h = Household.objects.get(number=num("N1"))
    assert (h.is_alleviated, h.category, h.risk_list) == (
        True,
        "脱贫不稳定户",
        ["因病", "因自然灾害"],
    )
    assert h.identified_date == dt.date(2023, 5, 1) and h.phone == "13800001111"
    phones = dict(Person.objects.filter(household=h).values_list("name", "phone"))
    assert phones == {"张三": "13800001111", "李四": "13900002222", "张小": ""}
    head = Person.objects.get(name="张三")
    assert (head.dibao, head.tekun, head.employment) == (True, False, "县外省内务工")


def test_the_national_spelling_of_the_schooling_column_is_read_not_ignored(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    """policy.md §8.2: national exports head 在校生状况 as 在校生情况 too; its values are read (as
    any alias's), not set aside as an unknown column."""
    rows = [
        r | {"在校生情况": "七年级" if r["姓名"] == "张小" else "非在校生"} for r in national_rows()
    ]
    path = write_sheet(tmp_path / "national.xlsx", [*NATIONAL, "在校生情况"], rows)

    code, result, _ = run_command("import_registry", str(path))

    assert code == 0, result
    assert result["warnings"] == []
    assert Person.objects.get(name="张小").schooling == "七年级"


def test_the_risk_columns_of_every_spelling_merge_in_column_order(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    headers = [h for h in NATIONAL if h not in {"致贫风险1", "致贫风险2"}]
    headers += ["致贫风险1", "致贫风险2", "返贫风险1", "致（返）贫风险1", "致贫/返贫风险2"]
    risks = {
        "致贫风险1": "因学",
        "致贫风险2": "因病",
        "返贫风险1": "因灾",
        "致（返）贫风险1": "",
        "致贫/返贫风险2": "缺劳动力",
    }
    rows = [r | risks for r in national_rows()]
    path = write_sheet(tmp_path / "risks.xlsx", headers, rows)
    code, result, _ = run_command("import_registry", str(path))
    assert code == 0, result
    assert result["warnings"] == []
    h = Household.objects.get(number=num("N1"))
    assert h.risk_list == ["因学", "因病", "因自然灾害", "缺劳动力"]


def test_a_national_column_given_twice_is_refused_not_read_from_the_first(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    """Two 户类型 columns: the second was ignored as "unknown" and the first read; which one
    counts would be a guess, as for any other column given twice."""
    rows = [r | {"户类型": "一般农户"} for r in national_rows()]
    path = write_sheet(tmp_path / "twice.xlsx", [*NATIONAL, "户类型"], rows)
    code, result, _ = run_command("import_registry", str(path))
    assert (code, result["status"]) == (1, "rejected")
    [error] = result["errors"]
    assert "以下列重复出现：“户类型”（第9列和第19列），请只保留一列" in error["message"]
    assert not Household.objects.filter(number=num("N1")).exists()


def test_risks_given_both_as_one_column_and_numbered_are_refused_not_half_read(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    """风险类型 beside 致贫风险1…: the numbered columns were dropped without a word."""
    rows = [r | {"风险类型": "因病"} for r in national_rows()]
    path = write_sheet(tmp_path / "both.xlsx", [*NATIONAL, "风险类型"], rows)
    code, result, _ = run_command("import_registry", str(path))
    assert (code, result["status"]) == (1, "rejected")
    [error] = result["errors"]
    where = f"第{len(NATIONAL) + 1}列）和“致贫风险1”等（第{NATIONAL.index('致贫风险1') + 1}列起）"
    assert f"以下列重复出现：“风险类型”（{where}，请只保留一列" in error["message"]
    assert not Household.objects.filter(number=num("N1")).exists()


def test_an_unknown_code_proposes_the_nearest_one(regions: dict[str, Any], tmp_path: Path) -> None:
    rows = national_rows()
    rows[0]["务工状况"] = "省内县外打工"
    path = write_sheet(tmp_path / "bad.xlsx", NATIONAL, rows)
    code, result, _ = run_command("import_registry", str(path))
    assert code == 1
    message = next(e["message"] for e in result["errors"] if e["column"] == "务工状况")
    assert "是否应为“县外省内务工”" in message


def test_clearing_the_marks_by_import_writes_un_marking_events_counted_by_reason(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "first.xlsx", NATIONAL, national_rows())
    assert run_command("import_registry", str(path))[0] == 0
    cleared = [
        r | {"监测对象类别": "", "识别监测时间": "", "致贫风险1": "", "致贫风险2": ""}
        for r in national_rows()
    ]
    headers = [*NATIONAL, "退出原因"]
    for r in cleared:
        r["退出原因"] = "剔除"
    again = write_sheet(tmp_path / "second.xlsx", headers, cleared)
    code, result, _ = run_command("import_registry", str(again))
    assert code == 0, result
    h = Household.objects.get(number=num("N1"))
    event = HouseholdEvent.objects.get(household=h, kind="exited")
    assert (event.reason, event.category, event.source) == ("剔除", "脱贫不稳定户", "导入")
    today = event.date
    figures = compute(regions["village"], today)
    assert figures["monitored"]["households"] == 0
    assert figures["exits_this_year"]["monitored"] == {"剔除": {"households": 1, "persons": 3}}
    # 清退 by the national system: 户类型 back to 一般农户, no reason column → 国家系统导入.
    plain = [r | {"户类型": "一般农户"} for r in cleared]
    third = write_sheet(tmp_path / "third.xlsx", NATIONAL, plain)
    assert run_command("import_registry", str(third))[0] == 0
    unalleviated = HouseholdEvent.objects.get(household=h, kind="unalleviated")
    assert unalleviated.reason == "国家系统导入"
    assert compute(regions["village"], today)["alleviated"]["households"] == 0


def test_a_national_export_without_the_marks_date_columns_un_marks_what_it_clears(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    # On the register with 脱贫年度, 识别监测时间 and a risk eliminated (the standard layout).
    marked = {
        "是否脱贫户": "是",
        "脱贫年度": 2016,
        "风险是否消除": "是",
        "风险消除时间": "2024-03-01",
        "风险消除方式": "帮扶消除",
    }
    first = [{k: v for k, v in r.items() if k != "户类型"} | marked for r in national_rows()]
    headers = [h if h != "户类型" else "是否脱贫户" for h in NATIONAL] + [*marked][1:]
    path = write_sheet(tmp_path / "first.xlsx", headers, first)
    assert run_command("import_registry", str(path))[0] == 0, "setup"
    h = Household.objects.get(number=num("N1"))
    assert (h.alleviated_year, h.identified_date) == (2016, dt.date(2023, 5, 1))
    # The national export has neither 脱贫年度 nor the elimination's columns; it clears both marks.
    cleared = [
        r
        | {
            "户类型": "一般农户",
            "监测对象类别": "",
            "识别监测时间": "",
            "致贫风险1": "",
            "致贫风险2": "",
        }
        for r in national_rows()
    ]
    again = write_sheet(tmp_path / "second.xlsx", NATIONAL, cleared)
    code, result, _ = run_command("import_registry", str(again))
    assert code == 0, result["errors"]
    assert result["households_updated"] == 1
    h.refresh_from_db()
    assert (h.is_alleviated, h.alleviated_year, h.category, h.identified_date) == (
        False,
        None,
        "",
        None,
    )
    assert (h.risk_eliminated, h.eliminated_date, h.elimination_method) == (False, None, "")
    reasons = dict(
        HouseholdEvent.objects.filter(household=h, kind__in=["exited", "unalleviated"]).values_list(
            "kind", "reason"
        )
    )
    assert reasons == {"exited": "国家系统导入", "unalleviated": "国家系统导入"}
    today = HouseholdEvent.objects.get(household=h, kind="exited").date
    figures = compute(regions["village"], today)
    assert figures["monitored"]["households"] == figures["alleviated"]["households"] == 0
    before = compute(regions["village"], today - dt.timedelta(days=1))
    assert before["alleviated"]["households"] == 1


def _upload(client: Any, path: Path, capture: Any) -> ImportBatch:
    with capture(execute=True):
        client.post(
            "/imports/upload/",
            {"kind": "registry", "file": SimpleUploadedFile(path.name, path.read_bytes())},
        )
    return ImportBatch.objects.latest("pk")


def test_a_clerks_masked_export_edited_and_imported_back_keeps_the_full_numbers(
    regions: dict[str, Any],
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    path = write_sheet(tmp_path / "national.xlsx", NATIONAL, national_rows())
    assert run_command("import_registry", str(path))[0] == 0
    full = dict(Person.objects.values_list("name", "id_number"))
    client = client_for("town_staff")
    exported = client.get("/imports/export.xlsx")
    assert exported.status_code == 200
    sheet = (
        CalamineWorkbook.from_filelike(
            __import__("io").BytesIO(b"".join(exported.streaming_content))
        )
        .get_sheet_by_index(0)
        .to_python()
    )
    header, rows = sheet[0], sheet[1:]
    ids = header.index("证件号码")
    assert all("*" in str(r[ids]) for r in rows)
    assert not any(n in str(sheet) for n in full.values())
    work = header.index("务工状况")
    for r in rows:
        if r[header.index("姓名")] == "李四":
            r[work] = "省外务工"
    edited = write_sheet(
        tmp_path / "edited.xlsx",
        [str(h) for h in header],
        [dict(zip(header, r, strict=True)) for r in rows],
    )
    batch = _upload(client, edited, django_capture_on_commit_callbacks)
    assert batch.status == "valid", batch.errors
    assert (batch.counts["persons_updated"], batch.counts["persons_created"]) == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/", {})
    batch.refresh_from_db()
    assert batch.status == "imported"
    assert Person.objects.get(name="李四").employment == "省外务工"
    assert dict(Person.objects.values_list("name", "id_number")) == full
    assert Person.objects.get(name="张三").phone == "13800001111"  # the masked phone kept it


def test_a_masked_number_matching_nobody_is_an_error_not_a_new_person(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "national.xlsx", NATIONAL, national_rows())
    assert run_command("import_registry", str(path))[0] == 0
    rows = national_rows()
    rows[2]["证件号码"] = "4202**********9999"
    code, result, _ = run_command(
        "import_registry", str(write_sheet(tmp_path / "m.xlsx", NATIONAL, rows))
    )
    assert code == 1
    assert "证件号码已脱敏" in result["errors"][0]["message"]
    assert Person.objects.count() == 3


def test_a_town_user_importing_another_towns_household_learns_nobody_there(
    regions: dict[str, Any],
    other_household: Any,
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    rows = national_rows()
    for r in rows:
        r["户编号"] = other_household.number
    batch = _upload(
        client_for("town_staff"),
        write_sheet(tmp_path / "x.xlsx", NATIONAL, rows),
        django_capture_on_commit_callbacks,
    )
    assert batch.status == "rejected"
    text = str(batch.errors) + str(batch.warnings)
    assert "不在您的管辖范围内" in text
    for person in other_household.persons.all():
        assert person.name not in text and person.id_number[-4:] not in text


def test_through_the_web_a_national_export_and_then_its_un_marking_import(
    regions: dict[str, Any],
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    client = client_for("county_admin")

    def imported(path: Path) -> ImportBatch:
        batch = _upload(client, path, django_capture_on_commit_callbacks)
        assert batch.status == "valid", batch.errors
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/imports/{batch.pk}/confirm/", {})
        batch.refresh_from_db()
        assert batch.status == "imported"
        return batch

    imported(write_sheet(tmp_path / "n.xlsx", NATIONAL, national_rows()))
    h = Household.objects.get(number=num("N1"))
    assert h.risk_list == ["因病", "因自然灾害"] and h.phone == "13800001111"
    assert Person.objects.get(name="李四").phone == "13900002222"
    cleared = [
        r | {"监测对象类别": "", "识别监测时间": "", "致贫风险1": "", "致贫风险2": ""}
        for r in national_rows()
    ]
    imported(write_sheet(tmp_path / "c.xlsx", NATIONAL, cleared))
    event = HouseholdEvent.objects.get(household=h, kind="exited")
    assert event.reason == "国家系统导入"
    page = client.get(f"/registry/households/{h.pk}/").content.decode()
    assert "退出监测" in page


def test_new_members_with_and_without_a_masked_phone_are_written_alike_but_the_phone(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    """A masked phone on a new member stores no number (there is none to keep); the member's
    other cells, and the members beside it, are written all the same."""
    rows = national_rows()
    rows[1]["联系电话"] = "139****2222"
    path = write_sheet(tmp_path / "national.xlsx", NATIONAL, rows)
    code, result, _ = run_command("import_registry", str(path))
    assert code == 0, result
    assert result["persons_created"] == 3
    people = {
        p.name: p
        for p in Person.objects.select_related("household").filter(household__number=num("N1"))
    }
    assert {name: p.phone for name, p in people.items()} == {
        "张三": "13800001111",
        "李四": "",
        "张小": "",
    }
    for name, serial, relation in (
        ("张三", 10, "户主"),
        ("李四", 11, "配偶"),
        ("张小", 12, "之子"),
    ):
        person = people[name]
        assert (person.id_number, person.relation) == (
            pid(serial, male=relation != "配偶"),
            relation,
        )
        assert person.is_member and person.import_row is not None
    assert people["张三"].employment == "县外省内务工"  # the code table's own name
    assert people["李四"].sex == "女" and people["李四"].birth_date is not None


def test_a_blank_household_type_is_refused_like_a_blank_is_alleviated(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    """户类型 stands in for the required 是否脱贫户: a blank cell is the same error, never 一般农户
    (which would un-mark the 脱贫户)."""
    path = write_sheet(tmp_path / "first.xlsx", NATIONAL, national_rows())
    assert run_command("import_registry", str(path))[0] == 0
    blank = [r | {"户类型": ""} for r in national_rows()]
    again = write_sheet(tmp_path / "blank.xlsx", NATIONAL, blank)

    code, result, _ = run_command("import_registry", str(again))

    assert code == 1 and result["status"] == "rejected"
    found = {(e["row"], e["column"], e["message"]) for e in result["errors"]}
    message = "是否脱贫户为必填项，应填“脱贫户”或“一般农户”"
    assert (2, "户类型", message) in found
    h = Household.objects.get(number=num("N1"))
    assert h.is_alleviated
    assert not HouseholdEvent.objects.filter(household=h, kind="unalleviated").exists()


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("享受低保政策情况", "不享受低保"),
        ("享受低保政策情况", "农村特困"),
        ("享受低保政策情况", "低保边缘"),
        ("享受特困供养政策情况", "非特困"),
        ("享受特困供养政策情况", "农村低保"),
    ],
)
def test_a_policy_column_takes_only_its_listed_values(
    regions: dict[str, Any], tmp_path: Path, header: str, value: str
) -> None:
    rows = national_rows()
    rows[1][header] = value
    path = write_sheet(tmp_path / "policy.xlsx", NATIONAL, rows)

    code, result, _ = run_command("import_registry", str(path))

    assert code == 1
    [error] = result["errors"]
    assert (error["row"], error["column"], error["value"]) == (3, header, value)
    kind = "低保" if "低保" in header else "特困"
    assert error["message"] == f"应为“农村{kind}”“城市{kind}”或“未享受”，实为“{value}”"
    assert not Person.objects.exists()


def test_the_policy_columns_listed_values_and_a_blank_are_read(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    rows = national_rows()
    cells = [("城市低保", "城市特困"), ("未享受", "农村特困"), ("", "")]
    for row, (dibao, tekun) in zip(rows, cells, strict=True):
        row |= {"享受低保政策情况": dibao, "享受特困供养政策情况": tekun}
    path = write_sheet(tmp_path / "policy.xlsx", NATIONAL, rows)

    code, result, _ = run_command("import_registry", str(path))

    assert code == 0, result["errors"]
    stored = dict(Person.objects.values_list("name", "dibao"))
    assert stored == {"张三": True, "李四": False, "张小": None}
    assert dict(Person.objects.values_list("name", "tekun")) == {
        "张三": True,
        "李四": True,
        "张小": None,
    }


@pytest.mark.parametrize("first", ["是否脱贫户", "户类型"])
def test_is_alleviated_and_household_type_both_given_must_agree(
    regions: dict[str, Any], tmp_path: Path, first: str
) -> None:
    """Both columns are read, whichever comes first; a row where they disagree is an error
    naming both, and rows where they agree import."""
    headers = [h for h in NATIONAL if h != "户类型"]
    at = headers.index("与户主关系") + 1
    headers[at:at] = [first, "户类型" if first == "是否脱贫户" else "是否脱贫户"]
    rows = [r | {"是否脱贫户": "是"} for r in national_rows()]
    path = write_sheet(tmp_path / "agree.xlsx", headers, rows)
    code, result, _ = run_command("import_registry", str(path))
    assert code == 0, result["errors"]
    assert result["warnings"] == []  # neither is an unknown column
    assert Household.objects.get(number=num("N1")).is_alleviated

    rows = [r | {"是否脱贫户": "否", "监测对象类别": "边缘易致贫户"} for r in national_rows()]
    path = write_sheet(tmp_path / "disagree.xlsx", headers, rows)
    code, result, _ = run_command("import_registry", str(path))

    assert code == 1
    [error] = result["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "户类型", "脱贫户")
    assert error["message"] == "“是否脱贫户”为“否”，“户类型”为“脱贫户”，两列不一致"
    assert Household.objects.get(number=num("N1")).is_alleviated


def test_errors_name_the_columns_as_the_file_writes_them(
    regions: dict[str, Any], tmp_path: Path
) -> None:
    """Full-width brackets in a header (县（市、区）, 乡（镇）, 致（返）贫风险1) are the column's
    name in the messages and in the error workbook's 【…】 labels."""
    renamed = {"县(市、区)": "县（市、区）", "乡镇": "乡（镇）", "致贫风险1": "致（返）贫风险1"}
    headers = [renamed.get(h, h) for h in NATIONAL]
    people = [national_rows()[0], member(num("N2"), "王五", 20, "户主")]
    rows = [{renamed.get(k, k): v for k, v in r.items()} for r in people]
    rows[0] |= {"县（市、区）": "大冶县", "致（返）贫风险1": "因穷"}
    rows[1]["乡（镇）"] = ""
    path = write_sheet(tmp_path / "names.xlsx", headers, rows)
    errors_path = tmp_path / "errors.xlsx"

    code, result, _ = run_command("import_registry", str(path), "--errors", str(errors_path))

    assert code == 1
    columns = {(e["row"], e["column"]) for e in result["errors"]}
    assert {(2, "县（市、区）"), (2, "致（返）贫风险1"), (3, "乡（镇）")} <= columns
    assert all("(" not in e["column"] for e in result["errors"])
    blank = next(e for e in result["errors"] if e["row"] == 3)
    assert blank["message"] == "乡（镇）为空"
    sheet = CalamineWorkbook.from_path(str(errors_path)).get_sheet_by_index(0).to_python()
    assert sheet[0][: len(headers)] == headers
    first, second = str(sheet[1][-1]), str(sheet[2][-1])
    assert "【致（返）贫风险1】" in first and "【县（市、区）】" in first
    assert "【乡（镇）】乡（镇）为空" in second
