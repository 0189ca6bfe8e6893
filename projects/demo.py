"""衔接资金项目 in the demo county: each year's projects of every category in towns and villages
(the 产业 share a little over the floor), their payments month by month, the assets they left
with 确权, 管护 and income, and the households they benefit — through the ledger kit and the
services, so the demo obeys the rules of real use; a few rows show what the checks catch (a
project without 质保金, one behind plan, an idle asset, a change without 变更批复)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from accounts.models import User
from core import labels as core_labels
from ledgers.kit import ledger, region_names
from ledgers.services import save_row
from projects import services
from projects.models import CATEGORIES, Project
from regions.models import Region
from registry.models import Household

WORKS = {
    "产业发展": ("蔬菜大棚", "食用菌基地", "茶园提质", "光伏电站", "冷链仓储"),
    "就业帮扶": ("帮扶车间", "公益岗位开发"),
    "乡村建设": ("村组道路硬化", "人居环境整治", "安全饮水提升"),
    "基础设施": ("通组公路", "灌溉水渠", "便民桥"),
    "易地搬迁后扶": ("安置点配套",),
    "巩固三保障成果": ("危房改造", "村卫生室改造"),
    "项目管理费": ("项目管理费",),
    "其他": ("小额信贷贴息",),
}
KEEPERS = "刘陈王李张黄胡柯石吴周徐"


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    """Fill the project ledgers of the demo county for last year and this year; the counts."""
    rng = random.Random(f"{seed}/projects")
    admin = User.objects.filter(role="county_admin", region=county).order_by("pk").first()
    if admin is None:
        raise RuntimeError("演示县还没有县级管理员，无法生成衔接资金项目数据")
    towns = list(Region.objects.filter(parent=county, retired=False).order_by("sort", "name"))
    villages = list(
        Region.objects.filter(parent__in=towns, retired=False, level=3).order_by("path")
    )
    places = [county, *towns, *villages]
    counts = {"projects": 0, "payments": 0, "assets": 0, "households": 0}
    for year in (as_of.year - 1, as_of.year):
        for i in range(max(8, len(villages) // 2)):
            made = _project(admin, rng, places, year, i, as_of, counts)
            if made is not None and made.category == "产业发展" and i % 3 == 0:
                counts["households"] += _households(admin, made, rng)
    _a_change(admin, as_of)
    return counts


def _category(rng: random.Random, i: int) -> str:
    if i % 5 in (0, 1, 2):
        return "产业发展"  # about 60% of the projects and most of the funds
    return rng.choice([c for c in CATEGORIES if c != "产业发展"])


def _project(
    admin: Any,
    rng: random.Random,
    places: list[Region],
    year: int,
    i: int,
    as_of: dt.date,
    counts: dict[str, int],
) -> Project | None:
    category = _category(rng, i)
    where = rng.choice(places[1:]) if i % 9 else places[0]
    number = f"XM{year}{i + 1:03d}"
    work = rng.choice(WORKS[category])
    funds = [Decimal(rng.randrange(5, 60) * 10000) for _ in range(3)]
    planned_start = dt.date(year, rng.randint(2, 5), rng.randint(1, 28))
    planned_end = planned_start + dt.timedelta(days=rng.randint(90, 240))
    started = planned_start <= as_of and i % 11 != 4  # now and then one behind plan
    finished = started and planned_end <= as_of and i % 7 != 3
    accepted = finished and i % 6 != 1
    actual_end = planned_end - dt.timedelta(days=rng.randint(0, 20)) if finished else None
    if actual_end and actual_end > as_of:
        actual_end = as_of
    allocated = sum(funds, start=Decimal(0))
    works = category in ("乡村建设", "基础设施", "产业发展") and i % 4 != 2
    settlement = (
        (allocated * Decimal("0.97")).quantize(Decimal("1")) if finished and works else None
    )
    retention = (
        (settlement * Decimal("0.03")).quantize(Decimal("1"))
        if settlement and i % 10 != 5  # one in ten forgets the 质保金 (seed 003 #14)
        else None
    )
    accepted_on = (
        min(actual_end + dt.timedelta(days=20), as_of) if accepted and actual_end else None
    )
    values: dict[str, Any] = {
        **region_names(where),
        "project_no": number,
        "name": f"{where.name}{work}项目",
        "year": year,
        "batch": f"第{1 + i % 3}批",
        "category": category,
        "unit": f"{where.name}人民政府" if where.level == 2 else f"{where.name}委员会",
        "content": f"{work}，受益群众{rng.randint(50, 400)}人",
        "fund_central": funds[0],
        "fund_province": funds[1],
        "fund_city": Decimal(0),
        "fund_county": funds[2],
        "fund_other": Decimal(0),
        "planned_start": planned_start,
        "planned_end": planned_end,
        "actual_start": planned_start + dt.timedelta(days=rng.randint(0, 15)) if started else None,
        "actual_end": actual_end,
        "accepted": accepted_on,
        "contract_amount": settlement,
        "settlement_amount": settlement,
        "retention": retention,
        "retention_due": accepted_on + dt.timedelta(days=365)
        if accepted_on and retention
        else None,
        "paid_amount": None,
        "performance_goal": (
            # As a clerk writes it that year: 2026 says 防止返贫致贫对象 (core.labels).
            core_labels.default(year).words(
                f"带动脱贫户和监测户{rng.randint(10, 80)}户，户均增收{rng.randint(5, 30) * 100}元"
            )
            if i % 8 != 6
            else "促进群众增收"  # no number to measure (seed 003 #16)
        ),
        "households_benefited": rng.randint(10, 80),
        "status": "已验收"
        if accepted
        else "已完工"
        if finished
        else "在建"
        if started
        else "未开工",
    }
    if values["actual_start"] and values["actual_start"] > as_of:
        values["actual_start"] = as_of
    project = save_row(actor=admin, ledger=ledger("projects"), values=values)
    counts["projects"] += 1
    if started:
        counts["payments"] += _payments(admin, number, allocated, values, as_of, rng)
    if finished and category in ("产业发展", "乡村建设", "基础设施"):
        counts["assets"] += _asset(admin, project, where, values, as_of, rng, i)
    return project  # type: ignore[return-value]


def _payments(
    admin: Any,
    number: str,
    allocated: Decimal,
    values: dict[str, Any],
    as_of: dt.date,
    rng: random.Random,
) -> int:
    day = values["actual_start"]
    end = values["actual_end"] or as_of
    share = Decimal("0.3") if values["status"] == "在建" else Decimal("0.97")
    left, made = (allocated * share).quantize(Decimal("1")), 0
    parts = rng.randint(2, 4)
    for k in range(parts):
        amount = left if k == parts - 1 else (left / (parts - k)).quantize(Decimal("1"))
        left -= amount
        on = min(day + (end - day) * (k + 1) / parts, as_of)
        save_row(
            actor=admin,
            ledger=ledger("project_payments"),
            values={
                "project_no": number,
                "voucher_no": f"{number}-{k + 1:02d}",
                "paid_date": on,
                "amount": amount,
                "purpose": ("预付款", "进度款", "进度款", "结算款")[min(k, 3)],
            },
        )
        made += 1
    return made


def _asset(
    admin: Any,
    project: Any,
    where: Region,
    values: dict[str, Any],
    as_of: dt.date,
    rng: random.Random,
    i: int,
) -> int:
    business = values["category"] == "产业发展"
    idle = i % 13 == 7
    save_row(
        actor=admin,
        ledger=ledger("assets"),
        values={
            **region_names(where),
            "asset_no": f"ZC{values['project_no'][2:]}",
            "name": values["name"].replace("项目", ""),
            "project_no": values["project_no"],
            "category": "经营性" if business else "公益性",
            "original_value": values["settlement_amount"] or project.allocated,
            "owner": "村集体" if where.level == 3 else "乡镇" if where.level == 2 else "县",
            "owned_on": min(values["actual_end"] + dt.timedelta(days=30), as_of),
            "keeper": f"{where.name}委员会" if where.level == 3 else f"{where.name}人民政府",
            "keeper_person": "" if i % 17 == 8 else rng.choice(KEEPERS) + "主任",
            "income_year": as_of.year - 1 if business and not idle else None,
            "income": Decimal(rng.randrange(2, 9) * 10000) if business and not idle else None,
            "distribution": "收益用于公益岗位和奖励补助" if business and not idle else "",
            "status": "闲置" if idle else "正常运营",
        },
    )
    return 1


def _households(admin: Any, project: Project, rng: random.Random) -> int:
    region = project.region
    reach = region.parent if region.level == 3 and region.parent else region
    found = list(Household.objects.filter(region__path__startswith=reach.path).order_by("pk")[:40])
    made = 0
    for household in rng.sample(found, min(len(found), rng.randint(3, 8))):
        services.add_beneficiary(
            actor=admin,
            project=project,
            household=household,
            how=rng.choice(("务工", "分红", "土地流转")),
        )
        made += 1
    return made


def _a_change(admin: Any, as_of: dt.date) -> None:
    """One project's 建设内容 changed by hand without a 变更批复 (seed 003 #13)."""
    p = Project.objects.filter(year=as_of.year).order_by("project_no").first()
    if p is None:
        return
    values = ledger("projects").values(p)
    values["content"] = values["content"] + "（调整：增加配套道路）"
    save_row(actor=admin, ledger=ledger("projects"), values=values, row=p)
