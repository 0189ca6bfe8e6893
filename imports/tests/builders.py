"""Workbooks and CSV files for the import tests, built from rows keyed by header."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from core.idnumber import make_valid
from registry.layouts import REGISTER

HEADERS = REGISTER.headers


def num(code: str) -> str:
    """A valid 户编号 (10–20 digits) for a short test code such as "H001"."""
    return "4202810" + "".join(c if c.isdigit() else f"{ord(c) % 100:02d}" for c in code)


def pid(serial: int, birth: str = "19800101", male: bool = True, area: str = "420281") -> str:
    """A valid ID number; `serial` (0–99) keeps them apart."""
    return make_valid(f"{area}{birth}{serial:02d}{(1 if male else 2)}")


def person(number: str, name: str, id_number: str, relation: str = "户主", **cells: Any) -> dict:
    row = {
        "县(市、区)": "大冶市",
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "村民小组": "一组",
        "户编号": number,
        "姓名": name,
        "证件号码": id_number,
        "与户主关系": relation,
        "是否脱贫户": "否",
        "监测对象类别": "",
        "性别": ("男" if int(id_number[16]) % 2 else "女") if len(id_number) == 18 else "",
    }
    row.update(cells)
    return row


def family(number: str, serial: int, **household: Any) -> list[dict]:
    """A head and a spouse (serials `serial` and `serial + 1`)."""
    return [
        person(number, f"户主{serial}", pid(serial), "户主", **household),
        person(
            number, f"配偶{serial}", pid(serial + 1, "19820202", male=False), "配偶", **household
        ),
    ]


def _matrix(rows: list[dict], headers: list[str] | None, title: bool) -> list[list[Any]]:
    headers = headers or [h for h in HEADERS if any(h in r for r in rows)]
    out: list[list[Any]] = []
    if title:
        out += [["大冶市防返贫监测户籍台账"], ["导出日期：2024-01-01"]]
    out.append(headers)
    out += [[r.get(h, "") for h in headers] for r in rows]
    return out


def write_xlsx(
    path: Path, rows: list[dict], headers: list[str] | None = None, title: bool = False
) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, values in enumerate(_matrix(rows, headers, title)):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def write_csv(
    path: Path,
    rows: list[dict],
    headers: list[str] | None = None,
    encoding: str = "utf-8-sig",
    title: bool = False,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(_matrix(rows, headers, title))
    return path
