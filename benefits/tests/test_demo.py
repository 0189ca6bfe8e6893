"""The demo builder fills the benefit ledgers consistently: the B checks stay quiet on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from benefits import checks
from benefits.demo import build_demo
from benefits.models import EducationAidRow, HousingRenovationRow, YuluRow
from fangpin.testing import id_number, make_household
from registry import services
from registry.models import Person


def test_the_demo_fills_the_benefit_ledgers_without_tripping_the_checks(
    regions: dict[str, Any], users: dict[str, Any], monkeypatch: Any
) -> None:
    as_of = dt.date(2024, 10, 20)
    monkeypatch.setattr(checks, "today", lambda: as_of)
    poor = make_household(regions["village"], is_alleviated=True, alleviated_year=2018)
    services.add_person(
        actor=None,
        household=poor,
        name="学生甲",
        id_number=id_number(dt.date(2007, 3, 1), "男"),
        relation="之孙子",
        sex="男",
    )
    Person.objects.filter(name="学生甲").update(schooling="中职二年级")
    services.add_person(
        actor=None,
        household=poor,
        name="学生乙",
        id_number=id_number(dt.date(2014, 3, 1), "女"),
        relation="之孙女",
        sex="女",
    )
    make_household(
        regions["village2"],
        category="突发严重困难户",
        identified_date=dt.date(2023, 4, 1),
        risk_list=["因安全住房"],
    )
    make_household(regions["village"])  # 一般农户: nothing
    counts = build_demo(regions["county"], as_of, seed=3)
    assert counts["yulu"] == YuluRow.objects.count() >= 4  # two terms in each of two years
    assert counts["education_aid"] == EducationAidRow.objects.count()
    assert counts["housing_renovation"] == HousingRenovationRow.objects.count() == 1
    assert set(YuluRow.objects.values_list("person__name", flat=True)) >= {"学生甲"}
    assert checks.yulu_not_eligible(regions["county"], {"years": 3}) == []
    assert checks.yulu_above_standard(regions["county"], {"per_term": 1500, "per_year": 3000}) == []
    assert not [
        f
        for f in checks.education_not_received(regions["county"], {"from_month": 7})
        if "学生甲" in f["message"]
    ]
