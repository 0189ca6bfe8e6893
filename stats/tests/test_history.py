"""Every number of formats.md §4, computed from a register with a real history, at several dates."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from fangpin.testing import id_number, make_household, run_command
from registry import services
from registry.models import Membership, Person
from stats import ledgers
from stats.services import compute, compute_with_children

D = dt.date


def pair(households: int, persons: int) -> dict[str, int]:
    return {"households": households, "persons": persons}


def expected(
    region: Any,
    as_of: dt.date,
    *,
    villages: int,
    households: tuple,
    alleviated: tuple,
    stable: tuple,
    eliminated: tuple,
    categories: dict[str, tuple] | None = None,
    years: dict[str, tuple] | None = None,
    new: tuple = (0, 0),
    gone: tuple = (0, 0),
    exits: dict[str, Any] | None = None,
) -> dict[str, Any]:
    categories = categories or {}
    years = years or {}
    open_h = sum(v[0] for v in categories.values())
    open_p = sum(v[1] for v in categories.values())
    return {
        "region": {"code": region.code, "name": region.name},
        "as_of": as_of.isoformat(),
        "villages": villages,
        "households": pair(*households),
        "alleviated": pair(*alleviated),
        "alleviated_stable": pair(*stable),
        "monitored": {
            "households": open_h + eliminated[0],
            "persons": open_p + eliminated[1],
            "eliminated": pair(*eliminated),
            "not_eliminated": {
                "households": open_h,
                "persons": open_p,
                "by_category": {
                    c: pair(*categories.get(c, (0, 0)))
                    for c in ("突发严重困难户", "脱贫不稳定户", "边缘易致贫户")
                },
                "by_identified_year": {y: pair(*v) for y, v in years.items()},
            },
        },
        "identified_this_year": pair(*new),
        "eliminated_this_year": pair(*gone),
        "exits_this_year": exits or {"monitored": {}, "alleviated": {}},
        "communities": 0,
        "alleviated_villages": {"count": 0, "names": []},
        "key_villages": {"count": 0, "names": []},
    }


@pytest.fixture
def history(regions: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Seven households whose statuses and members change between 2019 and 2023."""

    def on(day: dt.date) -> None:
        monkeypatch.setattr(services, "today", lambda: day)

    village, village2 = regions["village"], regions["village2"]
    on(D(2019, 5, 1))
    h1 = make_household(village, members=3, is_alleviated=True, alleviated_year=2016)
    h3 = make_household(
        village2,
        members=2,
        is_alleviated=True,
        alleviated_year=2015,
        category="脱贫不稳定户",
        identified_date=D(2019, 5, 1),
        risk_list=["因病"],
    )
    h6 = make_household(village, members=2)
    h7 = make_household(village2, members=1)
    on(D(2020, 6, 1))
    services.update_household(
        source="导入",
        actor=None,
        household=h3,
        risk_eliminated=True,
        eliminated_date=D(2020, 6, 1),
        elimination_method="帮扶消除",
    )
    on(D(2021, 3, 1))
    h2 = make_household(
        village,
        members=4,
        category="突发严重困难户",
        identified_date=D(2021, 3, 1),
        risk_list=["因自然灾害"],
    )
    on(D(2021, 6, 1))
    services.remove_member(actor=None, person=h7.persons.get(), reason="迁出", date=D(2021, 6, 1))
    h5 = make_household(
        regions["other_village"],
        members=1,
        category="突发严重困难户",
        identified_date=D(2021, 6, 1),
        risk_list=["因自然灾害"],
    )
    on(D(2022, 4, 1))
    services.update_household(
        source="导入",
        actor=None,
        household=h3,
        risk_eliminated=False,
        eliminated_date=None,
        elimination_method="",
        identified_date=D(2022, 4, 1),
    )
    on(D(2022, 6, 1))
    services.update_household(
        source="导入",
        actor=None,
        household=h2,
        risk_eliminated=True,
        eliminated_date=D(2022, 6, 1),
        elimination_method="帮扶消除",
    )
    on(D(2022, 9, 1))
    services.update_household(
        source="导入",
        actor=None,
        household=h2,
        risk_eliminated=False,
        eliminated_date=None,
        elimination_method="",
    )
    on(D(2023, 1, 10))
    services.update_household(source="导入", actor=None, household=h3, category="突发严重困难户")
    on(D(2023, 2, 1))
    h4 = make_household(
        village,
        members=2,
        category="边缘易致贫户",
        identified_date=D(2023, 2, 1),
        risk_list=["因学"],
    )
    on(D(2023, 3, 1))
    services.add_person(
        actor=None,
        household=h4,
        reason="出生",
        date=D(2023, 3, 1),
        name="新生儿",
        id_number=id_number(D(2023, 3, 1), "男"),
        relation="之孙子",
        sex="男",
    )
    on(D(2023, 5, 1))
    services.remove_member(
        actor=None, person=h4.persons.get(relation="配偶"), reason="死亡", date=D(2023, 5, 1)
    )
    on(D(2023, 8, 1))
    services.update_household(
        source="导入",
        actor=None,
        household=h4,
        risk_eliminated=True,
        eliminated_date=D(2023, 8, 1),
        elimination_method="自然消除",
    )
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5, "h6": h6, "h7": h7}


