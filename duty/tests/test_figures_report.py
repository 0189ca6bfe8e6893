"""The figures users quote, from data built for them: seed 004's roll-up county › town › village
in the statistics and the drafted report, and seed 000's 工作提示, 纪律督查, completed problems and
专项整治 in the statistics (its report: stats/tests/test_report_seed000.py)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from pathlib import Path
from typing import Any

from django.urls import reverse
from docx import Document
from python_calamine import CalamineWorkbook

from core import pipeline
from duty import figures
from duty.tests import seed000
from duty.tests.helpers import RECT, load, measure
from fangpin.testing import run_command, write_sheet
from regions.models import Region
from regions.services import create_region
from stats.report import render


def _report_text(region: Any, year: int) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(render(region, year))).paragraphs)


def _counts(total: int, parts: int) -> list[int]:
    """`total` split over `parts` as evenly as it goes (each at least one)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def test_seed_004s_roll_up_county_town_village_in_the_stats_and_the_report(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Path, client_for: Any
) -> None:
    county = regions["county"]
    towns = [regions["town"], regions["other_town"]]
    towns += [
        create_region(actor=None, name=f"第{i}镇", level=Region.Level.TOWN, parent=county)
        for i in range(3, 16)
    ]
    villages = [regions["village"], regions["village2"], regions["other_village"]]
    for i, count in enumerate(_counts(237 - 3, 15)):
        villages += [
            create_region(actor=None, name=f"第{i}镇{j}村", level=3, parent=towns[i])
            for j in range(count)
        ]
    rows: list[dict[str, Any]] = []
    serial = itertools.count(1)

    def claim(town: str, village: str, problems: int, measures: int, categories: int) -> None:
        per = _counts(measures, problems)
        for k, n in enumerate(per):
            number = f"W{next(serial):05d}"
            for no in range(1, n + 1):
                rows.append(
                    measure(number, no, 乡镇=town, 行政村=village, 问题类别=f"方面{k % categories}")
                )

    claim("", "", 20, 58, 4)
    for town, (problems, measures) in zip(
        towns, zip(_counts(227, 15), _counts(551, 15), strict=True), strict=True
    ):
        claim(town.name, "", problems, measures, 3)
    for village, (problems, measures) in zip(
        villages, zip(_counts(1323, 237), _counts(2293, 237), strict=True), strict=True
    ):
        claim(village.parent.name, village.name, problems, measures, 2)
    path = write_sheet(tmp_path / "county.xlsx", RECT, rows)
    result = pipeline.run("rectification", path, actor=users["county_admin"])
    assert (result["status"], result["created"]) == ("imported", 58 + 551 + 2293)

    found = figures.rollup(county, 2024)
    assert found["levels"] == [
        {"level": "county", "units": 1, "problems": 20, "measures": 58},
        {"level": "town", "units": 15, "problems": 227, "measures": 551},
        {"level": "village", "units": 237, "problems": 1323, "measures": 2293},
    ]
    assert (found["problems"], found["measures"]) == (1570, 2902)
    page = client_for("county_admin").get(reverse("duty:rollup"), {"year": "2024"})
    assert page.context["found"]["levels"] == found["levels"]
    assert len(page.context["children"]) == 15
    _, stats, _ = run_command("ledger", "stats", "--region", "大冶市", "--year", "2024")
    assert stats["ledgers"]["rectification"]["rows"] == 2902
    assert stats["ledgers"]["rectification"]["by"]["状态"]["整改中"]["rows"] == 2902
    text = _report_text(county, 2024)
    assert (
        "问题整改：县级层面认领问题20个，制定整改措施58条；15个乡镇共认领问题227个，"
        "明确整改措施551条；237个行政村共认领问题1323个，制定整改措施2293条。"
    ) in text
    town_page = client_for("town_staff").get(reverse("duty:rollup"), {"year": "2024"})
    mine = town_page.context["found"]["levels"]
    assert [level["level"] for level in mine] == ["town", "village"]


def test_seed_000s_duty_figures_in_the_stats_and_the_rollup_page(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Path, client_for: Any
) -> None:
    town = regions["town"]
    admin = users["county_admin"]
    assert load("rectification", seed000.problems(), tmp_path, admin)["status"] == "imported"
    assert load("inspections", seed000.inspections(), tmp_path, admin, "i.xlsx")["created"] == 46

    found = figures.rollup(town, 2023)
    assert found["by_source"]["省后评估"] == {
        "problems": 13,
        "measures": 26,
        "categories": 3,
        "整改中": 0,
        "已完成": 13,
        "已销号": 0,
    }
    assert found["by_source"]["国家考核"]["已完成"] == 9
    special = found["by_category"]["乡村振兴领域不正之风和腐败问题专项整治"]
    assert (special["problems"], special["by_source"]) == (5, {"督查": 3, "自查": 2})
    counted = figures.inspections(town, *_year(2023))
    assert (counted["by_kind"]["工作提示"], counted["by_kind"]["纪律督查"]) == (12, 12)
    assert counted["monthly_through"] == 11
    page = client_for("town_staff").get(reverse("duty:rollup"), {"year": "2023"})
    assert page.context["found"]["by_source"]["省后评估"]["已完成"] == 13


