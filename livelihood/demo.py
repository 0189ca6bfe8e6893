"""公益性岗位, 光伏收益分配, 小额信贷 and the 村干部名单 of the demo county, through the ledger
kit's services (so the demo obeys the rules of real use). The data mostly keep the rules, with a few
rows that the checks should find: a contract expired but still 在岗 (seed 003 #7), a 村干部's
family member on a post, a loan 户贷社用 (seed 003 #5), loans overdue or due within a month."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from accounts.models import User
from core.idnumber import age_on, make_valid
from ledgers.kit import ledger, region_names
from ledgers.services import save_row
from livelihood.checks import months_in
from regions.models import Region
from registry.models import Person

SURNAMES = "刘陈王李张黄胡柯石吴周徐曹汪程董彭余何罗朱肖熊"
GIVEN = "建国志强海波丽华晓明春燕国庆红梅文军小平德胜秀英"
POSTS = (
    ("保洁员", "光伏公益性岗位", "光伏收益"),
    ("护路员", "光伏公益性岗位", "光伏收益"),
    ("生态护林员", "生态护林员", "衔接资金"),
    ("水管员", "乡村公益性岗位", "就业补助资金"),
)
BANKS = ("大冶农商行", "邮储银行大冶支行", "农业银行大冶支行")
PURPOSES = ("种植", "养殖", "农产品加工", "乡村旅游", "商贸流通")
OFFICES = ("村党组织书记", "村委会主任", "村委委员")


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    """Fill the livelihood ledgers of the demo county; the counts made."""
    rng = random.Random(f"{seed}/livelihood")
    admin = User.objects.filter(role="county_admin", region=county).order_by("pk").first()
    if admin is None:
        raise RuntimeError("演示县还没有县级管理员，无法生成岗位、光伏和信贷数据")
    villages = list(
        # in the order they were made: paths sort "/10/" before "/9/"
        Region.objects.filter(path__startswith=county.path, level=3, retired=False).order_by("pk")
    )
    counts = {"posts": 0, "pv_income": 0, "loans": 0, "cadres": 0}
    for i, village in enumerate(villages):
        people = _labourers(village, as_of)
        posts = _posts(admin, village, people, as_of, rng, solar=i % 3 == 0)
        counts["posts"] += len(posts)
        counts["cadres"] += _cadres(admin, village, people, posts, rng)
        if i % 3 == 0:
            counts["pv_income"] += _pv(admin, village, posts, as_of, rng)
        counts["loans"] += _loans(admin, people, as_of, rng)
    return counts


def _labourers(village: Region, as_of: dt.date) -> list[Person]:
    """Members of the village's 脱贫户 and 边缘易致贫户 aged 18–60 today, one per household."""
    seen: set[int] = set()
    out = []
    qs = (
        Person.objects.filter(
            household__region__path__startswith=village.path,
            is_member=True,
            birth_date__isnull=False,
        )
        .filter(household__is_alleviated=True)
        .order_by("household_id", "pk")
    )
    for person in qs[:400]:
        if person.household_id in seen or not 18 <= age_on(person.birth_date, as_of) <= 60:
            continue
        seen.add(person.household_id)
        out.append(person)
    return out


def _posts(
    admin: Any,
    village: Region,
    people: list[Person],
    as_of: dt.date,
    rng: random.Random,
    *,
    solar: bool,
) -> list[Any]:
    kinds = POSTS if solar else POSTS[2:]
    start = dt.date(as_of.year, 1, 1)
    made = []
    for n, person in enumerate(people[:5]):
        name, category, funding = kinds[n % len(kinds)]
        expired = n == 4  # seed 003 #7: the contract ended last year, still 在岗, not renewed
        made.append(
            save_row(
                actor=admin,
                ledger=ledger("posts"),
                values={
                    "id_number": person.id_number,
                    "name": person.name,
                    "post_name": name,
                    "category": category,
                    "funding": funding,
                    "start": start.replace(year=as_of.year - 1) if expired else start,
                    "end": dt.date(as_of.year - (1 if expired else 0), 12, 31),
                    "monthly_pay": Decimal(rng.choice((500, 600, 800))),
                    "status": "在岗",
                    "exit_date": None,
                    "exit_reason": "",
                },
            )
        )
    return made


