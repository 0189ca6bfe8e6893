"""Export → import round trips: unchanged files change nothing, edited ones carry their edits."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from imports.tests.builders import family, num, write_xlsx
from imports.tests.test_import import db_state, run_cli
from registry.models import Household, HouseholdEvent

pytestmark = pytest.mark.django_db


def export(tmp_path: Path, name: str = "out.xlsx") -> Path:
    out = tmp_path / name
    call_command(
        "export_registry",
        "--region",
        "大冶市",
        "--out",
        str(out),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return out


def read(path: Path) -> list[list]:
    return [
        list(r) for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    ]


def seed(tmp_path: Path) -> None:
    rows = family(
        num("R1"),
        10,
        是否脱贫户="是",
        脱贫年度="2018",
        监测对象类别="脱贫不稳定户",
        识别监测时间="2022-03-01",
        风险类型="因病",
        联系电话="13800001111",
        家庭年人均纯收入="7000",
    ) + family(num("R2"), 20, 家庭年人均纯收入="12000.5")
    rows[0]["健康状况"] = "长期慢性病、残疾"
    rows[0]["是否享受低保"] = "是"
    assert run_cli(str(write_xlsx(tmp_path / "seed.xlsx", rows)))[0] == 0


def test_export_then_import_of_a_region_is_a_no_op(
    regions: dict, users: dict, household: Household, tmp_path: Path
) -> None:
    seed(tmp_path)
    path = export(tmp_path)
    before = db_state()

    code, result, _ = run_cli(str(path))

    assert code == 0, result["errors"]
    assert result["households_unchanged"] == 3 and result["persons_unchanged"] == 7
    assert result["households_updated"] == result["persons_updated"] == 0
    assert db_state()[:4] == before[:4]


def test_an_edited_export_round_trips_the_edits_with_history_events(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    seed(tmp_path)
    rows = read(export(tmp_path))
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    for r in rows[1:]:
        if r[col["户编号"]] == num("R1"):
            r[col["风险是否消除"]] = "是"
            r[col["风险消除时间"]] = "2024-02-01"
            r[col["风险消除方式"]] = "帮扶消除"
        if r[col["户编号"]] == num("R2"):
            r[col["家庭年人均纯收入"]] = 15000
            if r[col["与户主关系"]] == "户主":
                r[col["姓名"]] = "改名"
    edited = tmp_path / "edited.xlsx"
    book = xlsxwriter.Workbook(str(edited))
    sheet = book.add_worksheet()
    for i, r in enumerate(rows):
        sheet.write_row(i, 0, r)
    book.close()

    code, result, _ = run_cli(str(edited))

    assert code == 0, result["errors"]
    assert (result["households_updated"], result["persons_updated"]) == (2, 1)
    r1, r2 = Household.objects.get(number=num("R1")), Household.objects.get(number=num("R2"))
    assert r1.risk_eliminated and r1.eliminated_date == dt.date(2024, 2, 1)
    assert HouseholdEvent.objects.get(household=r1, kind="eliminated").date == dt.date(2024, 2, 1)
    assert r2.per_capita_income == 15000 and r2.head_name == "改名"
    assert run_cli(str(edited))[1]["households_updated"] == 0


def test_the_web_export_masks_id_numbers_unless_the_user_may_see_them(
    regions: dict, users: dict, client_for, tmp_path: Path
) -> None:
    seed(tmp_path)
    response = client_for("town_staff").get("/imports/export.xlsx?category=脱贫不稳定户")
    assert response.status_code == 200
    out = tmp_path / "web.xlsx"
    out.write_bytes(b"".join(response.streaming_content))
    rows = read(out)
    assert len(rows) == 3  # header + the two members of R1
    assert "*" in rows[1][6] and rows[1][4] == num("R1")
    from core.models import AuditRecord

    assert AuditRecord.objects.filter(action="export", actor=users["town_staff"]).exists()


def test_a_household_phone_not_its_heads_follows_the_head_on_reimport(
    regions: dict, users: dict, tmp_path: Path
) -> None:
    """The household's phone is its 户主's (formats.md §1): one left from an earlier 户主 (or
    written before the rule) is cleared by the re-import of the export, whose 户主 has none."""
    seed(tmp_path)
    Household.objects.filter(number=num("R2")).update(phone="13911112222")
    path = export(tmp_path)

    code, result, _ = run_cli(str(path))

    assert code == 0, result["errors"]
    assert (result["households_updated"], result["persons_updated"]) == (1, 0)
    assert Household.objects.get(number=num("R2")).phone == ""
    assert Household.objects.get(number=num("R1")).phone == "13800001111"
