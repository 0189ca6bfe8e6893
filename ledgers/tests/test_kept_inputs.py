"""Input an import keeps, as what it means, saying what to look at (formats.md §6): a warning (at
its row and column when it has them), never a refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benefits.layouts import YULU
from benefits.models import YuluRow
from duty.layouts import RECTIFICATION
from duty.models import RectificationRow
from fangpin.testing import run_command, write_sheet
from imports.tests.builders import HEADERS, num, person, pid, write_xlsx
from lowincome.layouts import LOW_INCOME
from lowincome.models import LowIncomePerson
from registry.models import Household, Person


def warnings(result: dict[str, Any]) -> list[tuple[Any, str, str, str]]:
    return [(w["row"], w["column"], w["value"], w["message"]) for w in result["warnings"]]


def measure(problem: str, number: int, **cells: Any) -> dict[str, Any]:
    place = {"乡镇": "金山店镇", "行政村": "朝阳村", "整改措施": "逐户核实"}
    key = {"问题编号": problem, "措施序号": number}
    return key | {"问题来源": "自查", "问题类别": "政策落实"} | place | cells


def test_an_imported_closed_measure_without_its_closing_date_is_kept_with_a_warning(
    regions: Any, tmp_path: Path
) -> None:
    """An outside ledger may bring 已销号 measures without a 销号日期: kept, each one said."""
    rows = [
        measure("WT-1", 1, 状态="已销号"),
        measure("WT-1", 2, 状态="已销号", 销号日期="2024-05-06"),
        measure("WT-2", 1, 状态="整改中"),
        measure("WT-3", 1, 状态="已销号"),
    ]
    path = write_sheet(tmp_path / "rectification.xlsx", RECTIFICATION.headers, rows)
    code, result, _ = run_command("ledger", "import", "rectification", str(path))
    assert (code, result["status"], result["created"]) == (0, "imported", 4), result
    message = "状态为已销号但未填写销号日期"
    assert warnings(result) == [(2, "销号日期", "", message), (5, "销号日期", "", message)]
    stored = RectificationRow.objects.order_by("problem_no", "measure_no")
    assert [(r.problem_no, r.status, str(r.closed_date)) for r in stored] == [
        ("WT-1", "已销号", "None"),
        ("WT-1", "已销号", "2024-05-06"),
        ("WT-2", "整改中", "None"),
        ("WT-3", "已销号", "None"),
    ]
    # The reverse stays refused: a 销号日期 on a measure not 销号 says it was, and it was not.
    rows = [measure("WT-2", 1, 状态="已完成", 销号日期="2024-05-06")]
    path = write_sheet(tmp_path / "rectification.xlsx", RECTIFICATION.headers, rows)
    code, result, _ = run_command("ledger", "import", "rectification", str(path))
    assert (code, result["status"]) == (1, "rejected")
    assert [(e["row"], e["column"], e["message"]) for e in result["errors"]] == [
        (2, "销号日期", "只有状态为“已销号”的措施才有销号日期")
    ]
    assert RectificationRow.objects.get(problem_no="WT-2").status == "整改中"


def test_a_code_written_with_spaces_inside_is_stored_as_the_code(
    household: Any, tmp_path: Path
) -> None:
    """中 职 and 中　职 (a full-width space) are 中职 in a ledger and in the register alike: one
    value in the figures, not three (codes are compared folded: core.codes.fold)."""
    member = household.persons.order_by("pk").first()
    cells = {"证件号码": member.id_number, "姓名": member.name, "年度": "2024"}
    cells |= {"补助金额": "1500", "发放日期": "2024-04-10"}
    rows = [cells | {"学期": "春季", "学历层次": "中 职"}]
    rows.append(cells | {"学期": "秋季", "学历层次": "中\u3000职"})
    path = write_sheet(tmp_path / "yulu.xlsx", YULU.headers, rows)
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    assert (code, result["created"]) == (0, 2), result
    assert set(YuluRow.objects.values_list("level", flat=True)) == {"中职"}
    _, stats, _ = run_command("ledger", "stats", "--region", "大冶市", "--year", "2024")
    assert list(stats["ledgers"]["yulu"]["by"]["学历层次"]) == ["中职"]

    register = [person(num("K001"), "甲", pid(10), 文化程度="初 中")]
    register.append(person(num("K001"), "乙", pid(11), "配偶", 文化程度="初\u3000中"))
    code, result, _ = run_command("import_registry", str(write_xlsx(tmp_path / "r.xlsx", register)))
    assert code == 0, result["errors"]
    assert set(
        Person.objects.filter(household__number=num("K001")).values_list("education", flat=True)
    ) == {"初中"}


@pytest.mark.parametrize(
    ("command", "headers"),
    [
        (("ledger", "import", "yulu"), YULU.headers),
        (("import_registry",), HEADERS),
        (("lowincome", "import"), LOW_INCOME.headers),
    ],
    ids=["ledger", "registry", "lowincome"],
)
def test_a_file_with_a_header_and_no_rows_imports_nothing_and_says_so(
    household: Any, tmp_path: Path, command: tuple[str, ...], headers: list[str]
) -> None:
    """Not refused (an empty region's export is its header only, and re-imports as a no-op:
    formats.md §7), but "no change" alone does not say why."""
    before = (Household.objects.count(), Person.objects.count(), YuluRow.objects.count())
    path = write_sheet(tmp_path / "empty.xlsx", headers, [])
    code, result, _ = run_command(*command, str(path))
    assert (code, result["status"], result["rows"]) == (0, "imported", 0), result
    assert warnings(result) == [(None, "", "", "文件中没有数据行")]
    after = (Household.objects.count(), Person.objects.count(), YuluRow.objects.count())
    assert after == before and not LowIncomePerson.objects.exists()
