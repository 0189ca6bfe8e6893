"""Seed 000's 金山店镇 (as of 2023-11-14): its register (`build`) and its year (`build_year`).

金山店镇共有22个村 … 16193户，46892人，现有建档立卡稳定脱贫户429户900人，监测户35户106人
（2019年识别3户5人，2户4人2020年已消除风险，1户1人2020年消除风险后2022年因危房改造重新识别），
现有未消除风险监测户33户102人，（2021年新识别4户11人，2022年新识别22户73人，2023年新识别7户19人），
其中突发严重困难户17户62人，脱贫不稳定户8户13人，边缘易致贫户8户27人。

The seed's figures by identification year add up to 103 persons while the not-eliminated total
(and the categories) make 102: no register can give both. This register keeps the totals and the
categories and has 2022年新识别22户72人. The 2023 identifications are section 四's: 2户9人 by the
villages (突发严重困难户1户4人，边缘易致贫户1户5人) and, in June after the May 集中排查, 5户10人
(突发严重困难户2户3人，脱贫不稳定户1户3人，边缘易致贫户2户4人).

`build()` makes a tenth of the town's 16193户46892人 (quick, for the statistics JSON);
`build(SEED)` the whole town.

Statuses are written as the events `registry.rules.status_events` produces for them, so the history
has the same shape as one written through `registry.services`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from django.db import connection, models
from django.db.models import F

from assistance.models import Campaign, Screening
from core.idnumber import make_valid
from fangpin.testing import make_user
from monitoring.models import Case, Lead
from regions.models import Region
from regions.services import create_region
from registry import rules
from registry.models import Household, HouseholdEvent, Membership, Person

AS_OF = dt.date(2023, 11, 14)
# (households, persons) of the town: the seed's, and a tenth of it for the quick tests (every
# 脱贫户/监测户 figure is the seed's own in both).
SEED = (16193, 46892)
SMALL = (1619, 4469)
# 朝阳村、仕秦村、向阳村 are the 脱贫村; the others the seed names (water, projects), then numbered.
VILLAGES = ["朝阳村", "仕秦村", "向阳村", "马龙村", "长山村", "龙口村", "梅山村", "白合村"]
VILLAGES += ["山下村", "火石村", "马坪村"] + [f"第{i + 1}村" for i in range(11, 22)]
# The day the 2023 report is drafted (seed 000's 务工 figures are "截止到12月18日").
DRAFTED = dt.date(2023, 12, 18)
# The households identified through the May 集中排查 were identified on this day.
AFTER_SCREENING = dt.date(2023, 6, 20)

# (identified, category, members) of the 32 not-eliminated 监测户 (the 33rd is the re-identified
# one), by year.
OPEN = (
    [(dt.date(2021, 4, 1), "突发严重困难户", n) for n in (3, 3)]
    + [(dt.date(2021, 5, 1), "边缘易致贫户", n) for n in (2, 3)]
    + [(dt.date(2022, 3, 1), "脱贫不稳定户", n) for n in (2, 2, 2, 1, 1, 1)]
    + [(dt.date(2022, 5, 1), "突发严重困难户", n) for n in (5,) + (4,) * 11]
    + [(dt.date(2022, 7, 1), "边缘易致贫户", n) for n in (5, 4, 4)]
    + [(dt.date(2023, 3, 1), "突发严重困难户", 4), (dt.date(2023, 4, 1), "边缘易致贫户", 5)]
    + [(AFTER_SCREENING, "突发严重困难户", n) for n in (2, 1)]
    + [(AFTER_SCREENING, "脱贫不稳定户", 3)]
    + [(AFTER_SCREENING, "边缘易致贫户", n) for n in (2, 2)]
)

_ids = itertools.count()


def _id_number() -> str:
    """A valid ID number, one per call (the department files and ledgers check them)."""
    n = next(_ids)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n // 1000)
    return make_valid(f"420281{birth:%Y%m%d}{n % 1000:03d}")


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


def build(size: tuple[int, int] = SMALL) -> dict[str, Any]:
    """Create 金山店镇 (22 villages) with a register of `size` (households, persons), and 还地桥镇
    with 白羊村 and no register; returns the county, the town and its villages. Everyone is
    insured (seed 000: "所有脱贫户、监测户已全部参加了城乡居民基本医疗保险")."""
    county = create_region(actor=None, name="大冶市", level=1, code="420281000000")
    town = create_region(actor=None, name="金山店镇", level=2, parent=county, code="420281100000")
    # 22个村（其中有三个脱贫村朝阳村、仕秦村、向阳村），2个社区.
    villages = [create_region(actor=None, name=name, level=3, parent=town) for name in VILLAGES]
    Region.objects.filter(pk__in=[v.pk for v in villages[:3]]).update(is_alleviated_village=True)
    for name in ("金山社区", "东山社区"):
        community = create_region(actor=None, name=name, level=3, parent=town)
        Region.objects.filter(pk=community.pk).update(is_community=True)
    retired = create_region(actor=None, name="已撤并村", level=3, parent=town)
    Region.objects.filter(pk=retired.pk).update(retired=True)
    other = create_region(actor=None, name="还地桥镇", level=2, parent=county)
    create_region(actor=None, name="白羊村", level=3, parent=other)

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
    plain_h = size[0] - used_h
    threes = (size[1] - used_p) - 2 * plain_h
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
                    "id_number": _id_number(),
                    "relation": "户主" if k == 0 else "之子",
                    "medical_insurance": True,
                }
            )
    # Noise the date must ignore: an identification after it, members before and after it (after
    # the day the year's report is drafted, too).
    late = household_ids[-1]
    events.append(
        HouseholdEvent(
            household_id=late,
            kind="identified",
            date=DRAFTED + dt.timedelta(days=2),
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
            "start_date": DRAFTED + dt.timedelta(days=1),
            "start_reason": "出生",
        },
    ]
    fast_insert(Membership, memberships)
    # The newborn is a member today (the one who left is not), as the register's services count.
    Household.objects.filter(pk=late).update(member_count=F("member_count") + 1)
    return {"county": county, "town": town, "villages": villages, "other_town": other}


def expected(size: tuple[int, int] = SMALL) -> dict[str, Any]:
    """The seed's numbers in the formats.md §4 shape."""

    def pair(households: int, persons: int) -> dict[str, int]:
        return {"households": households, "persons": persons}

    return {
        "region": {"code": "420281100000", "name": "金山店镇"},
        "as_of": "2023-11-14",
        "villages": 22,
        "households": pair(*size),
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


def build_year(tmp_path: Path) -> dict[str, Any]:
    """The whole town (`build(SEED)`) and its 2023: leads, procedures, the May 集中排查, membership
    changes, and every ledger and department batch the report counts (each app's
    `tests/seed000.py`). Returns `build`'s regions and the county's administrator."""
    from benefits.tests import seed000 as benefits
    from duty.tests import seed000 as duty
    from employment.tests import seed000 as employment
    from livelihood.tests import seed000 as livelihood
    from projects.tests import seed000 as projects

    seed = build(SEED)
    admin = make_user("county", "county_admin", seed["county"])
    _monitoring(seed)
    _membership_changes()
    duty.load_ledgers(admin, tmp_path)
    benefits.load(seed["county"], tmp_path)
    employment.build()
    borrowers = Person.objects.filter(
        relation="户主", household__number__in=[f"42028110{i:010d}" for i in range(31)]
    )
    livelihood.load_ledgers(list(borrowers.order_by("pk")), admin, tmp_path)
    projects.load_ledgers(admin, tmp_path)
    return seed | {"admin": admin}


def _monitoring(seed: dict[str, Any]) -> None:
    """预警线索819条 (14 申报, 700 排查, 100 部门预警, 5 from the 集中排查); the village work's two
    identifications each through a lead and an approved case; the May 集中排查 of 22个村8892户
    whose five risky households were identified in June."""
    town, villages = seed["town"], seed["villages"]
    identified = list(
        HouseholdEvent.objects.filter(kind="identified", date__year=2023).order_by("date", "pk")
    )
    by_screening = [e for e in identified if e.date == AFTER_SCREENING]
    by_village = [e for e in identified if e.date < AFTER_SCREENING]
    assert (len(by_village), len(by_screening)) == (2, 5)
    village = villages[0]
    leads = []
    for source, n in (("农户自主申报", 14), ("基层干部排查", 700), ("部门筛查预警", 100)):
        leads += [
            Lead(region=village, source=source, reported_date=dt.date(2023, 1 + i % 10, 3))
            for i in range(n)
        ]
    Lead.objects.bulk_create(leads)
    first = Lead.objects.filter(source="基层干部排查", reported_date__month=1).order_by("pk")
    for lead, event in zip(first[:2], by_village, strict=True):
        Lead.objects.filter(pk=lead.pk).update(household_id=event.household_id, status="closed")
        _approved(lead, event)
    campaign = Campaign.objects.create(
        name="2023年防返贫集中排查", start_date=dt.date(2023, 5, 4), end_date=dt.date(2023, 5, 31)
    )
    campaign.regions.add(town)
    risky = {e.household_id for e in by_screening}
    screened = list(
        Household.objects.filter(region__in=villages)
        .exclude(pk__in=risky)
        .order_by("pk")
        .values_list("pk", "region_id", "member_count")[: 8892 - len(risky)]
    ) + list(Household.objects.filter(pk__in=risky).values_list("pk", "region_id", "member_count"))
    fast_insert(
        Screening,
        [
            {
                "campaign_id": campaign.pk,
                "household_id": hid,
                "village_id": rid,
                "persons": n,
                "done": True,
                "done_date": dt.date(2023, 5, 20),
            }
            for hid, rid, n in screened
        ],
    )
    for event in by_screening:
        screening = Screening.objects.get(campaign=campaign, household_id=event.household_id)
        lead = Lead.objects.create(
            region=village,
            household_id=event.household_id,
            source="集中排查",
            reported_date=dt.date(2023, 5, 20),
            status="closed",
            origin=f"assistance.screening:{screening.pk}",
        )
        Screening.objects.filter(pk=screening.pk).update(risks="因病", lead=lead)
        _approved(lead, event)


def _approved(lead: Lead, event: HouseholdEvent) -> None:
    Case.objects.create(
        kind=Case.Kind.IDENTIFY,
        status=Case.Status.APPROVED,
        region_id=lead.region_id,
        household_id=event.household_id,
        lead=lead,
        start_date=lead.reported_date,
        category=event.category,
        decision_date=event.date,
    )


def _membership_changes() -> None:
    """自然增加5人 (born this year) and 自然减少11户25人 (died or moved out) in 脱贫户."""
    alleviated = list(
        HouseholdEvent.objects.filter(kind="alleviated")
        .order_by("household_id")
        .values_list("household_id", flat=True)
    )
    born = [
        Membership.objects.filter(household_id=hid).order_by("pk").values_list("pk", flat=True)[0]
        for hid in alleviated[:5]
    ]
    Membership.objects.filter(pk__in=born).update(
        start_date=dt.date(2023, 4, 1), start_reason="出生"
    )
    serial = itertools.count(1)
    for k, hid in enumerate(alleviated[10:21]):
        for _ in range(3 if k < 3 else 2):  # 3×3 + 8×2 = 25
            n = next(serial)
            person = Person.objects.create(
                household_id=hid, name=f"离开{n}", id_number=f"GONE{n:014d}", is_member=False
            )
            Membership.objects.create(
                person=person,
                household_id=hid,
                end_date=dt.date(2023, 7, 1),
                end_reason="死亡" if n % 2 else "迁出",
            )
