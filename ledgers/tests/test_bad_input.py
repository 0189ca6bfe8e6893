"""Bad input through `fangpin ledger import` as a user runs it (formats.md §6): each fault is an
error naming its row and column, the file is rejected and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benefits.layouts import EDUCATION_AID, YULU
from benefits.models import YuluRow
from fangpin.testing import run_command, write_sheet


def yulu_row(person: Any, **cells: Any) -> dict[str, Any]:
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "年度": "2024",
        "学期": "春季",
        "学历层次": "中职",
        "补助金额": "1500",
        "发放日期": "2024-04-10",
    } | cells


@pytest.fixture
def person(household: Any) -> Any:
    return household.persons.order_by("pk").first()


def rejected(path: Path, kind: str = "yulu") -> list[tuple[Any, str, str]]:
    code, result, _ = run_command("ledger", "import", kind, str(path))
    assert (code, result["status"]) == (1, "rejected"), result
    return [(e["row"], e["column"], e["message"]) for e in result["errors"]]


def test_another_ledgers_file_is_refused_not_imported_without_its_columns(
    person: Any, tmp_path: Path
) -> None:
    # 教育资助's file holds every column 雨露计划 requires; its 资助项目 and 金额 would be lost.
    cells = {"证件号码": person.id_number, "姓名": person.name, "年度": "2024", "学期": "春季"}
    cells |= {"学段": "高中", "资助项目": "国家助学金", "金额": "1000", "发放日期": "2024-04-10"}
    path = write_sheet(tmp_path / "教育资助.xlsx", EDUCATION_AID.headers, [cells])
    assert rejected(path) == [
        (
            1,
            "",
            "这是教育资助的文件（表头含“资助项目”），不是雨露计划的；"
            "请选择“教育资助”导入，或使用雨露计划模板",
        )
    ]
    assert not YuluRow.objects.exists()
    # Its own ledger takes it; a 雨露计划 file with a column of its own besides is still one.
    assert run_command("ledger", "import", "education_aid", str(path), "--dry-run")[0] == 0
    extra = write_sheet(tmp_path / "y.xlsx", [*YULU.headers, "备注"], [yulu_row(person)])
    assert run_command("ledger", "import", "yulu", str(extra), "--dry-run")[0] == 0
