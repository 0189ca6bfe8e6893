"""Seed 000's 衔接资金项目 as ledger rows: "大冶市下达第四批三个项目（向阳村、朝阳村、山下村），
第五批三个项目（龙口村、火石村、白合村），共投入资金357.7万元，目前项目已全部完工，
市镇两级也已验收" —
six 产业发展 projects of 2023, paid in full, each with its asset; a 2022 project counts in no 2023
figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from projects.tests.helpers import asset, load, payment, project

ZERO = {"省级衔接资金": 0, "市级衔接资金": 0, "县级衔接资金": 0, "其他资金": 0}
# (批次, 行政村, 中央衔接资金): 3,577,000 yuan.
PROJECTS = (
    ("第四批", "向阳村", 800000),
    ("第四批", "朝阳村", 650000),
    ("第四批", "山下村", 577000),
    ("第五批", "龙口村", 500000),
    ("第五批", "火石村", 550000),
    ("第五批", "白合村", 500000),
)
DONE = {
    "计划开工日期": "2023-03-01",
    "计划完工日期": "2023-09-30",
    "实际开工日期": "2023-03-05",
    "实际完工日期": "2023-09-20",
    "验收日期": "2023-10-15",
    "质保期满日期": "2024-10-15",
}


def load_ledgers(actor: Any, tmp_path: Path) -> None:
    rows = [
        project(
            f"CY{i}",
            年度=2023,
            批次=batch,
            行政村=village,
            实施单位=f"{village}委会",
            中央衔接资金=funds,
            合同金额=funds,
            结算金额=funds,
            质保金=0,
            **ZERO,
            **DONE,
        )
        for i, (batch, village, funds) in enumerate(PROJECTS)
    ]
    rows.append(project("OLD", 年度=2022))
    assert load("projects", rows, tmp_path, actor)["status"] == "imported"
    payments = [
        payment(f"CY{i}", f"PZ{i}", funds, 支付日期="2023-10-20", 支付内容="结算款")
        for i, (_batch, _village, funds) in enumerate(PROJECTS)
    ]
    assert load("project_payments", payments, tmp_path, actor, "p.xlsx")["status"] == "imported"
    assets = [
        asset(
            f"ZC{i}",
            来源项目编号=f"CY{i}",
            行政村=village,
            原值=funds,
            确权日期="2023-11-01",
            管护主体=f"{village}委会",
            收益年度=2023,
            年度收益=10000,
        )
        for i, (_batch, village, funds) in enumerate(PROJECTS)
    ]
    assert load("assets", assets, tmp_path, actor, "a.xlsx")["status"] == "imported"
