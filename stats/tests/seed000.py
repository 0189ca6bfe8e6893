"""A register matching seed 000's 基本情况 (金山店镇, as of 2023-11-14), bulk-created.

金山店镇共有22个村 … 16193户，46892人，现有建档立卡稳定脱贫户429户900人，监测户35户106人
（2019年识别3户5人，2户4人2020年已消除风险，1户1人2020年消除风险后2022年因危房改造重新识别），
现有未消除风险监测户33户102人，（2021年新识别4户11人，2022年新识别22户73人，2023年新识别7户19人），
其中突发严重困难户17户62人，脱贫不稳定户8户13人，边缘易致贫户8户27人。

The seed's figures by identification year add up to 103 persons while the not-eliminated total
(and the categories) make 102: no register can give both. This register keeps the totals and the
categories and has 2022年新识别22户72人. The village and 脱贫户/监测户 figures are the seed's; the
register's totals are a tenth of the town's (1619户4469人).

Statuses are written as the events `registry.rules.status_events` produces for them, so the history
has the same shape as one written through `registry.services`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db import connection, models
from django.db.models import F

from regions.models import Region
from regions.services import create_region
from registry import rules
from registry.models import Household, HouseholdEvent, Membership, Person

AS_OF = dt.date(2023, 11, 14)
# The seed's 16193户46892人 cost a minute per test on a busy PostgreSQL; a tenth keeps the test
# quick, and every 脱贫户/监测户 figure is the seed's own.
TOTAL_HOUSEHOLDS, TOTAL_PERSONS = 1619, 4469

# (identified, category, members) of the 33 not-eliminated 监测户, by year.
OPEN = (
    [(dt.date(2021, 4, 1), "突发严重困难户", n) for n in (3, 3)]
    + [(dt.date(2021, 5, 1), "边缘易致贫户", n) for n in (2, 3)]
    + [(dt.date(2022, 3, 1), "脱贫不稳定户", n) for n in (2, 2, 2, 2, 1)]
    + [(dt.date(2022, 5, 1), "突发严重困难户", n) for n in (4,) * 9 + (3, 3)]
    + [(dt.date(2022, 7, 1), "边缘易致贫户", n) for n in (4,) * 5]
    + [(dt.date(2023, 2, 1), "脱贫不稳定户", n) for n in (2, 1)]
    + [(dt.date(2023, 3, 1), "突发严重困难户", n) for n in (4, 4, 3, 3)]
    + [(dt.date(2023, 6, 1), "边缘易致贫户", 2)]
)

_ids = itertools.count(1)


def fast_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT many rows: the model's defaults, overlaid by each row's values.

    The ORM's bulk_create spends seconds preparing 100,000 rows field by field; the fixture
    needs only a few columns to differ.
    """
    base = model()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_db_prep_save(f.pre_save(base, True), connection) for f in fields}
    columns = [f.attname for f in fields]
    prep = {f.attname: f for f in fields}
    table = model._meta.db_table
    names = ", ".join(connection.ops.quote_name(prep[c].column) for c in columns)
    values = []
    for row in rows:
        # Only dates need the backend's conversion; the other values are plain ints and text.
        merged = defaults | {
            k: prep[k].get_db_prep_save(v, connection) if isinstance(v, dt.date) else v
            for k, v in row.items()
        }
        values.append([merged[c] for c in columns])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the fastest way in; psycopg parses a huge INSERT slowly on the client.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)


def _status(**kw: Any) -> rules.HouseholdStatus:
    base: dict[str, Any] = {
        "is_alleviated": False,
        "alleviated_year": None,
        "category": "",
        "risks": [],
        "identified_date": None,
        "risk_eliminated": False,
        "eliminated_date": None,
        "elimination_method": "",
    }
    return rules.HouseholdStatus(**(base | kw))


