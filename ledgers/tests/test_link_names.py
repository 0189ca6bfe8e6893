"""A ledger row names its person or household as offices write names (padded to align a list),
and its 合计 row as they write it (合计：): formats.md §6, through `fangpin ledger import`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benefits.layouts import HOUSING_RENOVATION, YULU
from benefits.models import HousingRenovationRow, YuluRow
from fangpin.testing import run_command, write_sheet


def yulu_row(person: Any, **cells: Any) -> dict[str, Any]:
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "年度": "2024",
        "学期": "春季",
        "学历层次": "中职",
        "补助金额": "1500",
    } | cells


def padded(name: str, space: str = " ") -> str:
    """张三 as 张  三: a space after the first character (and the ends padded too)."""
    return f"{space}{name[0]}{space * 2}{name[1:]}{space}"


def test_a_name_padded_with_spaces_agrees_with_the_register(
    household: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    first, second, third = household.persons.order_by("pk")[:3]
    rows = [
        yulu_row(first, 姓名=padded(first.name)),
        yulu_row(second, 姓名=padded(second.name, "\u3000")),  # the full-width space
        yulu_row(third, 姓名="别人"),
    ]
    path = write_sheet(tmp_path / "yulu.xlsx", YULU.headers, rows)
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    # Another name is still another person.
    assert code == 1
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]] == [(4, "姓名", "别人")]
    path = write_sheet(tmp_path / "yulu.xlsx", YULU.headers, rows[:2])
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    assert code == 0, result
    assert result["created"] == 2
    assert set(YuluRow.objects.values_list("person_id", flat=True)) == {first.pk, second.pk}
    code, again, _ = run_command("ledger", "import", "yulu", str(path))
    assert (code, again["created"], again["unchanged"]) == (0, 0, 2)


def test_a_head_name_padded_with_spaces_agrees_with_the_register(
    household: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        {
            "户编号": household.number,
            "户主姓名": padded(household.head_name),
            "年度": "2024",
            "鉴定等级": "C级",
            "改造方式": "修缮加固",
            "补助金额": "15000",
        }
    ]
    path = write_sheet(tmp_path / "house.xlsx", HOUSING_RENOVATION.headers, rows)
    code, result, _ = run_command("ledger", "import", "housing_renovation", str(path))
    assert code == 0, result
    assert HousingRenovationRow.objects.get().household_id == household.pk


def test_a_total_row_is_skipped_however_its_marker_is_spaced_or_followed_by_a_colon(
    household: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    person = household.persons.order_by("pk").first()
    rows = [
        yulu_row(person),
        {"证件号码": "合计：", "补助金额": "1500"},
        {"证件号码": "合 计:", "补助金额": "1500"},
        {"姓名": "小计", "补助金额": "1500"},
        {"证件号码": "总计", "补助金额": "1500"},
    ]
    path = write_sheet(tmp_path / "yulu.xlsx", YULU.headers, rows, title="雨露计划发放名单")
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    assert code == 0, result
    assert (result["rows"], result["created"], result["error_count"]) == (1, 1, 0)
