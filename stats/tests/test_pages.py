"""The dashboard, the ledgers, the report download, the API scoping and the command's exit codes."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from accounts.models import ApiToken
from core.models import AuditRecord
from fangpin.testing import make_household
from registry import services
from stats.ledgers import escape


@pytest.fixture
def register(regions: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """In 朝阳村: a 脱贫户, a 监测户 (identified this year, with a formula-like head name), one
    eliminated last year; in the other town a 监测户."""
    today = dt.date.today()
    monkeypatch.setattr(services, "today", lambda: today)
    stable = make_household(regions["village"], members=2, is_alleviated=True, alleviated_year=2016)
    open_ = make_household(
        regions["village"],
        members=3,
        category="突发严重困难户",
        identified_date=dt.date(today.year, 1, 1),
        risk_list=["因病", "因残"],
        phone="13812345678",
    )
    services.update_person(actor=None, person=open_.persons.get(relation="户主"), name="=HYPERLINK")
    gone = make_household(
        regions["village2"],
        members=1,
        category="边缘易致贫户",
        identified_date=dt.date(today.year - 1, 3, 1),
        risk_eliminated=True,
        eliminated_date=dt.date(today.year - 1, 9, 1),
        elimination_method="帮扶消除",
        risk_list=["因学"],
    )
    other = make_household(
        regions["other_village"],
        members=4,
        category="突发严重困难户",
        identified_date=dt.date(today.year, 1, 1),
        risk_list=["因病"],
    )
    return {"stable": stable, "open": open_, "gone": gone, "other": other}


def test_the_dashboard_shows_the_town_figures_children_and_charts(
    client_for: Any,
    regions: dict[str, Any],
    register: dict[str, Any],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for("town_staff")
    # A fixed number of queries, however many households and villages: 3 statistics runs (each
    # with its un-markings), the tree, the charts and one count per figure of the other modules.
    with django_assert_max_num_queries(32):
        response = client.get("/stats/")
    assert response.status_code == 200
    ctx = response.context
    assert ctx["region"] == regions["town"]
    assert ctx["stats"]["monitored"]["households"] == 2
    assert ctx["stats"]["identified_this_year"] == {"households": 1, "persons": 3}
    figures = {f["label"]: f for f in ctx["key_figures"]}
    assert figures["未消除风险"]["value"] == {"households": 1, "persons": 3}
    assert figures["未消除风险"]["delta"] == {"households": 1, "persons": 3}
    assert figures["已消除风险"]["delta"] == {"households": 0, "persons": 0}
    assert [c["region"]["name"] for c in ctx["children"]] == ["仕秦村", "朝阳村"]
    assert ctx["charts"]["categories"][0] == {"name": "突发严重困难户", "value": 1}
    assert ctx["charts"]["risks"]["names"] == ["因病", "因残"]
    assert sum(ctx["charts"]["identified"]) == 1
    html = response.content.decode()
    assert "vendor/echarts.min.js" in html
    assert "还地桥镇" not in html  # the tree shows only the visible regions
    assert "待研判线索" in html


def test_a_bad_date_is_reported_and_another_towns_region_answers_404(
    client_for: Any, regions: dict[str, Any], register: dict[str, Any]
) -> None:
    client = client_for("other_town")
    assert client.get("/stats/", {"region": regions["town"].pk}).status_code == 404
    assert client.get("/stats/ledger/monitored/", {"region": regions["town"].pk}).status_code == 404
    assert client.get("/stats/report/", {"region": regions["town"].pk}).status_code == 404
    response = client.get("/stats/", {"as_of": "2023-13-01"})
    assert response.status_code == 200
    assert "不是有效日期" in response.content.decode()
    assert response.context["stats"]["monitored"]["households"] == 1


def _sheet(content: bytes) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def test_the_monitored_ledger_masks_ids_escapes_formulas_and_is_audited(
    client_for: Any, regions: dict[str, Any], register: dict[str, Any]
) -> None:
    response = client_for("town_staff").get("/stats/ledger/monitored/")
    assert response.status_code == 200
    rows = _sheet(response.content)
    # Today is after 2025: the year's name of the population (core.labels).
    assert rows[0][0] == "金山店镇防止返贫致贫对象台账"
    assert rows[1][0].startswith("区划：大冶市/金山店镇")
    header = rows[2]
    data = [dict(zip(header, r, strict=False)) for r in rows[3:-1]]
    assert rows[-1][:3] == ["合计", "2户", "4人"]
    assert len(data) == 4  # 3 members of the open household, 1 of the eliminated one
    assert {d["户编号"] for d in data} == {register["open"].number, register["gone"].number}
    ids = [d["证件号码"] for d in data]
    assert all("*" in i for i in ids)
    assert "'=HYPERLINK" in [d["姓名"] for d in data]
    assert "138****5678" in [d["联系电话"] for d in data]
    eliminated = [d for d in data if d["风险是否消除"] == "是"]
    assert len(eliminated) == 1 and eliminated[0]["监测对象类别"] == "边缘易致贫户"
    assert (
        AuditRecord.objects.filter(action="export", note__contains="防止返贫致贫对象台账").count()
        == 1
    )


def test_the_county_admin_sees_full_ids_in_the_other_ledgers(
    client_for: Any, regions: dict[str, Any], register: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    rows = _sheet(client.get("/stats/ledger/alleviated/").content)
    assert rows[0][0] == "大冶市脱贫户台账"
    data = [dict(zip(rows[2], r, strict=False)) for r in rows[3:-1]]
    assert len(data) == 2 and data[0]["脱贫年度"] == 2016
    assert all("*" not in d["证件号码"] for d in data)
    rows = _sheet(client.get("/stats/ledger/eliminated/").content)
    assert [r[3] for r in rows[3:-1]] == [register["gone"].number]
    rows = _sheet(client.get("/stats/ledger/new/").content)
    numbers = {r[3] for r in rows[3:-1]}
    assert numbers == {register["open"].number, register["other"].number}
    assert client.get("/stats/ledger/nonsense/").status_code == 404


def test_escape_prefixes_formula_like_text_only() -> None:
    assert escape("=1+1") == "'=1+1"
    assert escape("@SUM") == "'@SUM"
    assert escape("张三") == "张三"
    assert escape(3) == 3


def test_the_report_button_downloads_the_drafted_report(
    client_for: Any, regions: dict[str, Any], register: dict[str, Any]
) -> None:
    year = dt.date.today().year
    response = client_for("town_staff").get("/stats/report/", {"year": year})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    paragraphs = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]
    assert paragraphs[0] == f"金山店镇{year}年巩固拓展脱贫攻坚成果工作情况汇报"
    basic = paragraphs[paragraphs.index("一、基本情况") + 1]
    assert basic.startswith("金山店镇共有2个村，3户，6人，现有建档立卡稳定脱贫户1户2人，")
    assert f"{year}年新识别1户3人" in basic
    assert "三、政策落实情况" in paragraphs
    # Counted up to a cut-off date, as `--as-of`, and says so.
    assert f"截至{year}年1月1日" not in "\n".join(paragraphs)
    early = client_for("town_staff").get("/stats/report/", {"year": year, "as_of": f"{year}-01-01"})
    assert early.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(early.content)).paragraphs)
    assert f"截至{year}年1月1日" in text
    bad = client_for("town_staff").get(
        "/stats/report/", {"year": year, "as_of": f"{year - 1}-12-31"}
    )
    assert bad.status_code == 400 and "早于期间开始日" in bad.content.decode()


def test_the_api_is_scoped_and_accepts_a_bearer_token(
    client: Any, users: dict[str, Any], regions: dict[str, Any], register: dict[str, Any]
) -> None:
    _row, token = ApiToken.issue(users["other_town"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/stats", {"region": "金山店镇"}, **auth).status_code == 404
    assert client.get("/api/v1/stats", {"region": "420281100000"}, **auth).status_code == 404
    own = client.get("/api/v1/stats", **auth)
    assert own.status_code == 200
    assert own.json()["region"]["name"] == "还地桥镇"
    assert own.json()["monitored"]["persons"] == 4
    assert (
        client.get("/api/v1/stats", {"region": "还地桥镇/白羊村"}, **auth).json()["villages"] == 1
    )
    nonsense = client.get("/api/v1/stats", {"as_of": "nonsense"}, **auth)
    assert nonsense.status_code == 422
    assert nonsense.json()["detail"] == "参数统计日期（as_of）的值无效，应为YYYY-MM-DD 格式的日期"
    town_id = str(regions["town"].pk)
    assert client.get("/api/v1/stats", {"region": town_id}, **auth).status_code == 404
    own_id = str(regions["other_town"].pk)
    assert client.get("/api/v1/stats", {"region": own_id}, **auth).json()["villages"] == 1
    assert client.get("/api/v1/stats").status_code == 401
    client.force_login(users["county_admin"])
    county = client.get("/api/v1/stats", {"region": "420281000000", "as_of": "2020-01-01"})
    assert county.json()["monitored"]["households"] == 0
    assert county.json()["alleviated"] == {"households": 1, "persons": 2}


def test_a_statistics_date_after_today_is_refused_everywhere_and_today_is_counted(
    client_for: Any,
    client: Any,
    users: dict[str, Any],
    register: dict[str, Any],
    tmp_path: Any,
) -> None:
    """Today as core.dates says (pinned): a later date would count today's register as that
    day's. The commands exit 2, the API answers 400, the report page 400 and the dashboard says
    so and counts today; today itself is counted as before."""
    from unittest.mock import patch

    pinned, later = dt.date(2026, 6, 30), "2026-07-01"
    refused = "统计日期2026-07-01晚于今天（2026-06-30），不能统计未来"
    _row, token = ApiToken.issue(users["town_staff"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with patch("core.dates.today", return_value=pinned):
        with pytest.raises(CommandError) as caught:
            call_command("stats", "--region", "金山店镇", "--as-of", later, stdout=io.StringIO())
        assert (caught.value.returncode, str(caught.value)) == (2, f"--as-of：{refused}")
        out = tmp_path / "report.docx"
        with pytest.raises(CommandError) as caught:
            call_command(
                "report", "work-summary", "--region", "金山店镇", "--year", "2026",
                "--as-of", later, "--out", str(out), stdout=io.StringIO(),
            )  # fmt: skip
        assert caught.value.returncode == 2
        assert (
            str(caught.value) == "--as-of：截止日期2026-07-01晚于今天（2026-06-30），不能统计未来"
        )
        assert not out.exists()
        api = client.get("/api/v1/stats", {"as_of": later}, **auth)
        assert (api.status_code, api.json()) == (400, {"detail": refused})
        town = client_for("town_staff")
        report_page = town.get("/stats/report/", {"year": 2026, "as_of": later})
        assert report_page.status_code == 400 and "不能统计未来" in report_page.content.decode()
        page = town.get("/stats/", {"as_of": later})
        assert page.status_code == 200 and page.context["as_of"] == pinned
        assert f"{refused}，已改用今天" in page.content.decode()
        # Today is counted as before.
        today = client.get("/api/v1/stats", {"as_of": pinned.isoformat()}, **auth)
        assert today.status_code == 200 and today.json()["as_of"] == "2026-06-30"
        out_today = io.StringIO()
        call_command("stats", "--region", "金山店镇", "--as-of", "2026-06-30", stdout=out_today)
        assert json.loads(out_today.getvalue().strip().splitlines()[-1])["as_of"] == "2026-06-30"


def test_the_command_exits_2_for_an_unknown_region_or_a_bad_date(
    regions: dict[str, Any], register: dict[str, Any]
) -> None:
    for args in (["--region", "不存在镇"], ["--region", "金山店镇", "--as-of", "2023-02-30"]):
        with pytest.raises(CommandError) as caught:
            call_command("stats", *args, stdout=io.StringIO())
        assert caught.value.returncode == 2
    out = io.StringIO()
    call_command("stats", "--region", "大冶市/金山店镇/朝阳村", stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["monitored"]["not_eliminated"]["households"] == 1
    with pytest.raises(CommandError) as caught:
        call_command(
            "report", "work-summary", "--region", "不存在镇", "--year", "2023", "--out", "x.docx"
        )
    assert caught.value.returncode == 2
