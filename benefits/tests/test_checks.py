"""The B checks: each fires on data built to show it and stays silent on clean data."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from benefits import checks
from benefits.models import EducationAidRow, HousingRenovationRow, YuluRow
from core import hooks
from exchange.readers import SOURCES
from fangpin.testing import make_household
from registry.models import Person

TODAY = dt.date(2024, 10, 8)


@pytest.fixture(autouse=True)
def on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "today", lambda: TODAY)


@pytest.fixture
def homes(regions: dict[str, Any]) -> dict[str, Any]:
    village = regions["village"]
    return {
        "poor": make_household(village, is_alleviated=True, alleviated_year=2019),
        "monitored": make_household(
            village,
            category="边缘易致贫户",
            identified_date=dt.date(2023, 5, 1),
            risk_list=["因学"],
        ),
        "eliminated": make_household(
            village,
            category="边缘易致贫户",
            identified_date=dt.date(2022, 1, 10),
            risk_list=["因病"],
            risk_eliminated=True,
            eliminated_date=dt.date(2024, 2, 1),
            elimination_method="帮扶消除",
        ),
        "study": make_household(
            village,
            category="突发严重困难户",
            identified_date=dt.date(2024, 4, 1),
            risk_list=["因学"],
        ),
        "plain": make_household(village),
    }


def student(household: Any, schooling: str = "中职一年级") -> Person:
    person = household.persons.order_by("pk").last()
    Person.objects.filter(pk=person.pk).update(schooling=schooling)
    person.refresh_from_db()
    return person


def yulu(person: Any, year: int, term: str, amount: str = "1500") -> YuluRow:
    return YuluRow.objects.create(
        person=person,
        household_id=person.household_id,
        region_id=person.household.region_id,
        year=year,
        term=term,
        level="中职",
        amount=Decimal(amount),
    )


def fired(found: list[dict]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for f in found:
        out.setdefault(f["household_id"], []).append(f["message"])
    return out


def test_b01_yulu_only_for_alleviated_or_not_eliminated_monitored_households_at_term_start(
    homes: dict[str, Any], regions: dict[str, Any]
) -> None:
    yulu(student(homes["poor"]), 2024, "春季")
    yulu(student(homes["monitored"]), 2024, "秋季")
    late = student(homes["eliminated"])
    yulu(late, 2023, "秋季")  # on 2023-09-01 the risk was not yet eliminated: fine
    assert checks.yulu_not_eligible(regions["county"], {"years": 3}) == []
    yulu(late, 2024, "春季")  # eliminated 2024-02-01, before the spring term
    yulu(student(homes["plain"]), 2024, "秋季")
    found = fired(checks.yulu_not_eligible(regions["county"], {"years": 3}))
    assert set(found) == {homes["eliminated"].pk, homes["plain"].pk}
    assert "2024-03-01（学期开始）既不是脱贫户" in found[homes["eliminated"].pk][0]
    assert checks.yulu_not_eligible(regions["other_town"], {"years": 3}) == []


def test_b02_yulu_only_for_vocational_students(
    homes: dict[str, Any], regions: dict[str, Any]
) -> None:
    yulu(student(homes["poor"], "高职高专二年级"), 2024, "春季")
    yulu(student(homes["monitored"], "中职三年级"), 2024, "春季")
    yulu(
        student(homes["study"], "高中一年级"), 2023, "秋季"
    )  # last year: the register has moved on
    assert checks.yulu_not_vocational(regions["county"]) == []
    yulu(homes["study"].persons.order_by("pk").first(), 2024, "春季")
    found = fired(checks.yulu_not_vocational(regions["county"]))
    assert list(found) == [homes["study"].pk]
    assert "在校生状况为“未填写”" in found[homes["study"].pk][0]


def test_b03_yulu_within_the_yearly_standard(
    homes: dict[str, Any], regions: dict[str, Any]
) -> None:
    params = {"per_term": 1500, "per_year": 3000}
    pupil = student(homes["poor"])
    yulu(pupil, 2024, "春季")
    yulu(pupil, 2024, "秋季")
    assert checks.yulu_above_standard(regions["county"], params) == []
    YuluRow.objects.filter(term="秋季").update(amount=Decimal("2000"))
    messages = [f["message"] for f in checks.yulu_above_standard(regions["county"], params)]
    assert len(messages) == 2
    assert any("超过每学期标准1500元" in m for m in messages)
    assert any("合计3500.00元，超过年度标准3000元" in m for m in messages)
    # A county that pays more that year sets its standard higher: then nothing fires.
    assert checks.yulu_above_standard(regions["county"], {"per_term": 2000, "per_year": 4000}) == []


def test_b04_vocational_students_and_study_risk_households_without_education_aid(
    homes: dict[str, Any], regions: dict[str, Any]
) -> None:
    params = {"from_month": 7}
    helped = student(homes["poor"])
    yulu(helped, 2024, "春季")
    student(homes["plain"])  # 一般农户: not entitled
    child = homes["study"].persons.order_by("pk").last()
    EducationAidRow.objects.create(
        person=child,
        household_id=child.household_id,
        region_id=child.household.region_id,
        year=2024,
        item="生活补助",
        stage="初中",
    )
    monitored_pupil = student(homes["monitored"])
    yulu(monitored_pupil, 2024, "秋季")
    assert checks.education_not_received(regions["county"], params) == []
    YuluRow.objects.filter(person=monitored_pupil).delete()
    EducationAidRow.objects.all().delete()
    found = fired(checks.education_not_received(regions["county"], params))
    assert set(found) == {homes["monitored"].pk, homes["study"].pk}
    assert "中职一年级学生" in found[homes["monitored"].pk][0]  # the student, not the household
    assert "风险类型含因学" in found[homes["study"].pk][0]
    # Before July the year looked at is the last one.
    assert checks._check_year(dt.date(2024, 3, 1), 7) == 2023


def housing_file(path: Path, rows: list[tuple[Any, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SOURCES["housing"].headers)
        for person, grade, day in rows:
            writer.writerow([person.id_number, person.name, grade, day])
    return path


def test_b05_unsafe_houses_without_renovation_or_housing_measure(
    homes: dict[str, Any], regions: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    from exchange import services

    settings.DATA_DIR = tmp_path
    head = {k: h.persons.order_by("pk").first() for k, h in homes.items()}
    rows = [
        (head["poor"], "D", "2024-05-01"),  # renovated in 2024
        (head["monitored"], "C", "2024-05-01"),  # a 住房安全保障 measure
        (head["study"], "B", "2024-05-01"),  # safe
        (head["eliminated"], "D", "2023-05-01"),
        (head["eliminated"], "B", "2024-06-01"),  # appraised again: safe now
    ]
    batch = services.compare(
        actor=None,
        source="housing",
        path=housing_file(tmp_path / "housing.csv", rows),
        as_of=TODAY,
        region=regions["county"],
    )
    assert batch.status == "done" and batch.rejected_rows == 0
    HousingRenovationRow.objects.create(
        household=homes["poor"], region=homes["poor"].region, year=2024, grade="D级"
    )
    hooks.call(
        "assistance.save_measure",
        actor=None,
        household=homes["monitored"],
        category="住房安全保障",
        start_date=dt.date(2024, 6, 1),
    )
    assert checks.unsafe_house_without_renovation(regions["county"]) == []
    late = services.compare(
        actor=None,
        source="housing",
        path=housing_file(tmp_path / "housing2.csv", [(head["plain"], "D", "2024-08-01")]),
        as_of=TODAY,
        region=regions["county"],
    )
    assert late.status == "done"
    HousingRenovationRow.objects.filter(household=homes["poor"]).update(year=2023)  # before
    found = fired(checks.unsafe_house_without_renovation(regions["county"]))
    assert set(found) == {homes["plain"].pk, homes["poor"].pk}
    assert "住建鉴定为D级危房（2024-08-01）" in found[homes["plain"].pk][0]
    assert checks.unsafe_house_without_renovation(regions["other_town"]) == []


def test_the_checks_run_with_fangpin_check_into_the_findings_queue(
    homes: dict[str, Any], regions: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from exchange import services
    from exchange.models import Item

    yulu(student(homes["plain"]), TODAY.year, "秋季")
    services.run_checks(actor=None, region=regions["county"], as_of=TODAY)
    item = Item.objects.get(rule__code="B01")
    assert item.household_id == homes["plain"].pk and item.status == "open"