def test_statistics_follow_the_history_at_every_date(
    regions: dict[str, Any], history: dict[str, Any]
) -> None:
    town = regions["town"]
    assert Person.objects.filter(household=history["h4"]).count() == 3

    day = D(2020, 12, 31)
    assert compute(town, day) == expected(
        town,
        day,
        villages=2,
        # Members recorded as original (no start date) count from before the records.
        households=(6, 14),
        alleviated=(2, 5),
        stable=(1, 3),
        eliminated=(1, 2),
        gone=(1, 2),
    )

    day = D(2022, 7, 1)
    assert compute(town, day) == expected(
        town,
        day,
        villages=2,
        households=(5, 13),
        alleviated=(2, 5),
        stable=(1, 3),
        eliminated=(1, 4),
        categories={"脱贫不稳定户": (1, 2)},
        years={"2022": (1, 2)},
        new=(1, 2),
        gone=(1, 4),
    )

    day = D(2022, 12, 31)
    assert compute(town, day) == expected(
        town,
        day,
        villages=2,
        households=(5, 13),
        alleviated=(2, 5),
        stable=(1, 3),
        eliminated=(0, 0),
        categories={"突发严重困难户": (1, 4), "脱贫不稳定户": (1, 2)},
        years={"2021": (1, 4), "2022": (1, 2)},
        new=(1, 2),
        gone=(1, 4),
    )

    day = D(2023, 4, 1)
    assert compute(town, day) == expected(
        town,
        day,
        villages=2,
        households=(5, 14),
        alleviated=(2, 5),
        stable=(1, 3),
        eliminated=(0, 0),
        categories={"突发严重困难户": (2, 6), "边缘易致贫户": (1, 3)},
        years={"2021": (1, 4), "2022": (1, 2), "2023": (1, 3)},
        new=(1, 3),
    )

    day = D(2023, 12, 31)
    assert compute(town, day) == expected(
        town,
        day,
        villages=2,
        households=(5, 13),
        alleviated=(2, 5),
        stable=(1, 3),
        eliminated=(1, 2),
        categories={"突发严重困难户": (2, 6)},
        years={"2021": (1, 4), "2022": (1, 2)},
        new=(1, 2),
        gone=(1, 2),
    )


def test_the_county_adds_the_other_town_and_children_split_it(
    regions: dict[str, Any], history: dict[str, Any]
) -> None:
    day = D(2022, 7, 1)
    county = compute(regions["county"], day)
    town = compute(regions["town"], day)
    assert county["villages"] == 3
    assert county["households"] == pair(6, 14)
    assert county["monitored"]["not_eliminated"]["by_category"]["突发严重困难户"] == pair(1, 1)
    assert county["monitored"]["not_eliminated"]["by_identified_year"] == {
        "2021": pair(1, 1),
        "2022": pair(1, 2),
    }
    assert town["monitored"]["households"] == 2
    assert compute_with_children(regions["county"], day)[0] == county
    assert compute_with_children(regions["county"], day)[2] is None

    total, split, then = compute_with_children(regions["town"], day, D(2020, 12, 31))
    assert total == town
    assert then == compute(regions["town"], D(2020, 12, 31))
    # The earlier date is derived from the memberships that changed in between: check both ways.
    for now, before in ((D(2023, 4, 1), D(2022, 12, 31)), (D(2021, 1, 1), D(2023, 12, 31))):
        assert compute_with_children(regions["town"], now, before)[2] == compute(
            regions["town"], before
        )
    children = {c["region"]["name"]: c for c in split}
    assert set(children) == {"朝阳村", "仕秦村"}
    assert children["朝阳村"]["monitored"]["eliminated"] == pair(1, 4)
    assert children["仕秦村"]["monitored"]["not_eliminated"]["households"] == 1
    assert children["朝阳村"]["households"] == pair(4, 11)
    assert children["仕秦村"]["villages"] == 1


