"""The registry import (formats.md §1, §3): reading, validation before any write, bulk upsert."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from core.idnumber import from_15
from core.models import AuditRecord
from fangpin.testing import run_command
from imports.tests.builders import HEADERS, family, num, person, pid, write_csv, write_xlsx
from regions.models import Region
from registry.models import Household, HouseholdEvent, Membership, Person

pytestmark = pytest.mark.django_db


def run_cli(*args: str) -> tuple[int, dict, str]:
    """Call `fangpin import-registry` in-process; returns (exit status, JSON result, stderr)."""
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("import_registry", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


def db_state() -> tuple[int, ...]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        HouseholdEvent.objects.count(),
        AuditRecord.objects.count(),
        Region.objects.count(),
    )


def test_a_clean_file_creates_households_members_history_and_audit(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    rows = family(
        num("H001"),
        10,
        **{
            "是否脱贫户": "是",
            "监测对象类别": "脱贫不稳定户",
            "识别监测时间": "2023-05",
            "风险类型": "因病、因灾",
            "脱贫年度": "2019",
            "联系电话": "13800001111",
            "家庭年人均纯收入": "8650.5",
        },
    ) + family(num("H002"), 20)
    path = write_xlsx(tmp_path / "台账.xlsx", rows, title=True)

    code, result, _ = run_cli(str(path))

    assert code == 0, result
    assert result["status"] == "imported"
    assert (result["households_created"], result["persons_created"]) == (2, 4)
    h = Household.objects.get(number=num("H001"))
    assert h.region == regions["group"]
    assert h.head_name == "户主10" and h.member_count == 2
    assert h.per_capita_income == pytest.approx(8650.5)
    assert h.risk_list == ["因病", "因自然灾害"]
    assert h.identified_date == dt.date(2023, 5, 1)
    kinds = dict(HouseholdEvent.objects.filter(household=h).values_list("kind", "date"))
    assert kinds == {"alleviated": dt.date(2019, 12, 31), "identified": dt.date(2023, 5, 1)}
    assert Membership.objects.filter(household=h, start_reason="原有").count() == 2
    head = Person.objects.get(id_number=pid(10))
    assert (head.sex, head.birth_date) == ("男", dt.date(1980, 1, 1))
    record = AuditRecord.objects.get(action="import")
    after = record.after or {}
    assert after["sha256"] == result["sha256"] and after["persons_created"] == 4
    assert record.actor == users["county_admin"]
    # What the import created names its record and its row, instead of a record each.
    assert not AuditRecord.objects.filter(
        action="create", object_type__startswith="registry."
    ).exists()
    assert (h.import_record_id, h.import_row) == (record.pk, 4)  # below the titles and header
    assert (head.import_record_id, head.import_row) == (record.pk, 4)


def test_reimporting_the_same_file_changes_nothing_and_says_so(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", family(num("H001"), 10) + family(num("H002"), 20))
    assert run_cli(str(path))[0] == 0
    before = db_state()

    code, result, _ = run_cli(str(path))

    assert code == 0
    assert result["status"] == "imported"
    assert result["households_created"] == result["households_updated"] == 0
    assert result["persons_created"] == result["persons_updated"] == 0
    assert result["households_unchanged"] == 2
    assert "没有变化" in result["message"]
    assert db_state()[:4] == before[:4]


def test_a_file_with_planted_faults_is_rejected_whole_and_each_fault_reported_once(
    regions: dict, users: dict, household: Household, tmp_path: Path
) -> None:
    taken = household.persons.first()
    assert taken is not None
    bad_check = pid(30)[:17] + ("0" if pid(30)[17] != "0" else "1")
    rows = [
        *family(num("OK01"), 10),
        person(num("F001"), "校验位", bad_check),  # row 4: check digit
        person(num("F002"), "性别", pid(31), 性别="女"),  # 5: sex vs ID
        person(num("F003"), "重复甲", pid(32)),  # 6
        person(num("F004"), "重复乙", pid(32)),  # 7: duplicate in file
        person(num("F005"), "无户主", pid(33), "配偶"),  # 8: no head
        person(num("F006"), "户主甲", pid(34)),  # 9
        person(num("F006"), "户主乙", pid(35)),  # 10: two heads
        person(num("F007"), "甲", pid(36), 联系电话="13800001111"),  # 11
        person(num("F007"), "乙", pid(37), "之子", 联系电话="13900002222"),  # 12: own phone: fine
        person(num("F008"), "代码", pid(38), "之孑"),  # 13: unknown relation
        person(
            num("F009"), "类别", pid(39), 监测对象类别="脱贫不稳定户", 识别监测时间="2023-01-01"
        ),  # 14
        person(num("F010"), "新村", pid(40), 行政村="不存在村"),  # 15: unknown region
        person(num("F011"), "年度", pid(41), 是否脱贫户="是", 脱贫年度="2021"),  # 16
        person(num("F012"), "电话", pid(42), 联系电话="12345"),  # 17
        person(num("F013"), "收入", pid(43), 家庭年人均纯收入="-5"),  # 18
        person(num("F014"), "他户", taken.id_number),  # 19: in another household
        person(
            num("F015"),
            "日期",
            pid(44),
            监测对象类别="边缘易致贫户",
            识别监测时间="2023-06-01",
            风险是否消除="是",
            风险消除时间="2023-01-01",
            风险消除方式="自然消除",
        ),  # 20: elimination before identification
        person("abc", "编号", pid(45)),  # 21: 户编号 is 10–20 digits
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    out = tmp_path / "errors.xlsx"
    before = db_state()

    code, result, _ = run_cli(str(path), "--errors", str(out))

    assert code == 1
    assert result["status"] == "rejected"
    assert db_state() == before
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert len(found) == len(result["errors"]) == result["error_count"]
    expected = {
        (4, "证件号码"),
        (5, "性别"),
        (7, "证件号码"),
        (8, "与户主关系"),
        (9, "与户主关系"),
        (13, "与户主关系"),
        (14, "监测对象类别"),
        (15, "行政村"),
        (16, "脱贫年度"),
        (17, "联系电话"),
        (18, "家庭年人均纯收入"),
        (19, "证件号码"),
        (20, "风险消除时间"),
        (21, "户编号"),
    }
    assert found == expected
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    assert "第6行重复" in messages[(7, "证件号码")]
    assert "10—20位数字" in messages[(21, "户编号")]
    assert "是否应为" in messages[(13, "与户主关系")]
    assert household.number in messages[(19, "证件号码")]
    assert "同时列出原户" in messages[(19, "证件号码")]
    assert "2个户主" in messages[(9, "与户主关系")]
    sheet = list(CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).iter_rows())
    assert sheet[0][-1] == "错误说明"
    marked = {i + 1 for i, r in enumerate(sheet) if i and r[-1]}
    assert marked == {row for row, _ in expected}
    assert sheet[6][5] == "重复乙" and "第6行重复" in str(sheet[6][-1])


def test_a_cell_that_cannot_be_read_is_one_error_not_one_more_per_rule_that_reads_it(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    monitored = {"监测对象类别": "边缘易致贫户", "风险类型": "因病"}
    rows = [
        person(num("D001"), "日期", pid(50), **monitored, 识别监测时间="2023-02-30"),  # 2
        person(num("D002"), "类别", pid(51), 监测对象类别="监测户", 识别监测时间="2023-02-01"),
        person(
            num("D003"),
            "消除",
            pid(52),
            **monitored,
            识别监测时间="2023-02-01",
            风险是否消除="已消除",
            风险消除时间="2023-03-01",
            风险消除方式="帮扶消除",
        ),  # 4
        person(num("D004"), "年度", pid(53), 是否脱贫户="是的", 脱贫年度="2016"),  # 5
    ]
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "cells.xlsx", rows)))

    assert code == 1
    found = sorted((e["row"], e["column"]) for e in result["errors"])
    expected = [(2, "识别监测时间"), (3, "监测对象类别"), (4, "风险是否消除"), (5, "是否脱贫户")]
    assert found == expected
    assert result["error_count"] == 4


def test_the_first_hundred_errors_listed_are_the_files_first_in_row_order(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """formats.md §3 lists the first 100 errors: those of the file's first rows, whatever
    step found them — row 2's 脱贫年度 (checked with the household) before row 3's bad number
    (checked as the row is read), not after 120 of those."""
    rows = [person(num("E000"), "年度", pid(1), 是否脱贫户="否", 脱贫年度="2016")]
    rows += [person(num(f"E{i:03d}"), f"错{i}", "123") for i in range(1, 121)]

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "many.xlsx", rows)))

    assert code == 1 and result["error_count"] == 121
    listed = [(e["row"], e["column"]) for e in result["errors"]]
    assert listed[0] == (2, "脱贫年度")
    assert listed == sorted(listed) and listed[-1] == (101, "证件号码")


def test_coded_cells_repeated_on_many_rows_are_judged_on_each_row(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """Rows with the same cells share one reading only when it had no error: a bad cell is
    reported on every row that has it, in the layout's order, and a good combination reads the
    same on every row, each with its own phone."""
    cells = {"民族": "汉", "文化程度": "初中", "健康状况": "健康"}
    rows = [
        person(num("C001"), "甲", pid(70), **cells, 劳动技能="外星技能"),  # 2
        person(num("C002"), "乙", pid(71), **cells, 联系电话="13800000071"),  # 3
        person(num("C003"), "丙", pid(72), **cells, 劳动技能="外星技能"),  # 4
        person(num("C004"), "丁", pid(73), **cells, 联系电话="12345"),  # 5
        person(num("C005"), "戊", pid(74), **cells, 联系电话="12345", 是否享受低保="也许"),  # 6
    ]
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "codes.xlsx", rows)))

    assert code == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [
        (2, "劳动技能"),
        (4, "劳动技能"),
        (5, "联系电话"),
        (6, "联系电话"),
        (6, "是否享受低保"),
    ]
    rows[3]["联系电话"] = "13800000073"
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "good.xlsx", [rows[1], rows[3]])))
    assert code == 0, result["errors"]
    read = Person.objects.filter(id_number__in=[pid(71), pid(73)])
    assert {(p.ethnicity, p.education, p.health) for p in read} == {("汉族", "初中", "健康")}
    assert {p.id_number: p.phone for p in read} == {pid(71): "13800000071", pid(73): "13800000073"}


def test_a_per_capita_income_computed_by_a_formula_is_rounded_to_the_fen(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """家庭年人均纯收入 is a quotient (formats.md §1: yuan, ≥ 0): more decimals are rounded."""
    rows = family(num("I001"), 60, 家庭年人均纯收入=16105 / 3) + family(
        num("I002"), 62, 家庭年人均纯收入="1234.565"
    )
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "income.xlsx", rows)))

    assert code == 0, result["errors"]
    incomes = dict(Household.objects.values_list("number", "per_capita_income"))
    assert str(incomes[num("I001")]) == "5368.33" and str(incomes[num("I002")]) == "1234.57"
    negative = family(num("I003"), 64, 家庭年人均纯收入="-0.5")
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "negative.xlsx", negative)))
    assert code == 1 and result["errors"][0]["column"] == "家庭年人均纯收入"


def test_a_row_whose_household_number_is_wrong_has_its_other_cells_checked_too(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    rows = [person("42028A", "编号", pid(66), 家庭年人均纯收入="-1", 是否脱贫户="可能")]
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "number.xlsx", rows)))

    assert code == 1
    found = sorted(e["column"] for e in result["errors"])
    assert found == ["家庭年人均纯收入", "户编号", "是否脱贫户"]


def test_a_file_from_the_wrong_template_is_rejected_naming_the_missing_headers(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "wrong.csv",
        [{"姓名": "张三", "证件号码": pid(1)}],
        headers=["姓名", "证件号码", "住址"],
    )

    code, result, _ = run_cli(str(path))

    assert code == 1
    assert result["rows"] == 0 and result["error_count"] == 1
    message = result["errors"][0]["message"]
    assert "缺少必填列" in message and "户编号" in message and "乡镇" in message


def test_csv_in_utf8_with_bom_and_gb18030_with_title_rows_and_header_aliases(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    aliased = [
        "县",
        "乡(镇)",
        "村",
        "组",
        "户编号",
        "姓名",
        "证件号码 ",
        "与户主关系",
        "户类型",
        "监测对象类别",
        "风险类型",
        "备注",
    ]
    rows = [
        {
            "县": "大冶市",
            "乡(镇)": "金山店镇",
            "村": "朝阳村",
            "组": "一组",
            "户编号": num("A1"),
            "姓名": "张三 ",
            "证件号码 ": pid(50),
            "与户主关系": "本人",
            "户类型": "脱贫户",
            "监测对象类别": "",
            "风险类型": "",
            "备注": "x",
        },
    ]
    for i, encoding in enumerate(("utf-8-sig", "gb18030")):
        for r in rows:
            r["户编号"] = num(f"A{i}")
            r["证件号码 "] = pid(50 + i)
        path = write_csv(tmp_path / f"{encoding}.csv", rows, aliased, encoding, title=True)
        code, result, _ = run_cli(str(path))
        assert code == 0, result
        assert result["warnings"][0]["message"] == "以下列不认识，已忽略：备注"
        p = Person.objects.get(id_number=pid(50 + i))
        assert (p.name, p.relation, p.household.is_alleviated) == ("张三", "户主", True)
        assert p.household.region == regions["group"]


def test_a_numeric_household_number_with_a_fraction_is_an_error_not_another_household(
    regions: dict, tmp_path: Path
) -> None:
    make = [person("4202811002", "本户", pid(70))]
    assert run_cli(str(write_xlsx(tmp_path / "first.xlsx", make)))[0] == 0
    # 4202811002.5 rounds to the household above (half to even): it must not update it.
    rows = [person("", "错号", pid(71), 户编号=4202811002.5, 联系电话=13800001111.5)]
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "n.xlsx", rows)))
    assert code == 1
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]] == [
        (2, "户编号", "4202811002.5"),
        (2, "联系电话", "13800001111.5"),
    ]
    assert "带小数" in result["errors"][0]["message"]
    assert list(Person.objects.values_list("name", flat=True)) == ["本户"]


def test_excel_numeric_ids_are_restored_and_lost_digits_reported(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    old15 = "420281800101001"  # a first-generation number, kept whole by Excel
    rows = [
        person("", "十五位", "", 户编号=4202811001, 证件号码=int(old15)),
        person(num("B2"), "丢位", "", 证件号码=float(pid(60))),
    ]
    rows[0]["性别"] = rows[1]["性别"] = ""
    path = write_xlsx(tmp_path / "n.xlsx", rows)

    code, result, _ = run_cli(str(path))

    assert code == 1
    [error] = result["errors"]
    assert error["row"] == 3 and error["column"] == "证件号码"
    assert "15位有效数字" in error["message"] and "文本" in error["message"]
    rows.pop()
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "n2.xlsx", rows)))
    assert code == 0, result
    assert "15位证件号码已转换为18位" in result["warnings"][0]["message"]
    p = Person.objects.get()
    assert p.id_number == from_15(old15)
    assert p.household.number == "4202811001"


def test_regions_are_created_only_when_allowed(regions: dict, users: dict, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", family(num("N1"), 10, 行政村="新建村", 村民小组=""))
    code, result, _ = run_cli(str(path))
    assert code == 1 and "--create-regions" in result["errors"][0]["message"]

    code, result, _ = run_cli(str(path), "--create-regions")

    assert code == 0 and result["regions_created"] == 1
    village = Region.objects.get(name="新建村")
    assert village.parent == regions["town"] and village.level == Region.Level.VILLAGE
    assert Household.objects.get(number=num("N1")).region == village


def test_dry_run_checks_without_writing(regions: dict, users: dict, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "d.xlsx", family(num("D1"), 10))
    before = db_state()
    code, result, _ = run_cli(str(path), "--dry-run")
    assert (code, result["status"], result["households_created"]) == (0, "valid", 1)
    assert db_state() == before


def test_missing_members_are_warned_about_never_deleted(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    run_cli(str(write_xlsx(tmp_path / "a.xlsx", family(num("M1"), 10))))
    only_head = family(num("M1"), 10)[:1]

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "b.xlsx", only_head)))

    assert code == 0
    assert any("不在文件中，未删除" in w["message"] for w in result["warnings"])
    assert Person.objects.filter(household__number=num("M1"), is_member=True).count() == 2
    assert Household.objects.get(number=num("M1")).member_count == 2


def test_a_person_listed_in_a_new_household_moves_when_the_old_one_is_listed_too(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    run_cli(str(write_xlsx(tmp_path / "a.xlsx", family(num("P1"), 10))))
    spouse = family(num("P1"), 10)[1]
    moved = [family(num("P1"), 10)[0], {**spouse, "户编号": num("P2"), "与户主关系": "户主"}]

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "b.xlsx", moved)))

    assert code == 0, result
    p = Person.objects.get(id_number=spouse["证件号码"])
    assert p.household.number == num("P2")
    assert Household.objects.get(number=num("P1")).member_count == 1
    assert Membership.objects.get(person=p, household__number=num("P1")).end_reason == "迁出"
    assert HouseholdEvent.objects.filter(kind="member_removed", person=p).exists()


def test_new_members_join_today_and_every_created_object_names_the_import_and_its_row(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    run_cli(str(write_xlsx(tmp_path / "a.xlsx", family(num("J1"), 10))))
    child = person(num("J1"), "之子12", pid(12, "20100303"), "之子")
    # The joining member's row between the new household's two: their memberships are made in
    # two stretches of ids.
    j2_head, j2_spouse = family(num("J2"), 20)
    path = write_xlsx(tmp_path / "b.xlsx", [*family(num("J1"), 10), j2_head, child, j2_spouse])

    code, result, _ = run_cli(str(path))

    assert code == 0, result
    joined = Membership.objects.get(person__id_number=child["证件号码"])
    assert (joined.start_date, joined.start_reason) == (timezone.localdate(), "其他")
    event = HouseholdEvent.objects.get(kind="member_added", person=joined.person)
    # Made by the import, for the user it acts as (a command: the first county admin).
    assert event.actor is not None
    assert (event.source, event.actor.role, event.date) == (
        "导入",
        "county_admin",
        timezone.localdate(),
    )
    assert event.created_at is not None and event.household.number == num("J1")
    j2 = Household.objects.get(number=num("J2"))
    originals = Membership.objects.filter(household=j2)
    assert [(m.start_date, m.start_reason) for m in originals] == [(None, "原有")] * 2
    assert Household.objects.get(number=num("J1")).member_count == 3 and j2.member_count == 2
    second = AuditRecord.objects.get(action="import", object_repr="b.xlsx")
    assert not AuditRecord.objects.filter(
        action="create", object_type__startswith="registry."
    ).exists()
    made = Person.objects.filter(import_record=second).order_by("import_row")
    assert [(p.name, p.import_row) for p in made] == [
        ("户主20", 4),
        ("之子12", 5),
        ("配偶20", 6),
    ]
    assert (j2.import_record_id, j2.import_row) == (second.pk, 4)
    first = Household.objects.get(number=num("J1"))
    assert first.import_record_id != second.pk  # a household only changed keeps its origin


def test_an_import_never_reuses_the_id_of_a_deleted_household(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    run_cli(str(write_xlsx(tmp_path / "a.xlsx", family(num("D1"), 10) + family(num("D2"), 20))))
    gone = Household.objects.get(number=num("D2"))
    Membership.objects.filter(household=gone).delete()
    Person.objects.filter(household=gone).delete()
    Household.objects.filter(pk=gone.pk).delete()

    run_cli(str(write_xlsx(tmp_path / "b.xlsx", family(num("D3"), 30))))

    assert Household.objects.get(number=num("D3")).pk > gone.pk


def test_a_missing_file_is_a_usage_error(db: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("import_registry", "/nonexistent.xlsx")
    assert exc.value.returncode == 2


def _stats(region: str, as_of: dt.date | None = None) -> dict[str, Any]:
    args = ["stats", "--region", region] + (["--as-of", as_of.isoformat()] if as_of else [])
    code, figures, _ = run_command(*args)
    assert code == 0
    return figures


def test_a_household_marked_again_after_its_exit_counts_again_from_the_re_marking(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """An import clears the marks (an exit dated the import day); the next one brings them back
    with their old dates. The re-marking cannot precede the exit it follows: it is dated the
    import day too, after the exit, so today's figures are the register's again, while the exit
    stays in the history (and among the year's exits)."""
    monitored = {"监测对象类别": "边缘易致贫户", "识别监测时间": "2023-05", "风险类型": "因病"}
    marked = family(num("R1"), 10, **monitored) + family(
        num("R2"), 20, **{"是否脱贫户": "是", "脱贫年度": "2016"}
    )
    first = write_xlsx(tmp_path / "a.xlsx", marked)
    assert run_cli(str(first))[0] == 0
    blank = {"识别监测时间": "", "风险类型": "", "脱贫年度": ""}
    cleared = family(num("R1"), 10, **blank) + family(num("R2"), 20, **blank)
    assert run_cli(str(write_xlsx(tmp_path / "b.xlsx", cleared)))[0] == 0

    code, result, _ = run_cli(str(first))

    assert code == 0 and result["households_updated"] == 2
    today = timezone.localdate()
    history = HouseholdEvent.objects.order_by("pk").values_list("household__number", "kind", "date")
    assert [e for e in history if e[0] == num("R1")] == [
        (num("R1"), "identified", dt.date(2023, 5, 1)),
        (num("R1"), "exited", today),
        (num("R1"), "identified", today),
    ]
    assert [e for e in history if e[0] == num("R2")] == [
        (num("R2"), "alleviated", dt.date(2016, 12, 31)),
        (num("R2"), "unalleviated", today),
        (num("R2"), "alleviated", today),
    ]
    figures = _stats("朝阳村")
    two = {"households": 1, "persons": 2}
    assert figures["monitored"]["not_eliminated"]["by_category"]["边缘易致贫户"] == two
    assert figures["monitored"]["households"] == 1
    assert figures["alleviated"] == two
    assert figures["exits_this_year"] == {
        "monitored": {"国家系统导入": two},
        "alleviated": {"国家系统导入": two},
    }
    # A 识别监测时间 corrected to another day still before the exit leaves the re-marking be.
    earlier = family(num("R1"), 10, **{**monitored, "识别监测时间": "2023-01"})
    assert run_cli(str(write_xlsx(tmp_path / "c.xlsx", earlier)))[0] == 0
    assert HouseholdEvent.objects.filter(household__number=num("R1"), date=today).count() == 2
    assert _stats("朝阳村")["monitored"]["households"] == 1


def test_a_corrected_identification_or_elimination_date_moves_its_event_audited(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """A re-sync that corrects 识别监测时间 or 风险消除时间 of a household that stays monitored
    moves the event that recorded the old date: the figures as of any date follow it."""
    sudden = {
        "监测对象类别": "突发严重困难户",
        "识别监测时间": "2024-02-15",
        "风险类型": "因意外事故",
    }
    eliminated = {
        "监测对象类别": "边缘易致贫户",
        "识别监测时间": "2023-03",
        "风险类型": "因病",
        "风险是否消除": "是",
        "风险消除时间": "2024-03-01",
        "风险消除方式": "帮扶消除",
    }
    rows = family(num("C1"), 10, **sudden) + family(num("C2"), 20, **eliminated)
    assert run_cli(str(write_xlsx(tmp_path / "a.xlsx", rows)))[0] == 0
    corrected = family(num("C1"), 10, **{**sudden, "识别监测时间": "2023-12-01"}) + family(
        num("C2"), 20, **{**eliminated, "风险消除时间": "2024-05-01"}
    )

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "b.xlsx", corrected)))

    assert code == 0 and result["households_updated"] == 2
    figures = _stats("朝阳村", dt.date(2024, 4, 1))
    not_eliminated = figures["monitored"]["not_eliminated"]
    assert not_eliminated["by_identified_year"] == {"2023": {"households": 2, "persons": 4}}
    assert figures["identified_this_year"] == {"households": 0, "persons": 0}
    assert figures["monitored"]["eliminated"] == {"households": 0, "persons": 0}
    assert figures["eliminated_this_year"] == {"households": 0, "persons": 0}
    assert _stats("朝阳村", dt.date(2024, 5, 1))["eliminated_this_year"]["households"] == 1
    events = HouseholdEvent.objects.filter(kind__in=("identified", "eliminated"))
    assert sorted(events.values_list("household__number", "kind", "date")) == [
        (num("C1"), "identified", dt.date(2023, 12, 1)),
        (num("C2"), "eliminated", dt.date(2024, 5, 1)),
        (num("C2"), "identified", dt.date(2023, 3, 1)),
    ]
    moves = AuditRecord.objects.filter(object_type="registry.householdevent").order_by("pk")
    assert [(m.before, m.after, m.note.startswith("导入")) for m in moves] == [
        ({"date": "2024-02-15"}, {"date": "2023-12-01"}, True),
        ({"date": "2024-03-01"}, {"date": "2024-05-01"}, True),
    ]


