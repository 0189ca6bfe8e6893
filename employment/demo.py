"""就业与产业帮扶 in the demo county: twelve monthly 务工监测 reports of the labourers of the
脱贫户 and 监测户 (the latest month is the register's 务工状况; some left or came back during the
year), 一次性交通补贴 and 外出务工补助 for those out, and 三业奖补 / 到户产业奖补 / 庭院经济奖补 for
some households — all through the ledger kit's import, so the demo obeys the rules of real use."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

from django.db.models import Q

from accounts.models import User
from core import pipeline
from employment.figures import OUT
from employment.layouts import EMPLOYMENT, INDUSTRY_AID, LABOUR_SUBSIDY
from regions.models import Region
from registry.models import Household, Person

EMPLOYERS = (
    "东莞美岛服饰",
    "深圳富士康",
    "武汉光谷物流",
    "黄石劲牌酒业",
    "大冶华新水泥",
    "本村帮扶车间",
)
INDUSTRIES = ("种植", "养殖", "林果", "水产")


def _months(as_of: dt.date) -> list[str]:
    """The twelve months up to the one before `as_of` (the current month is not reported yet)."""
    year, month = as_of.year, as_of.month
    out = []
    for _ in range(12):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year:04d}-{month:02d}")
    return out[::-1]


def _write(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(headers)
        out.writerows(rows)
    return path


def _paid(rng: random.Random, as_of: dt.date) -> str:
    """A payment day of `as_of`'s year, not after it."""
    day = dt.date(as_of.year, rng.randint(1, as_of.month), rng.randint(1, 28))
    return min(day, as_of).isoformat()


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    """Fill the employment, labour-subsidy and industry-aid ledgers; the rows made per kind."""
    rng = random.Random(f"{seed}/employment")
    admin = User.objects.filter(role="county_admin", region=county).order_by("pk").first()
    if admin is None:
        raise RuntimeError("演示县还没有县级管理员，无法生成就业帮扶数据")
    key = Household.objects.filter(region__path__startswith=county.path).filter(
        Q(is_alleviated=True) | ~Q(category="")
    )
    labourers = list(
        Person.objects.filter(household__in=key, is_member=True)
        .exclude(employment="")
        .order_by("pk")
        .values_list("id_number", "name", "employment", "household_id")
    )
    months = _months(as_of)
    work: list[list[Any]] = []
    subsidies: list[list[Any]] = []
    for number, name, now, _ in labourers:
        status = now
        history = [now]
        for _ in months[:-1]:  # backwards from the latest month, one change in eight
            if rng.random() < 0.125:
                status = rng.choice(("省外务工", "县外省内务工", "县内务工", "未务工"))
            history.append(status)
        for month, status in zip(months, history[::-1], strict=True):
            if status == "未务工":
                work.append([number, name, month, status, "", "", ""])
            else:
                form = "帮扶车间" if status == "乡镇内务工" else "企业务工"
                income = rng.randrange(1800, 6500, 100)
                work.append([number, name, month, status, form, rng.choice(EMPLOYERS), income])
        if now in OUT and rng.random() < 0.3:
            kind = "一次性交通补贴" if rng.random() < 0.7 else "外出务工补助"
            amount = 500 if kind == "一次性交通补贴" else rng.choice((800, 1000, 1500))
            subsidies.append([number, name, as_of.year, kind, amount, _paid(rng, as_of)])
    households = list(key.order_by("pk").values_list("number", "head_name"))
    aid: list[list[Any]] = []
    for number, head in households:
        roll = rng.random()
        paid = _paid(rng, as_of)
        if roll < 0.25:
            aid.append([number, head, as_of.year, "三业奖补", "", 1000, paid])
        elif roll < 0.3:
            amount = rng.randrange(1000, 3000, 10)
            industry = rng.choice(INDUSTRIES)
            aid.append([number, head, as_of.year, "到户产业奖补", industry, amount, paid])
        elif roll < 0.33:
            aid.append([number, head, as_of.year, "庭院经济奖补", "庭院种植", 500, paid])
    counts = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind, layout, rows in (
            ("employment", EMPLOYMENT, work),
            ("labour_subsidy", LABOUR_SUBSIDY, subsidies),
            ("industry_aid", INDUSTRY_AID, aid),
        ):
            path = _write(Path(folder) / f"{kind}.csv", layout.headers, rows)
            result = pipeline.run(kind, path, actor=admin, file_name=f"演示{layout.name}.csv")
            if result["status"] != "imported" and rows:
                raise RuntimeError(f"演示{layout.name}导入失败：{result['errors'][:3]}")
            counts[kind] = result.get("created", 0)
    return counts
