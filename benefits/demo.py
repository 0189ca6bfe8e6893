"""政策落实 in the demo county: 雨露计划 for the 中职/高职 students of 脱贫户 and not-eliminated
监测户 (each term begun, this year and last), 教育资助 for their pupils by 学段, and 危房改造 for
the households at risk 因安全住房 — all through the ledger kit's `save_row`, so the demo obeys
the rules of real use (and the B checks stay quiet on it)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Q

from accounts.models import User
from ledgers.kit import ledger
from ledgers.services import save_row
from regions.models import Region
from registry.models import Household, Person

STAGES = ((3, 5, "学前"), (6, 11, "小学"), (12, 14, "初中"), (15, 17, "高中"))
TERMS = (("春季", 3), ("秋季", 9))


def _stage(age: int) -> str:
    return next((stage for low, high, stage in STAGES if low <= age <= high), "")


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    """Fill the benefit ledgers of the demo county; the counts made."""
    rng = random.Random(f"{seed}/benefits")
    admin = User.objects.filter(role="county_admin", region=county).order_by("pk").first()
    if admin is None:
        raise RuntimeError("演示县还没有县级管理员，无法生成政策落实数据")
    entitled = Household.objects.filter(region__path__startswith=county.path).filter(
        Q(is_alleviated=True) | (~Q(category="") & Q(risk_eliminated=False))
    )
    people = list(
        Person.objects.filter(household__in=entitled, is_member=True)
        .exclude(birth_date__isnull=True)
        .order_by("pk")
    )
    counts = {"yulu": 0, "education_aid": 0, "housing_renovation": 0}
    yulu, aid = ledger("yulu"), ledger("education_aid")
    for year in (as_of.year - 1, as_of.year):
        for p in people:
            age = p.age_on(dt.date(year, 9, 1)) or 0
            vocational = p.schooling.startswith(("中职", "高职"))
            values = {"id_number": p.id_number, "name": p.name, "year": year}
            if vocational or (16 <= age <= 19 and rng.random() < 0.3):
                level = "高职" if p.schooling.startswith("高职") or age >= 18 else "中职"
                for term, month in TERMS:
                    paid = dt.date(year, month + 1, 15)
                    if paid > as_of:
                        continue
                    save_row(
                        actor=admin,
                        ledger=yulu,
                        values=values
                        | {
                            "term": term,
                            "level": level,
                            "school": "大冶市中等职业学校"
                            if level == "中职"
                            else "湖北职业技术学院",
                            "grade": f"{min(max(age - 15, 1), 3)}年级",
                            "amount": Decimal("1500"),
                            "paid_date": paid,
                        },
                    )
                    counts["yulu"] += 1
            stage = _stage(age)
            if stage and rng.random() < 0.6 and dt.date(year, 4, 30) <= as_of:
                save_row(
                    actor=admin,
                    ledger=aid,
                    values=values
                    | {
                        "term": "春季",
                        "stage": stage,
                        "item": "营养改善" if stage in ("学前", "小学", "初中") else "国家助学金",
                        "amount": Decimal(rng.choice((400, 500, 1000))),
                        "paid_date": dt.date(year, 4, 30),
                    },
                )
                counts["education_aid"] += 1
    houses = ledger("housing_renovation")
    for h in entitled.with_risk("因安全住房").order_by("pk"):
        start = dt.date(as_of.year, 3, 1)
        if start > as_of:
            continue
        finish = start + dt.timedelta(days=rng.randint(60, 120))
        rebuild = rng.random() < 0.4
        save_row(
            actor=admin,
            ledger=houses,
            values={
                "number": h.number,
                "head_name": h.head_name,
                "year": as_of.year,
                "grade": "D级" if rebuild else "C级",
                "method": "拆除重建" if rebuild else "修缮加固",
                "amount": Decimal(35000 if rebuild else 15000),
                "start_date": start,
                "finish_date": finish if finish <= as_of else None,
                "accepted_date": None,
            },
        )
        counts["housing_renovation"] += 1
    return counts