def test_a_household_without_its_alleviation_year_is_a_household_alleviated_by_2020(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """A 脱贫户 imported with 脱贫年度 blank was one by the end of 2020 (脱贫攻坚 ended), a
    脱贫不稳定户 by its 识别监测时间 if earlier — not from the import day, or the statistics of
    any earlier date would leave out a household they count as monitored. A later import that
    fills 脱贫年度 in moves the event, audited."""
    unstable = {"是否脱贫户": "是", "监测对象类别": "脱贫不稳定户", "风险类型": "因病"}
    rows = (
        family(num("A1"), 10, 是否脱贫户="是")
        + family(num("A2"), 20, **unstable, 识别监测时间="2022-03-15")
        + family(num("A3"), 30, **unstable, 识别监测时间="2020-06-01")
    )
    assert run_cli(str(write_xlsx(tmp_path / "a.xlsx", rows)))[0] == 0

    alleviated = HouseholdEvent.objects.filter(kind="alleviated")
    assert sorted(alleviated.values_list("household__number", "date")) == [
        (num("A1"), dt.date(2020, 12, 31)),
        (num("A2"), dt.date(2020, 12, 31)),
        (num("A3"), dt.date(2020, 6, 1)),
    ]
    figures = _stats("朝阳村", dt.date(2024, 12, 31))
    assert figures["alleviated"] == {"households": 3, "persons": 6}
    assert figures["alleviated_stable"] == {"households": 1, "persons": 2}
    assert figures["monitored"]["not_eliminated"]["by_category"]["脱贫不稳定户"]["households"] == 2
    # Counted as 脱贫不稳定户 on a day it is a 脱贫户 too.
    assert _stats("朝阳村", dt.date(2020, 7, 1))["alleviated"]["households"] == 1

    filled = family(num("A1"), 10, 是否脱贫户="是", 脱贫年度="2017") + family(
        num("A2"), 20, **unstable, 识别监测时间="2022-03-15", 脱贫年度="2017"
    )
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "b.xlsx", filled)))

    assert code == 0 and result["households_updated"] == 2
    assert sorted(alleviated.values_list("household__number", "date")) == [
        (num("A1"), dt.date(2017, 12, 31)),
        (num("A2"), dt.date(2017, 12, 31)),
        (num("A3"), dt.date(2020, 6, 1)),
    ]
    assert _stats("朝阳村", dt.date(2017, 12, 31))["alleviated"]["households"] == 2
    assert _stats("朝阳村", dt.date(2016, 12, 31))["alleviated"]["households"] == 0
    moves = AuditRecord.objects.filter(object_type="registry.householdevent")
    assert sorted((m.before["date"], m.after["date"]) for m in moves) == [
        ("2020-12-31", "2017-12-31"),
        ("2020-12-31", "2017-12-31"),
    ]


