"""2026 常态化帮扶 (policy.md §9): the population is 防止返贫致贫对象 from 2026, 监测对象 before;
the labels are yearly settings (monitoring.PolicyLabel) and every page, ledger, notice and report
uses the year's; codes and JSON keys do not change."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest.mock import patch
from urllib.parse import quote

import docx
import pytest
from python_calamine import CalamineWorkbook

from core import labels
from fangpin.testing import make_household
from monitoring.models import PolicyLabel
from stats.report import render
from stats.services import compute


def _text(region: Any, period: Any, today: dt.date) -> str:
    data = render(region, period, today=today)
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


@pytest.fixture
def households(regions: dict[str, Any]) -> dict[str, Any]:
    return {
        "old": make_household(
            regions["village"],
            members=2,
            category="边缘易致贫户",
            identified_date=dt.date(2023, 3, 1),
            risk_list=["因病"],
        ),
        "new": make_household(
            regions["village"],
            members=4,
            category="突发严重困难户",
            identified_date=dt.date(2026, 3, 1),
            risk_list=["因病"],
        ),
    }


def test_the_default_labels_change_in_2026_and_a_yearly_setting_overrides_them(db: Any) -> None:
    assert labels.for_year(2023).population == "监测对象"
    assert labels.for_year(2025).household == "监测户"
    assert labels.for_year(2026).population == "防止返贫致贫对象"
    assert labels.for_year(2026).words("新识别监测对象，监测户") == (
        "新识别防止返贫致贫对象，防止返贫致贫对象"
    )
    PolicyLabel.objects.create(
        year=2027,
        population="防止返贫致贫对象",
        household="防止返贫致贫户",
        categories={"边缘易致贫户": "易致贫户"},
    )
    found = labels.for_year(2027)
    assert (found.household, found.category("边缘易致贫户")) == ("防止返贫致贫户", "易致贫户")
    assert found.category("突发严重困难户") == "突发严重困难户"


def test_a_2026_report_says_防止返贫致贫对象_and_a_2023_report_监测对象(
    regions: dict[str, Any],
    households: dict[str, Any],
    users: dict[str, Any],
    settings: Any,
    tmp_path: Any,
) -> None:
    from core import pipeline
    from employment.layouts import EMPLOYMENT
    from fangpin.testing import write_sheet

    settings.DATA_DIR = tmp_path
    town = regions["town"]
    rows = [
        {"证件号码": p.id_number, "姓名": p.name, "月份": month, "务工状况": "省外务工"}
        for p in households["new"].persons.all()[:1]
        for month in ("2023-11", "2026-11")
    ]
    path = write_sheet(tmp_path / "e.xlsx", EMPLOYMENT.headers, rows)
    assert pipeline.run("employment", path, actor=users["county_admin"])["status"] == "imported"
    new = _text(town, 2026, dt.date(2026, 12, 6))
    assert "防止返贫致贫对象2户6人" in new and "现有未消除风险防止返贫致贫对象2户6人" in new
    assert "监测户" not in new and "监测对象" not in new
    # 外出务工 by status: the 2026 words for the persons too.
    assert "脱贫人口（含防止返贫致贫对象）外出务工共1人" in new and "监测人口" not in new
    village = _text(regions["village"], 2026, dt.date(2026, 12, 6))
    assert "朝阳村共有2户，6人，" in village  # a village does not count itself
    old = _text(town, 2023, dt.date(2023, 12, 31))
    assert "监测户1户2人" in old and "防止返贫致贫对象" not in old
    assert "新识别监测对象1户2人" in old
    assert "脱贫人口（含监测人口）外出务工共0人" in old and "另有一般农户1人" in old
    # The statistics keep their keys across the change.
    assert compute(town, dt.date(2026, 12, 6))["monitored"]["households"] == 2


def test_pages_and_ledgers_of_2026_use_the_new_name_and_a_2023_date_the_old(
    client_for: Any, households: dict[str, Any]
) -> None:
    client = client_for("town_staff")
    with patch("core.dates.today", return_value=dt.date(2026, 12, 6)):
        page = client.get("/stats/", {"as_of": "2026-12-06"}).content.decode()
        assert "本年新识别防止返贫致贫对象" in page
        assert ">防止返贫致贫对象台账</a>" in page and ">监测对象台账</a>" not in page
        # A ledger's help names the population in the year's words too.
        yulu = client.get("/ledgers/yulu/").content.decode()
        assert "脱贫户和未消除风险防止返贫致贫对象家庭" in yulu and "监测户" not in yulu
        formats = client.get("/help/ledgers/").content.decode()  # the same words in the help
        assert "脱贫户和未消除风险防止返贫致贫对象家庭" in formats
        home = client.get("/").content.decode()
        assert "未消除风险防止返贫致贫对象" in home
    page = client.get("/stats/", {"as_of": "2023-12-31"}).content.decode()
    assert "本年新识别监测对象" in page and "本年新识别防止返贫致贫对象" not in page
    assert ">监测对象台账</a>" in page
    sheet = client.get("/stats/ledger/monitored/", {"as_of": "2026-12-06"})
    assert quote("防止返贫致贫对象台账") in sheet["Content-Disposition"]
    sheet = client.get("/stats/ledger/monitored/", {"as_of": "2023-12-31"})
    assert quote("监测对象台账") in sheet["Content-Disposition"]


def test_a_county_admin_sets_a_years_words_on_the_settings_page(
    client_for: Any, regions: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    response = client.post(
        "/monitoring/settings/",
        {
            "section": "labels",
            "year": "2027",
            "population": "防止返贫致贫对象",
            "household": "防止返贫致贫户",
            "categories": "边缘易致贫户=易致贫户；突发严重困难户=突发困难户",
        },
    )
    assert response.status_code == 302
    found = labels.for_year(2027)
    assert (found.household, found.category("突发严重困难户")) == ("防止返贫致贫户", "突发困难户")
    bad = client.post(
        "/monitoring/settings/",
        {"section": "labels", "year": "2027", "population": "x", "categories": "困难户=甲"},
    )
    assert "没有这种监测对象类别：困难户" in bad.content.decode()
    refused = client_for("town_staff").post(
        "/monitoring/settings/", {"section": "labels", "year": "2027", "population": "x"}
    )
    assert refused.status_code == 403


def test_a_ledgers_figures_page_names_the_status_by_the_years_words(
    client_for: Any, households: dict[str, Any]
) -> None:
    from benefits.models import YuluRow

    person = households["old"].persons.order_by("pk").first()
    for year in (2023, 2026):
        YuluRow.objects.create(
            person=person,
            household=households["old"],
            region=households["old"].region,
            year=year,
            term="春季",
        )
    client = client_for("town_staff")
    new = client.get("/ledgers/yulu/stats/", {"year": "2026"}).content.decode()
    assert "<td>防止返贫致贫对象</td>" in new
    old = client.get("/ledgers/yulu/stats/", {"year": "2023"}).content.decode()
    assert "<td>监测户</td>" in old
    sheet = client.get("/ledgers/yulu/stats/", {"year": "2026", "format": "xlsx"})
    content = b"".join(sheet.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows if r and r[0] in ("防止返贫致贫对象", "监测户")] == [
        "防止返贫致贫对象"
    ]


def test_the_rule_names_read_in_the_years_words(client_for: Any, regions: Any) -> None:
    """Rules keep their names (and codes); a page shows them in this year's words."""
    client = client_for("county_admin")
    with patch("core.dates.today", return_value=dt.date(2026, 12, 6)):
        new = client.get("/exchange/rules/").content.decode()
        assert "雨露计划对象不是脱贫户或未消除风险防止返贫致贫对象" in new
        assert "低保边缘人员所在户既非防止返贫致贫对象也非脱贫户" in new and "监测户" not in new
        queue = client.get("/exchange/").content.decode()  # the queue's rule filter too
    assert ">R19 有劳动力防止返贫致贫对象缺开发式帮扶</option>" in queue and "监测户" not in queue
    with patch("core.dates.today", return_value=dt.date(2025, 12, 6)):
        old = client.get("/exchange/rules/").content.decode()
    assert "雨露计划对象不是脱贫户或未消除风险监测户" in old
