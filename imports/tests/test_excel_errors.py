"""A cell holding an Excel error (#N/A of a broken VLOOKUP, #DIV/0!…) is an error at its row and
column, not the blank python-calamine reads it as: the file is rejected and nothing is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from fangpin.testing import with_excel_errors
from imports.models import ImportBatch
from imports.tests.builders import HEADERS, family, num, person, pid, write_csv, write_xlsx
from imports.tests.test_import import db_state, run_cli
from registry.models import Household

pytestmark = pytest.mark.django_db


def message(error: str) -> str:
    return f"单元格是Excel错误值“{error}”（公式出错），请改为实际的值或留空"


def letter(headers: list[str], header: str) -> str:
    """The column letters of `header` (A…Z, AA…)."""
    n, letters = headers.index(header) + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("A") + r) + letters
    return letters


def test_error_cells_are_rejected_at_their_row_and_column(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    headers = [*[h for h in HEADERS if h not in ("脱贫年度",)], "备注"]
    income = {"家庭年人均纯收入": "9000"}
    rows = [
        *family(num("E001"), 10, **income),  # 2, 3
        *family(num("E002"), 20, **income),  # 4, 5
        person(num("E003"), "王五", pid(30), **income, 备注="x"),  # 6
        {"家庭年人均纯收入": "0"},  # 7: a formula filled down past the data
    ]
    path = write_xlsx(tmp_path / "errors.xlsx", rows, headers)
    name, money = letter(headers, "姓名"), letter(headers, "家庭年人均纯收入")
    ids, note = letter(headers, "证件号码"), letter(headers, "备注")
    with_excel_errors(
        path,
        {
            f"{ids}3": "#REF!",
            f"{name}4": "#N/A",
            f"{money}5": "#DIV/0!",
            f"{note}6": "#N/A",  # a column the import does not read
            f"{money}7": "#N/A",
        },
    )
    out = tmp_path / "marked.xlsx"
    before = db_state()

    code, result, _ = run_cli(str(path), "--errors", str(out), "--create-regions")

    assert (code, result["status"]) == (1, "rejected")
    assert db_state() == before
    errors = [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]]
    assert errors == [
        (3, "证件号码", "#REF!", message("#REF!")),
        (4, "姓名", "#N/A", message("#N/A")),
        (5, "家庭年人均纯收入", "#DIV/0!", message("#DIV/0!")),
    ]
    sheet = list(CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).iter_rows())
    marked = {i + 1: r[-1] for i, r in enumerate(sheet) if i and r[-1]}
    assert marked == {
        3: f"【证件号码】{message('#REF!')}",
        4: f"【姓名】{message('#N/A')}",
        5: f"【家庭年人均纯收入】{message('#DIV/0!')}",
    }


def test_an_error_cell_in_an_upload_rejects_it(
    client_for: Any,
    regions: dict,
    users: dict,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    rows = family(num("W1"), 10) + family(num("W2"), 20)
    headers = [h for h in HEADERS if any(h in r for r in rows)]
    path = write_xlsx(tmp_path / "web.xlsx", rows, headers)
    with_excel_errors(path, {f"{letter(headers, '姓名')}4": "#N/A"})
    client = client_for("county_admin")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/upload/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})

    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in batch.errors] == [
        (4, "姓名", "#N/A", message("#N/A"))
    ]
    assert Household.objects.count() == 0
    assert "Excel错误值" in client.get(f"/imports/{batch.pk}/").content.decode()


def test_error_texts_in_a_csv_are_rejected_at_their_row_and_column(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """A CSV saved by Excel holds an error cell's text (#N/A…): an error, not a 姓名 "#N/A"."""
    headers = [*[h for h in HEADERS if h not in ("脱贫年度",)], "备注"]
    income = {"家庭年人均纯收入": "9000"}
    first, second = family(num("E001"), 10, **income), family(num("E002"), 20, **income)
    second[0]["姓名"] = "#N/A"
    second[1]["家庭年人均纯收入"] = " #DIV/0!"
    rows = [*first, *second, person(num("E003"), "王五", pid(30), **income, 备注="#N/A")]
    rows.append({"家庭年人均纯收入": "#N/A"})  # 7: a formula filled down past the data
    path = write_csv(tmp_path / "errors.csv", rows, headers)
    before = db_state()

    code, result, _ = run_cli(str(path), "--create-regions")

    assert (code, result["status"]) == (1, "rejected")
    assert db_state() == before
    errors = [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]]
    assert errors == [
        (4, "姓名", "#N/A", message("#N/A")),
        (5, "家庭年人均纯收入", "#DIV/0!", message("#DIV/0!")),
    ]