@pytest.mark.parametrize(
    ("header", "first", "second", "same"),
    [
        ("识别监测时间", "2022-03", "202203", True),
        ("风险类型", "因病、因学", "因病,因学", True),
        ("风险类型", "因灾", "因自然灾害", True),
        ("家庭年人均纯收入", "5000", "5000.00", True),
        ("是否脱贫户", "否", "N", True),
        ("识别监测时间", "2022-03", "2022-04", False),
        ("风险类型", "因病、因学", "因学,因病", True),
        ("家庭年人均纯收入", "5000", "5000.01", False),
        ("监测对象类别", "突发严重困难户", "边缘易致贫户", False),
        ("家庭年人均纯收入", "5000", "五千", False),
    ],
)
def test_rows_of_a_household_agree_when_their_values_do(
    regions: dict, users: dict, tmp_path: Path, header: str, first: str, second: str, same: bool
) -> None:
    """A household column written two ways that §1 both allows is one value, not a conflict;
    different values are an error naming both rows."""
    monitored = {"监测对象类别": "突发严重困难户", "识别监测时间": "2022-03", "风险类型": "因病"}
    rows = family(num("A001"), 10, **monitored)
    rows[0][header], rows[1][header] = first, second

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "agree.xlsx", rows)))

    if same:
        assert code == 0, result["errors"]
        h = Household.objects.get(number=num("A001"))
        assert (h.identified_date, h.member_count) == (dt.date(2022, 3, 1), 2)
        return
    assert code == 1
    [error] = result["errors"]
    assert (error["row"], error["column"], error["value"]) == (3, header, second)
    assert error["message"] == (
        f"同一户编号{num('A001')}的“{header}”与第2行不一致（第2行为“{first}”，第3行为“{second}”）"
    )


