"""Paper: every Word document is A4; every Excel 台账 has a title, a frozen header repeated on
each printed page, A4 fitted to the width and a 合计 row (issue 16, point 3)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from django.conf import settings
from openpyxl import load_workbook

from core import labels
from core.paper import page_sizes_mm
from fangpin.testing import make_household
from ledgers.kit import ledgers
from stats.ledgers import LEDGERS

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "var", ".git"}


def _docx_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.docx") if not SKIP & set(p.relative_to(ROOT).parts)]


def _sheet(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content)).worksheets[0]


def assert_printable(ws: Any, *, totals: bool = True) -> None:
    """A4 (paper 9), fitted to one page wide, header rows repeated and frozen, a 合计 row."""
    assert ws.page_setup.paperSize in (9, "9")
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth or 1) == 1  # 1 is the default Excel leaves out
    assert int(ws.page_setup.fitToHeight) == 0  # as many pages down as needed
    assert ws.print_title_rows, "header rows repeat on every page"
    assert ws.freeze_panes and ws.freeze_panes != "A1", "the header is frozen"
    if totals:
        assert "合计" in [row[0] for row in ws.iter_rows(values_only=True)]


def test_the_packaged_word_templates_are_a4() -> None:
    files = _docx_files()
    assert files, "the work report's template is packaged"
    for path in files:
        assert set(page_sizes_mm(path.read_bytes())) == {(210, 297)}, path


def test_every_word_download_is_a4_even_from_a_county_letter_template(
    client_for: Any, regions: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    outputs = {"/stats/report/": client.get("/stats/report/")}
    own = Path(settings.DATA_DIR) / "report_templates" / "work_summary.docx"
    own.parent.mkdir(parents=True, exist_ok=True)
    letter = docx.Document()  # python-docx's default: US Letter
    letter.add_paragraph("{{ title }}")
    letter.save(str(own))
    try:
        outputs["/stats/report/ (county template)"] = client.get("/stats/report/")
    finally:
        own.unlink()
    for name, response in outputs.items():
        assert response.status_code == 200, name
        assert page_sizes_mm(response.content) == [(210, 297)], name
        section = docx.Document(io.BytesIO(response.content)).sections[0]
        assert section.left_margin is not None and round(section.left_margin.mm) == 28
        assert section.top_margin is not None and round(section.top_margin.mm) == 37


@pytest.mark.parametrize("kind", sorted(ledgers()))
def test_every_registered_ledger_prints_on_a4_with_totals(
    kind: str, client_for: Any, regions: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    figures = client.get(f"/ledgers/{kind}/stats/?format=xlsx")
    assert figures.status_code == 200
    ws = _sheet(b"".join(figures.streaming_content))
    assert_printable(ws)
    # The export re-imports as a no-op, so it has no totals row; but it prints the same way.
    export = client.get(f"/ledgers/{kind}/export.xlsx")
    assert export.status_code == 200
    content = b"".join(export.streaming_content) if export.streaming else export.content
    assert_printable(_sheet(content), totals=False)


@pytest.mark.parametrize("kind", sorted(LEDGERS))
def test_the_status_ledgers_print_on_a4_with_totals(
    kind: str, client_for: Any, regions: dict[str, Any]
) -> None:
    make_household(regions["village"], members=2, is_alleviated=True, alleviated_year=2016)
    response = client_for("county_admin").get(f"/stats/ledger/{kind}/")
    assert response.status_code == 200
    ws = _sheet(response.content)
    # In the year's words (core.labels: 防止返贫致贫对象台账 from 2026).
    assert ws["A1"].value.endswith(labels.for_year().words(LEDGERS[kind].title))
    assert_printable(ws)


def test_the_queues_export_to_excel_with_totals(client_for: Any, regions: dict[str, Any]) -> None:
    for url in (
        "/monitoring/cases/",
        "/monitoring/overdue/",
        "/monitoring/tasks/",
        "/monitoring/",
        "/exchange/",
    ):
        response = client_for("town_staff").get(url + "?format=xlsx")
        assert response.status_code == 200, url
        ws = _sheet(response.content)
        assert ws["A1"].value.startswith("金山店镇")
        assert_printable(ws)


def test_the_overdue_visits_export_to_excel_with_totals(
    client_for: Any, regions: dict[str, Any]
) -> None:
    monitored: dict[str, Any] = {
        "category": "突发严重困难户",
        "identified_date": dt.date(2024, 3, 1),
        "risk_list": ["因病"],
    }
    h = make_household(regions["village"], members=1, **monitored)
    make_household(regions["other_village"], members=1, **monitored)
    response = client_for("town_staff").get("/assistance/visits/overdue/?format=xlsx")
    assert response.status_code == 200
    ws = _sheet(response.content)
    assert_printable(ws)
    rows = list(ws.iter_rows(values_only=True))
    numbers = [r[2] for r in rows[3:-1]]
    assert numbers == [h.number]  # the other town's household is not listed
    assert rows[-1][:2] == ("合计", "1户")


def test_every_print_view_is_a4() -> None:
    """Lists print A4 landscape (the default @page), documents A4 portrait (`fp-a4-portrait`);
    no template asks for another paper size."""
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert "@page { size: A4 landscape;" in css and "@page portrait { size: A4 portrait;" in css
    sizes = []
    for path in (ROOT / "templates").rglob("*.html"):
        for size in re.findall(r"(?<![\w-])size:\s*([^;}]+)", path.read_text()):
            sizes.append((path.name, size.strip()))
    assert all(size.startswith("A4") for _, size in sizes), sizes
    printable = {
        p.relative_to(ROOT / "templates").as_posix(): p.read_text()
        for p in (ROOT / "templates").rglob("*.html")
        if "data-print" in p.read_text()
    }
    assert len(printable) >= 7, sorted(printable)
    lists = {"ledgers/print.html"}  # tables: the default A4 landscape
    for name, text in printable.items():
        assert name in lists or "fp-a4-portrait" in text, name


def test_the_lead_inbox_exports_every_page_of_the_users_region_only(
    client_for: Any, regions: dict[str, Any], users: dict[str, Any]
) -> None:
    from monitoring import services as monitoring

    own = make_household(regions["village"], members=1)
    other = make_household(regions["other_village"], members=1)
    for h in [own] * 60 + [other]:
        monitoring.create_lead(
            actor=users["county_admin"],
            source="基层干部排查",
            reported_date=dt.date(2026, 1, 5),
            household=h,
            region=None,
            risks=["因病"],
        )
    response = client_for("town_staff").get("/monitoring/?format=xlsx")
    rows = list(_sheet(response.content).iter_rows(values_only=True))
    data = rows[3:-1]
    assert len(data) == 60  # all of them, not the first page of 50
    assert {r[4] for r in data} == {own.number}
    assert rows[-1][:2] == ("合计", "60条")