def _cadres(
    admin: Any, village: Region, people: list[Person], posts: list[Any], rng: random.Random
) -> int:
    """Three 村干部 per village; in one village in five a post holder's relative is one."""
    names = region_names(village)
    made = 0
    for k, office in enumerate(OFFICES):
        number = make_valid(
            f"420281{1965 + rng.randint(0, 20)}0{rng.randint(1, 9)}1{k}{rng.randint(100, 999)}"
        )
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        if k == 2 and posts and village.pk % 5 == 0:
            relative = (
                Person.objects.filter(household_id=posts[0].household_id, is_member=True)
                .exclude(pk=posts[0].person_id)
                .first()
            )
            if relative is not None:
                number, name = relative.id_number, relative.name
        save_row(
            actor=admin,
            ledger=ledger("cadres"),
            values={
                **names,
                "name": name,
                "cadre_id": number,
                "office": office,
                "start": dt.date(2021, 1, 1),
                "end": None,
            },
        )
        made += 1
    return made


def _pv(admin: Any, village: Region, posts: list[Any], as_of: dt.date, rng: random.Random) -> int:
    """The village station's distribution this year: the 光伏 posts' pay, public works, 运维."""
    wages = sum(
        (
            (p.monthly_pay or 0) * months_in(as_of.year, p.start, p.exit_date or p.end)
            for p in posts
            if p.funding == "光伏收益"
        ),
        Decimal(0),
    )
    works = Decimal(rng.randint(10, 40) * 1000)
    upkeep = Decimal(rng.randint(2, 6) * 1000)
    save_row(
        actor=admin,
        ledger=ledger("pv_income"),
        values={
            **region_names(village),
            "station": f"{village.name}光伏电站",
            "capacity": Decimal(rng.choice((60, 100, 200))),
            "year": as_of.year,
            "revenue": wages + works + upkeep + Decimal(rng.randint(0, 5) * 1000),
            "upkeep": upkeep,
            "post_wages": wages,
            "public_works": works,
            "awards": Decimal(0),
            "other": Decimal(0),
            "published": as_of,
            "note": "",
        },
    )
    return 1


def _loans(admin: Any, people: list[Person], as_of: dt.date, rng: random.Random) -> int:
    made = 0
    for n, person in enumerate(people[5:]):
        if rng.random() > 0.3:
            continue
        lent = as_of - dt.timedelta(days=rng.randint(60, 1000))
        due = (
            lent.replace(year=lent.year + 3)
            if (lent.month, lent.day) != (2, 29)
            else (lent + dt.timedelta(days=1095))
        )
        if n % 7 == 3:
            due = as_of + dt.timedelta(days=rng.randint(1, 30))  # due within a month
        amount = Decimal(rng.choice((20000, 30000, 50000)))
        save_row(
            actor=admin,
            ledger=ledger("loans"),
            values={
                "id_number": person.id_number,
                "name": person.name,
                "contract_no": f"XD{lent:%Y%m}{person.pk:06d}",
                "bank": rng.choice(BANKS),
                "lent_date": lent,
                "amount": amount,
                "term_months": 36,
                "due_date": due,
                "rate": Decimal("3.450"),
                "use_mode": "户贷社用" if n % 9 == 4 else "户贷户用",
                "purpose": rng.choice(PURPOSES),
                "subsidy": (amount * Decimal("0.0345")).quantize(Decimal("0.01")),
                "repayment": "逾期" if n % 11 == 6 else "正常",
                "overdue_amount": Decimal(2000) if n % 11 == 6 else None,
            },
        )
        made += 1
    return made