def test_un_marking_ends_monitoring_and_alleviation_on_its_day_and_is_counted_by_reason(
    regions: dict[str, Any], users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """剔除 ends a 监测对象, 清退 a 脱贫户 (seed 001: 剔除1户2人, 清退333户1019人)."""
    village = regions["village"]
    monkeypatch.setattr(services, "today", lambda: D(2023, 3, 1))
    wrong = make_household(
        village,
        members=2,
        category="边缘易致贫户",
        identified_date=D(2023, 3, 1),
        risk_list=["因病"],
    )
    cleared = make_household(village, members=3, is_alleviated=True, alleviated_year=2016)
    monkeypatch.setattr(services, "today", lambda: D(2023, 9, 1))
    county = users["county_admin"]
    services.unmark(
        actor=county, household=wrong, what="monitored", reason="剔除", on=D(2023, 9, 1)
    )
    services.unmark(actor=county, household=cleared, what="alleviated", reason="清退")
    before = compute(village, D(2023, 8, 31))
    assert before["monitored"]["households"] == 1 and before["alleviated"]["households"] == 1
    after = compute(village, D(2023, 9, 1))
    assert after["monitored"]["households"] == 0 and after["alleviated"]["households"] == 0
    assert after["exits_this_year"] == {
        "monitored": {"剔除": pair(1, 2)},
        "alleviated": {"清退": pair(1, 3)},
    }
    assert compute(village, D(2024, 1, 1))["exits_this_year"] == {
        "monitored": {},
        "alleviated": {},
    }
    wrong.refresh_from_db()
    assert (wrong.category, wrong.identified_date, wrong.risks) == ("", None, "")
    assert wrong.events.filter(kind="exited", reason="剔除", date=D(2023, 9, 1)).exists()


def test_only_a_county_admin_un_marks_and_only_with_a_known_reason(
    household: Any, users: dict[str, Any]
) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    services.update_household(
        source="导入",
        actor=None,
        household=household,
        category="突发严重困难户",
        identified_date=D(2023, 1, 1),
        risk_list=["因病"],
    )
    with pytest.raises(PermissionDenied, match="只有县级管理员"):
        services.unmark(
            actor=users["town_staff"], household=household, what="monitored", reason="剔除"
        )
    with pytest.raises(ValidationError, match="退出原因"):
        services.unmark(
            actor=users["county_admin"], household=household, what="monitored", reason="不想要"
        )
    household.refresh_from_db()
    assert household.category == "突发严重困难户"


def test_a_member_counts_from_birth_though_registered_with_no_start_date(
    regions: dict[str, Any], users: dict[str, Any], client_for: Any
) -> None:
    """An original member (an import's, with no membership start) born in 2024 is no member on
    2023-12-31: not in the statistics by command or API, the dashboard's earlier date, nor the
    ledgers (formats.md §4: persons are the household's members on that date)."""
    village, town = regions["village"], regions["town"]
    h = make_household(village, members=2, is_alleviated=True, alleviated_year=2019)
    child = services.add_person(
        actor=None,
        household=h,
        name="钱小十一",
        id_number=id_number(D(2024, 5, 1), "男"),
        relation="之子",
        sex="男",
    )
    assert (child.birth_date, child.memberships.get().start_date) == (D(2024, 5, 1), None)
    eve, born = D(2023, 12, 31), D(2024, 5, 1)

    figures = compute(village, eve)
    assert (figures["households"], figures["alleviated"]) == (pair(1, 2), pair(1, 2))
    assert compute(village, born)["alleviated"] == pair(1, 3)
    code, by_command, _ = run_command("stats", "--region", "朝阳村", "--as-of", eve.isoformat())
    assert code == 0 and by_command == figures
    api = client_for("county_admin").get(
        "/api/v1/stats", {"region": "420281100201", "as_of": eve.isoformat()}
    )
    assert api.status_code == 200 and api.json() == figures
    # The dashboard reads both dates in one pass; the earlier one must agree.
    _now, _split, then = compute_with_children(town, born, eve)
    assert then == compute(town, eve) and then["households"] == pair(1, 2)
    assert Membership.objects.on(eve).filter(household=h).count() == 2
    assert Membership.objects.on(born).filter(household=h).count() == 3
    ledger = ledgers.write("alleviated", village, users["county_admin"], eve)
    book = CalamineWorkbook.from_filelike(io.BytesIO(ledger))
    cells = [str(v) for row in book.get_sheet_by_index(0).to_python() for v in row]
    assert "钱小十一" not in cells and "2人" in cells


def test_an_elimination_undone_and_stated_again_counts_from_the_day_it_is_recorded(
    regions: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roll-back (风险消除回退) followed by the next import of the national register, which still
    says 风险已消除 with its old 风险消除时间: the register is eliminated again, and so are the
    statistics from that day — before, the new elimination sorted before the roll-back and the
    household stayed 风险未消除 for good. Likewise a roll-back and a new elimination on one day,
    and a re-identification stated before the elimination it undoes (not eliminated)."""
    village = regions["village"]

    def on(day: dt.date) -> None:
        monkeypatch.setattr(services, "today", lambda: day)

    def eliminated(h: Any, day: dt.date) -> bool:
        """Whether the statistics count `h` eliminated on `day`; on the day of the change, as
        the register says."""
        counted = compute(village, day)["monitored"]["eliminated"]["households"] == 1
        h.refresh_from_db()
        assert day != services.today() or counted == h.risk_eliminated, day
        return counted

    def change(h: Any, source: str = "导入", **fields: Any) -> None:
        services.update_household(source=source, actor=None, household=h, **fields)

    undone: dict[str, Any] = {
        "risk_eliminated": False,
        "eliminated_date": None,
        "elimination_method": "",
    }
    on(D(2022, 1, 1))
    h = make_household(
        village,
        members=2,
        category="突发严重困难户",
        identified_date=D(2022, 1, 1),
        risk_list=["因病"],
    )
    again: dict[str, Any] = {"risk_eliminated": True, "eliminated_date": D(2023, 8, 1)}
    on(D(2023, 8, 1))
    change(h, **again, elimination_method="帮扶消除")
    on(D(2024, 3, 1))
    change(h, "风险消除回退程序", **undone)
    assert not eliminated(h, D(2024, 3, 1)) and eliminated(h, D(2024, 2, 29))
    on(D(2024, 5, 1))
    change(h, **again, elimination_method="帮扶消除")
    assert eliminated(h, D(2024, 5, 1))
    assert not compute(village, D(2024, 4, 30))["monitored"]["eliminated"]["households"]
    assert compute(village, D(2024, 5, 1))["eliminated_this_year"] == pair(1, 2)

    on(D(2024, 6, 1))  # undone and eliminated again on one day
    change(h, "风险消除回退程序", **undone)
    change(h, **{**again, "eliminated_date": D(2024, 6, 1)}, elimination_method="自然消除")
    assert eliminated(h, D(2024, 6, 1))

    on(D(2024, 9, 1))  # 再标注 with a 识别监测时间 before the elimination it undoes
    change(h, **undone, identified_date=D(2024, 5, 15))
    assert not eliminated(h, D(2024, 9, 1))
    figures = compute(village, D(2024, 9, 1))["monitored"]["not_eliminated"]
    assert figures["households"] == 1 and figures["by_identified_year"] == {"2024": pair(1, 2)}


def test_a_household_un_marked_twice_in_a_year_counts_its_members_once(
    regions: dict[str, Any], users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """剔除, marked again by the next import, 剔除 again: one household of 3 persons in the
    year's exits, not 1 household of 6 persons."""
    village, county = regions["village"], users["county_admin"]
    monkeypatch.setattr(services, "today", lambda: D(2024, 2, 1))
    marked: dict[str, Any] = {
        "category": "边缘易致贫户",
        "identified_date": D(2024, 2, 1),
        "risk_list": ["因病"],
    }
    h = make_household(village, members=3, **marked)
    for day in (D(2024, 3, 1), D(2024, 8, 1)):
        monkeypatch.setattr(services, "today", lambda day=day: day)
        services.unmark(actor=county, household=h, what="monitored", reason="剔除")
        if day.month == 3:
            monkeypatch.setattr(services, "today", lambda: D(2024, 5, 1))
            services.update_household(source="导入", actor=None, household=h, **marked)
    figures = compute(village, D(2024, 12, 31))
    assert figures["exits_this_year"] == {"monitored": {"剔除": pair(1, 3)}, "alleviated": {}}
