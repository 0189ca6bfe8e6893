"""责任落实 in the demo county: work teams (with an August rotation), the monthly 工作提示, 学习,
例会 and 督查, problems of every level with measures in every state (some overdue, some 销号 by
the level above), grids with their 网格员 and households, and pairings — all through the
services, so the demo obeys the rules of real use."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from accounts.models import User
from duty import services
from duty.models import GridRole, Problem, Status
from ledgers.kit import ledger, region_names
from ledgers.services import save_row
from regions.models import Region
from registry.models import Household

SURNAMES = "刘陈王李张黄胡柯石吴周徐曹汪程董彭余何罗朱肖熊"
GIVEN = "建国志强海波丽华晓明春燕国庆红梅文军小平德胜秀英"
UNITS = ("市农业农村局", "市人社局", "市交通运输局", "县供电公司", "县农商行", "市财政局")
ENTERPRISES = ("华新水泥", "劲牌酒业", "大冶有色", "美岛服饰", "宏泰铝业")
CATEGORIES = ("两不愁三保障", "监测帮扶", "产业就业", "资金项目")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    """Fill the 责任落实 ledgers and grids of the demo county; the counts made."""
    rng = random.Random(f"{seed}/duty")
    admin = User.objects.filter(role="county_admin", region=county).order_by("pk").first()
    if admin is None:
        raise RuntimeError("演示县还没有县级管理员，无法生成责任落实数据")
    towns = list(Region.objects.filter(parent=county, retired=False).order_by("sort", "name"))
    villages = list(
        Region.objects.filter(parent__in=towns, retired=False, level=3).order_by("path")
    )
    counts = {
        "work_team_members": _teams(admin, villages, as_of, rng),
        "inspections": _inspections(admin, towns, as_of, rng),
        "problems": _problems(admin, county, towns, villages, as_of, rng),
        "grid_members": _grids(admin, villages, as_of, rng),
        "pairings": _pairings(admin, villages, as_of, rng),
    }
    services.mark_overdue()
    return counts


def _teams(admin: Any, villages: list[Region], as_of: dt.date, rng: random.Random) -> int:
    teams, made = ledger("work_teams"), 0
    for i, village in enumerate(villages):
        if i % 3:
            continue  # a team in one village in three (the former poor villages)
        start = as_of - dt.timedelta(days=rng.randint(200, 800))
        names = region_names(village)
        for post in ("第一书记", "队员", "队员")[: rng.randint(2, 3)]:
            member = save_row(
                actor=admin,
                ledger=teams,
                values={
                    **names,
                    "name": _name(rng),
                    "unit": rng.choice(UNITS),
                    "post": post,
                    "start": start,
                    "end": None,
                    "phone": f"139{rng.randint(10000000, 99999999)}",
                },
            )
            made += 1
            rotate_on = dt.date(as_of.year, 8, 1)
            if post == "队员" and i % 2 == 0 and start < rotate_on <= as_of:
                services.rotate(
                    actor=admin,
                    leaving=member,  # type: ignore[arg-type]
                    on=rotate_on,
                    name=_name(rng),
                    unit=rng.choice(UNITS),
                    post="队员",
                )
                made += 1
    return made


def _inspections(admin: Any, towns: list[Region], as_of: dt.date, rng: random.Random) -> int:
    records, made = ledger("inspections"), 0
    for town in towns:
        villages = list(town.children.filter(retired=False, level=3))
        for month in range(1, as_of.month + 1):
            day = dt.date(as_of.year, month, 1)
            plan = [("工作提示", town, 2), ("学习", town, 5), ("例会", town, 8)]
            if villages:
                plan.append(("纪律督查", rng.choice(villages), 20))
            for kind, where, on in plan:
                date = day.replace(day=on)
                if date > as_of:
                    continue
                reported = kind == "纪律督查" and rng.random() < 0.2
                save_row(
                    actor=admin,
                    ledger=records,
                    values={
                        **region_names(where),
                        "date": date,
                        "kind": kind,
                        "organizer": f"{town.name}乡村振兴办",
                        "problems_found": rng.randint(0, 3) if kind == "纪律督查" else None,
                        "reported": reported if kind == "纪律督查" else None,
                        "summary": f"{month}月{kind}",
                    },
                )
                made += 1
    return made


def _problems(
    admin: Any,
    county: Region,
    towns: list[Region],
    villages: list[Region],
    as_of: dt.date,
    rng: random.Random,
) -> int:
    rows = ledger("rectification")
    places = [county] * 3 + [t for t in towns for _ in range(2)] + villages[::2]
    made = 0
    for n, place in enumerate(places, start=1):
        number = f"{as_of.year}-{n:04d}"
        category = rng.choice(CATEGORIES)
        state = rng.choices([Status.OPEN, Status.DONE, "closed"], weights=(4, 3, 3))[0]
        for no in range(1, rng.randint(1, 3) + 1):
            deadline = as_of + dt.timedelta(days=rng.randint(-60, 90))
            save_row(
                actor=admin,
                ledger=rows,
                values={
                    **region_names(place),
                    "problem_no": number,
                    "measure_no": no,
                    "source": rng.choice(("省后评估", "国家考核", "自查", "督查")),
                    "category": category,
                    "description": f"{place.name}{category}方面存在薄弱环节",
                    "lead_unit": f"{place.name}乡村振兴办" if place.level > 1 else "县乡村振兴局",
                    "unit": f"{place.name}相关部门",
                    "responsible": _name(rng),
                    "measure": f"第{no}项整改措施：逐项核实并建立长效机制",
                    "measure_type": "限时整改",
                    "deadline": deadline,
                    "progress": "",
                    "status": Status.OPEN if state == Status.OPEN else Status.DONE,
                    "rule_code": "",
                },
            )
        made += 1
        problem = Problem.objects.get(number=number)
        reviewer = _reviewer(problem.region)
        if state == "closed" and reviewer is not None:
            services.review(
                actor=reviewer, problem=problem, decision="销号", note="经复核已整改到位"
            )
    return made


def _reviewer(region: Region) -> Any:
    """A user of the level above the region (the county reviews its own)."""
    above = region.parent or region
    return (
        User.objects.filter(role__in=("county_admin", "town_staff"), region=above, is_active=True)
        .order_by("pk")
        .first()
    )


def _grids(admin: Any, villages: list[Region], as_of: dt.date, rng: random.Random) -> int:
    made = 0
    grid_user = User.objects.filter(role="grid_member", is_active=True).order_by("pk").first()
    for village in villages:
        households = list(
            Household.objects.filter(region__path__startswith=village.path)
            .select_related("region")
            .order_by("pk")
        )
        unit = services.save_grid_unit(actor=admin, region=village, name=f"{village.name}网格")
        services.add_grid_role(
            actor=admin, unit=unit, role=GridRole.Role.HEAD, name=_name(rng), start=as_of
        )
        size = max(1, len(households) // 40 + 1)
        members = []
        for k in range(size):
            user = grid_user if grid_user and k == 0 and grid_user.region_id == village.pk else None
            members.append(
                services.add_grid_role(
                    actor=admin,
                    unit=unit,
                    role=GridRole.Role.MEMBER,
                    user=user,
                    name="" if user else _name(rng),
                    start=as_of - dt.timedelta(days=rng.randint(30, 400)),
                )
            )
        made += len(members)
        covered = [h for h in households if rng.random() > 0.03]  # a few wait for a 网格员
        for k, member in enumerate(members):
            mine = covered[k :: len(members)]
            if mine:
                services.assign_households(actor=admin, member=member, households=mine)
    return made


def _pairings(admin: Any, villages: list[Region], as_of: dt.date, rng: random.Random) -> int:
    made = 0
    leaders = [f"{rng.choice(SURNAMES)}县长", f"{rng.choice(SURNAMES)}副县长"]
    for i, village in enumerate(villages):
        kinds = []
        if i % 3 == 0:
            kinds.append(("县领导联系点", leaders[i % 2]))
            kinds.append(("定点帮扶", rng.choice(UNITS)))
        if i % 4 == 1:
            kinds.append(("万企兴万村", rng.choice(ENTERPRISES)))
        for kind, unit in kinds:
            services.save_pairing(
                actor=admin,
                village=village,
                kind=kind,
                unit=unit,
                contact="",
                start=as_of - dt.timedelta(days=rng.randint(100, 900)),
                end=None,
                note="",
            )
            made += 1
    return made