def test_the_four_lists_workbook_has_titles_bands_totals_and_a4_setup(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    load(
        "rectification",
        [measure("P1", 1), measure("P1", 2, 状态="已完成"), measure("P2", 1, 行政村="")],
        tmp_path,
        users["county_admin"],
    )
    response = client_for("town_staff").get(
        reverse("duty:rollup"), {"year": "2024", "format": "xlsx"}
    )
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "金山店镇2024年问题整改台账（问题、任务、责任、时限四清单）"
    assert [c for c in sheet[2] if c] == ["问题清单", "任务清单", "责任清单", "时限清单"]
    assert sheet[3][:2] == ["问题编号", "问题来源"] and "整改时限" in sheet[3]
    assert [r[0] for r in sheet[4:7]] == ["P1", "P1", "P2"]
    assert sheet[7][0] == "合计" and sheet[7][1] == "问题2个" and sheet[7][6] == "措施3条"
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert 'paperSize="9"' in xml and "<pane" in xml and "fitToPage" in xml
    assert (
        client_for("other_town")
        .get(reverse("duty:rollup"), {"region": Region.objects.get(name="朝阳村").pk})
        .status_code
        == 404
    )


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def test_a_period_without_duty_records_says_so_in_two_and_four(regions: dict[str, Any]) -> None:
    from duty.reporting import report_sections

    found = report_sections(regions["town"], dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert found["work:special"] == ["专项整治：本期没有专项整治问题记录。"]
    assert "问题整改：本期没有问题整改记录。" in found["duty"]
    assert "驻村工作队：本期没有驻村工作队记录。" in found["duty"]


def test_a_period_s_rectification_is_its_measures_by_整改时限_with_their_状态_on_its_last_day(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """§7 dates a measure by its 整改时限: a month's report tells the problems with a measure due
    in it, as they stood at its end (closed on 04-10: not yet 销号 in March; completed on
    04-05: still 整改中), not the year's with today's 状态."""
    from duty import services
    from duty.models import RectificationRow
    from duty.reporting import report_sections

    special = "乡村振兴领域不正之风和腐败问题专项整治"
    rows = [
        measure("A1", 1, 整改时限="2024-03-20", 状态="已销号", 销号日期="2024-04-10"),
        measure("A1", 2, 整改时限="2024-03-25", 状态="已销号", 销号日期="2024-04-10"),
        measure("A2", 1, 整改时限="2024-03-15"),
        measure("A3", 1, 问题来源="国家考核", 整改时限="2024-06-30", 状态="已完成"),
        measure("S1", 1, 问题来源="自查", 问题类别=special, 整改时限="2024-03-31"),
        measure("S2", 1, 问题来源="督查", 问题类别=special, 整改时限="2024-08-31", 状态="已完成"),
    ]
    assert load("rectification", rows, tmp_path, users["county_admin"])["status"] == "imported"
    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 4, 5))
    services.complete_measure(
        actor=users["village_staff"], measure=RectificationRow.objects.get(problem_no="A2")
    )

    town = regions["town"]
    march = report_sections(town, dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert (
        "省后评估反馈问题：认领2个问题，制定整改措施3条，已完成整改1个，正在整改1个。"
        in (march["duty"])
    )
    assert not [p for p in march["duty"] if "国家考核" in p]  # due in June
    assert march["work:special"] == [f"开展{special}：自查自纠发现的1个问题正在整改。"]

    year = report_sections(town, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert (
        "省后评估反馈问题：认领2个问题，制定整改措施3条，目前2个问题均已完成整改（其中已销号1个）。"
    ) in year["duty"]
    assert "国家考核反馈问题：认领1个问题，制定整改措施1条，目前已完成整改。" in (year["duty"])
    assert year["work:special"] == [
        f"开展{special}：自查自纠发现的1个问题和督查发现的1个问题已整改完成1个，正在整改1个。"
    ]
    # The roll-up page (no `on`) keeps the ledger's 状态 as recorded.
    assert figures.rollup(town, 2024)["status"] == {"整改中": 1, "已完成": 3, "已销号": 1}