@pytest.mark.parametrize(
    ("header", "cell", "field", "stored"),
    [
        ("在校生状况", "13", "schooling", "高职高专一年级"),
        ("在校生状况", "高职三年级", "schooling", "高职高专三年级"),
        ("在校生状况", "小学三年级", "schooling", "小学"),
        ("在校生状况", "03", "schooling", "小学"),
        ("在校生状况", 16, "schooling", "大专及以上"),
        ("健康状况", "02、04", "health", "长期慢性病、残疾"),
        ("健康状况", "01", "health", "健康"),
        ("劳动技能", "04", "labour_skill", "无劳动力"),
        ("文化程度", "06", "education", "学龄前儿童"),
        ("民族", "01", "ethnicity", "汉族"),
        ("民族", "15", "ethnicity", "土家族"),
    ],
)
def test_the_national_code_tables_values_and_numbers_are_read_as_their_labels(
    regions: dict, users: dict, tmp_path: Path, header: str, cell: Any, field: str, stored: str
) -> None:
    """policy.md §8.2: the national system's numeric codes and older labels are the labels."""
    rows = [person(num("K001"), "甲", pid(10), **{header: cell})]

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "codes.xlsx", rows)))

    assert code == 0, result["errors"]
    assert getattr(Person.objects.get(), field) == stored


