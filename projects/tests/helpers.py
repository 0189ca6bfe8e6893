"""Rows of the project ledgers as a user's spreadsheet holds them, and small builders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import pipeline
from fangpin.testing import write_sheet
from projects.layouts import ASSETS, PAYMENTS, PROJECTS

PROJ = PROJECTS.headers
PAY = PAYMENTS.headers
ASSET = ASSETS.headers
HEADERS = {"projects": PROJ, "project_payments": PAY, "assets": ASSET}


def project(number: str, **cells: Any) -> dict[str, Any]:
    """One clean project of 朝阳村 (a finished works project with its 质保金)."""
    return {
        "项目编号": number,
        "项目名称": f"项目{number}",
        "年度": 2024,
        "批次": "第一批",
        "项目类别": "产业发展",
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "实施单位": "朝阳村委会",
        "建设内容": "新建蔬菜大棚20个",
        "中央衔接资金": 500000,
        "省级衔接资金": 200000,
        "市级衔接资金": 100000,
        "县级衔接资金": 150000,
        "其他资金": 50000,
        "计划开工日期": "2024-03-01",
        "计划完工日期": "2024-09-30",
        "实际开工日期": "2024-03-05",
        "实际完工日期": "2024-09-20",
        "验收日期": "2024-10-15",
        "合同金额": 1000000,
        "结算金额": 1000000,
        "质保金": 30000,
        "质保期满日期": "2025-10-15",
        "已支付金额": "",
        "绩效目标": "带动脱贫户30户年均增收2000元",
        "联农带农户数": 30,
        "项目状态": "已验收",
    } | cells


def payment(number: str, voucher: str, amount: Any = 100000, **cells: Any) -> dict[str, Any]:
    return {
        "项目编号": number,
        "凭证号": voucher,
        "支付日期": "2024-06-10",
        "金额": amount,
        "支付内容": "进度款",
    } | cells


def asset(number: str, **cells: Any) -> dict[str, Any]:
    return {
        "资产编号": number,
        "资产名称": f"资产{number}",
        "来源项目编号": "",
        "资产类别": "经营性",
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "原值": 800000,
        "确权主体": "村集体",
        "确权日期": "2024-11-01",
        "管护主体": "朝阳村委会",
        "管护责任人": "李四",
        "收益年度": 2024,
        "年度收益": 40000,
        "收益分配说明": "按四议两公开分配",
        "资产状态": "正常运营",
    } | cells


def load(
    kind: str, rows: list[dict[str, Any]], tmp_path: Path, actor: Any, name: str = "in.xlsx"
) -> dict[str, Any]:
    """Import rows of a ledger as `actor`; the pipeline's JSON."""
    path = write_sheet(tmp_path / name, HEADERS[kind], rows)
    return pipeline.run(kind, path, actor=actor)
