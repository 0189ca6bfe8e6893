"""Builders shared by tests, the demo and the benchmarks: valid ID numbers, regions, households."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from core.idnumber import make_valid

_serial = itertools.count(1)


def id_number(birth: dt.date = dt.date(1980, 5, 17), sex: str = "男", area: str = "420222") -> str:
    """A valid, unique 18-digit ID number for the given birth date and sex."""
    n = next(_serial) % 500
    seq = n * 2 + (1 if sex == "男" else 0)
    return make_valid(f"{area}{birth:%Y%m%d}{seq:03d}")


def make_region_tree() -> dict[str, Any]:
    """县 › 两个乡镇 › 村 › 组, as the test personas expect."""
    from regions.models import Region
    from regions.services import create_region

    county = create_region(
        actor=None, name="大冶市", level=Region.Level.COUNTY, code="420281000000"
    )
    town = create_region(actor=None, name="金山店镇", level=2, parent=county, code="420281100000")
    village = create_region(actor=None, name="朝阳村", level=3, parent=town, code="420281100201")
    village2 = create_region(actor=None, name="仕秦村", level=3, parent=town)
    group = create_region(actor=None, name="一组", level=4, parent=village)
    other_town = create_region(actor=None, name="还地桥镇", level=2, parent=county)
    other_village = create_region(actor=None, name="白羊村", level=3, parent=other_town)
    return {
        "county": county,
        "town": town,
        "village": village,
        "village2": village2,
        "group": group,
        "other_town": other_town,
        "other_village": other_village,
    }


def make_user(username: str, role: str, region: Any, **extra: Any) -> Any:
    from accounts.models import User

    user = User(username=username, role=role, region=region, last_name=username, **extra)
    user.set_password("Passw0rd!x")
    user.save()
    return user


def make_household(
    region: Any,
    number: str | None = None,
    members: int = 3,
    actor: Any = None,
    **status: Any,
) -> Any:
    """A household with a head and `members - 1` relatives, through the services.

    A status given (监测对象类别, dates…) is set as an import of the national register sets it:
    by hand, only the procedures may (registry.services.STATUS_SOURCES).
    """
    from registry import services

    number = number or f"4202810001{next(_serial):08d}"
    relations = ["户主", "配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女"]
    people: list[dict[str, Any]] = []
    for i in range(max(members, 1)):
        birth = dt.date(1960 + i * 7 % 50, 1 + i % 12, 1 + i % 27)
        sex = "男" if i % 2 == 0 else "女"
        people.append(
            {
                "name": f"成员{i}{number[-4:]}",
                "id_number": id_number(birth, sex),
                "relation": relations[i % len(relations)],
                "sex": sex,
            }
        )
    source = services.IMPORT_SOURCE if status else services.PLAIN_EDIT
    h = services.create_household(
        actor=actor, number=number, region=region, head=people[0], source=source, **status
    )
    for person in people[1:members]:
        services.add_person(actor=actor, household=h, **person)
    h.refresh_from_db()
    return h


def write_sheet(path: Any, headers: list[str], rows: list[dict], title: str = "") -> Any:
    """An .xlsx (or, for a .csv path, a UTF-8 CSV) with an optional title row, the headers and
    the rows (dicts keyed by header; dates as Excel dates)."""
    import csv
    from pathlib import Path

    import xlsxwriter

    path = Path(path)
    matrix: list[list[Any]] = [[title]] if title else []
    matrix.append(list(headers))
    matrix += [[r.get(h, "") for h in headers] for r in rows]
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(
                [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in matrix]
            )
        return path
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, values in enumerate(matrix):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def with_excel_errors(path: Any, cells: dict[str, str]) -> Any:
    """The workbook at `path` with the cells of its first sheet named in `cells` (B3 → #N/A)
    holding that Excel error, as Excel saves a formula that fails (`t="e"`, the formula and
    its cached error); each must hold a value. openpyxl and xlsxwriter compute no formula."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        members = {info.filename: book.read(info.filename) for info in book.infolist()}
    name = "xl/worksheets/sheet1.xml"
    sheet = members[name]
    for ref, error in cells.items():
        cell = re.compile(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)'.encode())
        formula = b"<f>VLOOKUP(A1,Sheet2!A:B,2,FALSE)</f>"
        written = f'<c r="{ref}" t="e">'.encode() + formula + f"<v>{error}</v></c>".encode()
        sheet, found = cell.subn(written.replace(b"\\", b"\\\\"), sheet, count=1)
        assert found, f"no cell {ref} to make an error"
    members[name] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for member, data in members.items():
            book.writestr(member, data)
    return path


def run_command(*args: str) -> tuple[int, dict[str, Any], str]:
    """Run a `fangpin` command in-process: (exit status, its JSON result, its stderr)."""
    import io
    import json

    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    lines = out.getvalue().strip().splitlines()
    return code, json.loads(lines[-1]) if lines else {}, err.getvalue()
