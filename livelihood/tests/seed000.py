"""Seed 000's 小额信贷, 光伏收益 and 公益性岗位 as ledger rows: "通过银行已办理贷款31户",
"光伏电站每年收益分配16万元，用于三个脱贫村15人光伏公益性岗位工资11.6万元，
投入小型公益性事业4.4万元" (the three 脱贫村 朝阳村, 仕秦村, 向阳村), with a loan of another
year, a 乡村公益性岗位 and another town's station the figures must tell apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from livelihood.tests.helpers import load, loan, post, pv

# (乡镇, 行政村, 发电收益, 公益岗位支出, 公益事业支出) of the 2023 distributions.
STATIONS = (
    ("金山店镇", "朝阳村", "60000", "40000", "20000"),
    ("金山店镇", "仕秦村", "50000", "38000", "12000"),
    ("金山店镇", "向阳村", "50000", "38000", "12000"),
    ("还地桥镇", "白羊村", "50000", "38000", "12000"),
)


def load_ledgers(people: list[Any], actor: Any, tmp_path: Path) -> None:
    """Loans to the 31 `people` (and one of 2022), posts for the first 15 paid from 光伏收益 and
    one from 衔接资金, and the four stations' 2023 distributions."""
    assert len(people) == 31
    loans = [
        loan(p, 放款日期="2023-04-01", 到期日期="2026-04-01", 合同编号=f"2023-{i:03d}")
        for i, p in enumerate(people)
    ]
    loans.append(loan(people[0], 放款日期="2022-04-01", 合同编号="2022-001"))  # another year
    load("loans", loans, tmp_path, actor)
    posts = [post(p, 聘用开始日期="2023-01-01", 聘用结束日期="2023-12-31") for p in people[:15]]
    posts.append(
        post(
            people[20],
            资金来源="衔接资金",
            岗位类别="乡村公益性岗位",
            聘用开始日期="2023-06-01",
            聘用结束日期="2024-05-31",
        )
    )
    load("posts", posts, tmp_path, actor)
    stations = [
        pv(
            乡镇=town,
            行政村=village,
            电站名称=f"{village}光伏电站",
            年度="2023",
            发电收益=revenue,
            公益岗位支出=wages,
            公益事业支出=works,
            运维费用="",
            奖励补助支出="",
            公示日期="2023-12-15",
        )
        for town, village, revenue, wages, works in STATIONS
    ]
    load("pv_income", stations, tmp_path, actor)
