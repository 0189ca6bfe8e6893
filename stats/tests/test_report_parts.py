"""The report's periods, its 剔除 / 清退 / 返贫 sentence, the web button for a half-year and a
month, and the region attributes (社区 not counted as 行政村, 脱贫村 named)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest.mock import patch

import docx
import pytest
from django.core.exceptions import ValidationError

from fangpin.testing import id_number, make_household
from regions.services import create_region, update_region
from registry.models import HouseholdEvent, Membership
from stats import periods
from stats.services import compute


def test_periods_parse_and_name_themselves() -> None:
    assert periods.parse("2023").label == "2023年"
    half = periods.parse("2023-h1")
    assert (half.start, half.end, half.label) == (
        dt.date(2023, 1, 1),
        dt.date(2023, 6, 30),
        "2023年上半年",
    )
    quarter = periods.parse("2024-Q1")
    assert (quarter.end, quarter.label) == (dt.date(2024, 3, 31), "2024年第一季度")
    month = periods.parse("2024-02")
    assert (month.start, month.end, month.label, month.code) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
        "2024年2月",
        "2024-02",
    )
    assert periods.months(dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == "1-12月"
    with pytest.raises(ValueError, match="期间应为"):
        periods.parse("2023-13")


def test_exits_returns_and_natural_changes_are_told(
    regions: dict[str, Any], client_for: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    day = dt.date(2023, 5, 10)
    kicked = make_household(
        regions["village"],
        members=2,
        category="边缘易致贫户",
        identified_date=dt.date(2022, 3, 1),
        risk_list=["因病"],
    )
    HouseholdEvent.objects.create(household=kicked, kind="exited", date=day, reason="剔除")
    cleared = make_household(
        regions["village"], members=3, is_alleviated=True, alleviated_year=2016
    )
    HouseholdEvent.objects.create(household=cleared, kind="unalleviated", date=day, reason="清退")
    back = make_household(
        regions["village"],
        members=1,
        category="脱贫不稳定户",
        is_alleviated=True,
        alleviated_year=2016,
        identified_date=dt.date(2021, 3, 1),
        risk_list=["因病"],
    )
    HouseholdEvent.objects.create(
        household=back, kind="reidentified", date=day, category="脱贫不稳定户"
    )
    Membership.objects.filter(household=back).update(
        start_date=dt.date(2023, 2, 1), start_reason="出生"
    )
    with patch("core.dates.today", return_value=dt.date(2023, 12, 31)):
        response = client_for("town_staff").get("/stats/report/", {"year": "2023", "part": "H1"})
    assert response.status_code == 200
    assert "2023%E5%B9%B4%E4%B8%8A%E5%8D%8A%E5%B9%B4" in response["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "金山店镇2023年上半年巩固拓展脱贫攻坚成果工作情况汇报" in text
    assert "剔除监测对象1户2人" in text
    assert "清退脱贫户1户3人" in text
    assert "风险消除后返贫（风险再标注）1户1人" in text
    assert "自然增加1人" in text
    with patch("core.dates.today", return_value=dt.date(2023, 12, 31)):
        month = client_for("town_staff").get("/stats/report/", {"period": "2023-05"})
        assert month.status_code == 200
        bad = client_for("town_staff").get("/stats/report/", {"period": "2023-H3"})
        assert bad.status_code == 400
    with patch("core.dates.today", return_value=dt.date(2023, 3, 1)):
        early = client_for("town_staff").get("/stats/report/", {"period": "2023-Q3"})
        assert early.status_code == 400 and "2023年第三季度尚未开始" in early.content.decode()


def test_the_monitored_households_with_an_elimination_are_told_by_the_year_first_identified(
    regions: dict[str, Any],
) -> None:
    from stats.report import context

    def monitored(members: int, identified: dt.date, *events: tuple[str, dt.date, str]) -> None:
        household = make_household(
            regions["village"],
            members=members,
            category="边缘易致贫户",
            identified_date=identified,
            risk_list=["因病"],
        )
        for kind, day, risks in events:
            HouseholdEvent.objects.create(household=household, kind=kind, date=day, risks=risks)

    monitored(2, dt.date(2021, 3, 1), ("eliminated", dt.date(2022, 6, 1), ""))
    monitored(3, dt.date(2021, 4, 1))
    monitored(
        1,
        dt.date(2020, 3, 1),
        ("eliminated", dt.date(2021, 5, 1), ""),
        ("reidentified", dt.date(2023, 2, 1), "因安全住房、因病"),
    )
    monitored(4, dt.date(2020, 5, 1), ("reidentified", dt.date(2022, 2, 1), "因灾"))
    monitored(5, dt.date(2019, 5, 1))  # never eliminated: told only by its year below
    basic = context(regions["town"], 2023, today=dt.date(2023, 12, 31))["basic"]
    assert (
        "监测户5户15人（2020年识别2户5人，1户4人2022年因灾重新识别，"
        "1户1人2021年消除风险后2023年因安全住房、因病重新识别；"
        "2021年识别2户5人，1户2人2022年已消除风险），现有未消除风险监测户4户13人"
    ) in basic


def test_communities_are_not_villages_and_alleviated_villages_are_named(
    regions: dict[str, Any],
) -> None:
    town = regions["town"]
    community = create_region(actor=None, name="金山社区", level=3, parent=town)
    update_region(actor=None, region=community, name="金山社区", is_community=True)
    update_region(
        actor=None, region=regions["village"], name="朝阳村", code="420281100201",
        is_alleviated_village=True, is_key_village=True,
    )  # fmt: skip
    found = compute(town, dt.date(2023, 12, 31))
    assert (found["villages"], found["communities"]) == (2, 1)
    assert found["alleviated_villages"] == {"count": 1, "names": ["朝阳村"]}
    assert found["key_villages"] == {"count": 1, "names": ["朝阳村"]}
    with pytest.raises(ValidationError):
        update_region(actor=None, region=town, name=town.name, code=town.code, is_community=True)


def test_the_statistics_page_names_communities_and_alleviated_villages(
    regions: dict[str, Any], client_for: Any
) -> None:
    community = create_region(actor=None, name="金山社区", level=3, parent=regions["town"])
    update_region(actor=None, region=community, name="金山社区", is_community=True)
    update_region(
        actor=None, region=regions["village"], name="朝阳村", code="420281100201",
        is_alleviated_village=True,
    )  # fmt: skip
    page = client_for("town_staff").get("/stats/").content.decode()
    assert "2个行政村（其中脱贫村1个）、1个社区" in page


def test_a_department_push_is_named_by_its_department(
    regions: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    """Seed 002: "5月集中排查新增24户47人，10月省医保推送新增2户5人"."""
    from exchange.engine import ensure_rules
    from exchange.models import Item
    from monitoring.models import Case, Lead
    from stats.report import render

    settings.DATA_DIR = tmp_path
    h = make_household(
        regions["village"],
        members=3,
        category="突发严重困难户",
        identified_date=dt.date(2023, 10, 20),
        risk_list=["因病"],
    )
    rule = ensure_rules()["C_AGE_LABOUR"]
    item = Item.objects.create(
        rule=rule, kind=rule.kind, severity=rule.severity, source="medical", household=h,
        region=h.region, fingerprint="fp", message="医保自付较高",
        last_seen=dt.datetime(2023, 10, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    lead = Lead.objects.create(
        region=h.region, household=h, source="部门筛查预警", reported_date=dt.date(2023, 10, 2),
        status="closed", origin=f"exchange.warning:{item.pk}",
    )  # fmt: skip
    Case.objects.create(
        kind="identify", status="approved", region=h.region, household=h, lead=lead,
        start_date=lead.reported_date, category=h.category, decision_date=dt.date(2023, 10, 20),
    )  # fmt: skip
    data = render(regions["town"], 2023, today=dt.date(2023, 12, 31))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "通过医保推送，识别监测对象1户3人，其中突发严重困难户1户3人" in text
    assert "分月看，10月医保推送新增1户3人" in text


def test_natural_changes_count_only_households_that_were_marked_on_the_day_of_the_change(
    regions: dict[str, Any],
) -> None:
    """自然增减 are the members who joined or left a 脱贫户 or 监测户 (on the day they did):
    not the move of a household identified only after it, nor the birth in one 清退 before."""
    from registry import services
    from stats.report import context

    village = regions["village"]
    later = make_household(village, members=3)  # 一般农户 when its member moved out
    services.remove_member(
        actor=None, person=later.persons.last(), reason="迁出", date=dt.date(2023, 4, 1)
    )
    HouseholdEvent.objects.create(
        household=later, kind="identified", date=dt.date(2023, 6, 20), category="边缘易致贫户"
    )
    kept = make_household(village, members=2, is_alleviated=True, alleviated_year=2016)
    services.remove_member(
        actor=None, person=kept.persons.last(), reason="死亡", date=dt.date(2023, 7, 10)
    )
    cleared = make_household(village, members=2, is_alleviated=True, alleviated_year=2016)
    HouseholdEvent.objects.create(
        household=cleared, kind="unalleviated", date=dt.date(2023, 3, 1), reason="清退"
    )
    birth = dt.date(2023, 5, 1)
    services.add_person(
        actor=None, household=cleared, reason="出生", date=birth, name="新生",
        id_number=id_number(birth, "男"), relation="之孙子", sex="男", birth_date=birth,
    )  # fmt: skip
    found = context(regions["town"], 2023, today=dt.date(2023, 12, 31))
    work = "\n".join(next(p for p in found["parts"] if p["heading"].startswith("四"))["paragraphs"])
    assert "1-12月脱贫户、监测户自然增加0人，自然减少1户1人" in work
    rows = {r["label"]: r["value"] for r in found["appendix"]}
    assert (rows["自然增加"], rows["自然减少"]) == ("0户0人", "1户1人")


def test_a_merged_lead_is_not_a_lead_of_its_own_in_the_text_or_the_appendix(
    regions: dict[str, Any], users: dict[str, Any]
) -> None:
    """One figure, one definition: the household reported twice is one lead (the second is
    merged into the first), in 四（一） and in the appendix's 系统记录 alike."""
    from monitoring import services
    from stats.report import context

    household = make_household(regions["village"], members=2)
    actor = users["county_admin"]
    services.create_lead(
        actor=actor, source="基层干部排查", reported_date=dt.date(2023, 5, 2),
        household=household, risks=["因病"],
    )  # fmt: skip
    again = services.create_lead(
        actor=actor, source="部门筛查预警", reported_date=dt.date(2023, 5, 9),
        household=household, risks=["因学"],
    )  # fmt: skip
    assert again.status == "merged"
    found = context(regions["town"], 2023, today=dt.date(2023, 12, 31))
    work = "\n".join(next(p for p in found["parts"] if p["heading"].startswith("四"))["paragraphs"])
    assert "1-12月共排查预警线索1条" in work
    rows = {r["label"]: r["value"] for r in found["appendix"]}
    assert rows["预警线索"] == rows["排查预警线索"] == "1条"