def build() -> dict[str, Any]:
    """Create 金山店镇 (22 villages) and its register; returns the town."""
    county = create_region(actor=None, name="大冶市", level=1, code="420281000000")
    town = create_region(actor=None, name="金山店镇", level=2, parent=county, code="420281100000")
    # 22个村（其中有三个脱贫村朝阳村、仕秦村、向阳村），2个社区.
    names = ["朝阳村", "仕秦村", "向阳村"] + [f"第{i + 1}村" for i in range(3, 22)]
    villages = [create_region(actor=None, name=name, level=3, parent=town) for name in names]
    Region.objects.filter(pk__in=[v.pk for v in villages[:3]]).update(is_alleviated_village=True)
    for name in ("金山社区", "东山社区"):
        community = create_region(actor=None, name=name, level=3, parent=town)
        Region.objects.filter(pk=community.pk).update(is_community=True)
    retired = create_region(actor=None, name="已撤并村", level=3, parent=town)
    Region.objects.filter(pk=retired.pk).update(retired=True)

    # Each spec: (members, list of successive statuses with the day each was recorded).
    specs: list[tuple[int, list[tuple[rules.HouseholdStatus, dt.date]]]] = []
    alleviated = {"is_alleviated": True, "alleviated_year": 2016}
    for members in [3] * 42 + [2] * 387:
        specs.append((members, [(_status(**alleviated), AS_OF)]))
    for identified, category, members in OPEN:
        extra = alleviated if category == "脱贫不稳定户" else {}
        kw = {"category": category, "risks": ["因病"], "identified_date": identified}
        specs.append((members, [(_status(**kw, **extra), identified)]))
    eliminated = {
        "risk_eliminated": True,
        "eliminated_date": dt.date(2020, 9, 1),
        "elimination_method": "帮扶消除",
    }
    for members in (2, 2):
        kw = {"category": "边缘易致贫户", "risks": ["因学"], "identified_date": dt.date(2019, 6, 1)}
        specs.append(
            (
                members,
                [
                    (_status(**kw), dt.date(2019, 6, 1)),
                    (_status(**kw, **eliminated), dt.date(2020, 9, 1)),
                ],
            )
        )
    # 1户1人: identified 2019, eliminated 2020, re-identified 2022 (危房改造).
    kw = {"category": "脱贫不稳定户", "risks": ["因病"], "identified_date": dt.date(2019, 6, 1)}
    again = kw | {"risks": ["因安全住房"], "identified_date": dt.date(2022, 8, 1)}
    specs.append(
        (
            1,
            [
                (_status(**kw, **alleviated), dt.date(2019, 6, 1)),
                (_status(**kw, **alleviated, **eliminated), dt.date(2020, 9, 1)),
                (_status(**again, **alleviated), dt.date(2022, 8, 1)),
            ],
        )
    )
    used_h, used_p = len(specs), sum(m for m, _ in specs)
    plain_h = TOTAL_HOUSEHOLDS - used_h
    threes = (TOTAL_PERSONS - used_p) - 2 * plain_h
    specs += [(3, [])] * threes + [(2, [])] * (plain_h - threes)

    fast_insert(
        Household,
        [
            {
                "number": f"42028110{i:010d}",
                "region_id": villages[i % len(villages)].pk,
                "head_name": f"户主{i}",
                "member_count": members,
            }
            for i, (members, _) in enumerate(specs)
        ],
    )
    ids = dict(Household.objects.values_list("number", "pk"))
    household_ids = [ids[f"42028110{i:010d}"] for i in range(len(specs))]
    events: list[HouseholdEvent] = []
    persons: list[dict[str, Any]] = []
    for hid, (members, statuses) in zip(household_ids, specs, strict=True):
        before = None
        for status, day in statuses:
            events += [
                HouseholdEvent(household_id=hid, source="测试", **e)
                for e in rules.status_events(before, status, day)
            ]
            before = status
        for k in range(members):
            persons.append(
                {
                    "household_id": hid,
                    "name": f"成员{hid}-{k}",
                    "id_number": f"T{next(_ids):017d}",
                    "relation": "户主" if k == 0 else "之子",
                }
            )
    # Noise the date must ignore: an identification after it, members before and after it.
    late = household_ids[-1]
    events.append(
        HouseholdEvent(
            household_id=late,
            kind="identified",
            date=dt.date(2023, 12, 1),
            category="突发严重困难户",
        )
    )
    HouseholdEvent.objects.bulk_create(events, batch_size=2000)
    persons += [
        {
            "household_id": late,
            "name": "迁出者",
            "id_number": "T_GONE",
            "relation": "之女",
            "is_member": False,
        },
        {"household_id": late, "name": "新生儿", "id_number": "T_BORN", "relation": "之孙子"},
    ]
    fast_insert(Person, persons)
    person_ids = dict(Person.objects.values_list("id_number", "pk"))
    memberships = [
        {"person_id": person_ids[p["id_number"]], "household_id": p["household_id"]}
        for p in persons[:-2]
    ]
    memberships += [
        {
            "person_id": person_ids["T_GONE"],
            "household_id": late,
            "end_date": dt.date(2023, 6, 1),
            "end_reason": "迁出",
        },
        {
            "person_id": person_ids["T_BORN"],
            "household_id": late,
            "start_date": dt.date(2023, 11, 15),
            "start_reason": "出生",
        },
    ]
    fast_insert(Membership, memberships)
    # The newborn is a member today (the one who left is not), as the register's services count.
    Household.objects.filter(pk=late).update(member_count=F("member_count") + 1)
    return {"county": county, "town": town, "villages": villages}


def expected() -> dict[str, Any]:
    """The seed's numbers in the formats.md §4 shape."""

    def pair(households: int, persons: int) -> dict[str, int]:
        return {"households": households, "persons": persons}

    return {
        "region": {"code": "420281100000", "name": "金山店镇"},
        "as_of": "2023-11-14",
        "villages": 22,
        "households": pair(TOTAL_HOUSEHOLDS, TOTAL_PERSONS),
        "alleviated": pair(437, 913),
        "alleviated_stable": pair(429, 900),
        "monitored": {
            "households": 35,
            "persons": 106,
            "eliminated": pair(2, 4),
            "not_eliminated": {
                "households": 33,
                "persons": 102,
                "by_category": {
                    "突发严重困难户": pair(17, 62),
                    "脱贫不稳定户": pair(8, 13),
                    "边缘易致贫户": pair(8, 27),
                },
                "by_identified_year": {
                    "2021": pair(4, 11),
                    "2022": pair(22, 72),
                    "2023": pair(7, 19),
                },
            },
        },
        "identified_this_year": pair(7, 19),
        "eliminated_this_year": pair(0, 0),
        "exits_this_year": {"monitored": {}, "alleviated": {}},
        "communities": 2,
        "alleviated_villages": {"count": 3, "names": ["朝阳村", "仕秦村", "向阳村"]},
        "key_villages": {"count": 0, "names": []},
    }