@pytest.mark.parametrize(
    ("cell", "hint"),
    [
        ("小学1年级", "小学"),
        ("初中一年级", "七年级"),
        ("初中二年级", "八年级"),
        ("初中三年级", "九年级"),
        ("高职2年级", "高职高专二年级"),
    ],
)
def test_a_wrong_schooling_value_is_hinted_within_its_own_stage(
    regions: dict, users: dict, tmp_path: Path, cell: str, hint: str
) -> None:
    rows = [person(num("K001"), "甲", pid(10), 在校生状况=cell)]

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "codes.xlsx", rows)))

    assert code == 1
    [error] = result["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "在校生状况", cell)
    assert error["message"] == f"“{cell}”不在代码表中，是否应为“{hint}”？"


def test_the_household_phone_follows_its_head_through_every_reimport(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """The household's phone is its 户主's: a new 户主 without a phone leaves it blank, the 户主's
    phone set or cleared sets or clears it, and without a 联系电话 column it is the new 户主's
    stored number."""
    rows = family(num("P001"), 10)

    def load(name: str, head: int, phones: tuple[str, str], headers: list | None = None) -> str:
        for i, row in enumerate(rows):
            row["与户主关系"] = "户主" if i == head else "配偶"
            row["联系电话"] = phones[i]
        code, result, _ = run_cli(str(write_xlsx(tmp_path / name, rows, headers)))
        assert code == 0, result["errors"]
        return Household.objects.get(number=num("P001")).phone

    assert load("first.xlsx", 0, ("13800000001", "")) == "13800000001"
    assert load("new_head.xlsx", 1, ("13800000001", "")) == ""
    assert Household.objects.get().head_name == "配偶10"
    assert load("head_phone.xlsx", 1, ("", "13911112222")) == "13911112222"
    assert load("cleared.xlsx", 1, ("13800000001", "")) == ""
    assert load("both.xlsx", 0, ("13800000001", "13911112222")) == "13800000001"
    # No 联系电话 column: the 配偶 becomes 户主, and the household takes her stored number.
    without_phones = [h for h in HEADERS if h in rows[0] and h != "联系电话"]
    assert load("no_column.xlsx", 1, ("", ""), without_phones) == "13911112222"
    assert dict(Person.objects.values_list("name", "phone")) == {
        "户主10": "13800000001",
        "配偶10": "13911112222",
    }


def test_a_file_without_the_group_column_keeps_each_household_in_its_group(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """村民小组 is optional: left out, a household stays in its 组 of the village the file names,
    as any absent column keeps its stored value; a household the file puts in another village
    moves there."""
    rows = family(num("G001"), 10) + family(num("G002"), 20)
    assert run_cli(str(write_xlsx(tmp_path / "first.xlsx", rows)))[0] == 0
    headers = [h for h in HEADERS if h in rows[0] and h != "村民小组"]
    for row in rows[2:]:
        row["行政村"] = "仕秦村"

    code, result, _ = run_cli(str(write_xlsx(tmp_path / "nogroup.xlsx", rows, headers)))

    assert code == 0, result["errors"]
    assert (result["households_updated"], result["households_unchanged"]) == (1, 1)
    regions_now = dict(Household.objects.values_list("number", "region"))
    assert regions_now == {num("G001"): regions["group"].pk, num("G002"): regions["village2"].pk}


def test_numbers_a_program_wrote_with_a_point_zero_are_read_as_their_digits(
    regions: dict, tmp_path: Path
) -> None:
    """pandas writes a column of numbers with blanks in it as floats: 13800001111.0, 2016.0."""
    head, spouse = family(num("P0"), 60)
    head |= {"联系电话": "13800001111.0", "是否脱贫户": "是", "脱贫年度": "2016.0"}
    spouse |= {"联系电话": "", "是否脱贫户": "是", "脱贫年度": "2016.0"}
    code, result, _ = run_cli(str(write_csv(tmp_path / "p.csv", [head, spouse])))
    assert code == 0, result["errors"]
    household = Household.objects.get(number=num("P0"))
    assert (household.phone, household.alleviated_year) == ("13800001111", 2016)
    bad = {**head, "联系电话": "13800001111.5"}
    code, result, _ = run_cli(str(write_csv(tmp_path / "q.csv", [bad, spouse])))
    assert code == 1 and [(e["row"], e["column"]) for e in result["errors"]] == [(2, "联系电话")]
