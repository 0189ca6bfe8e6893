"""Rows of the 责任落实 ledgers as a user's spreadsheet holds them, and small builders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import pipeline
from duty.layouts import INSPECTIONS, RECTIFICATION, WORK_TEAMS
from fangpin.testing import write_sheet

RECT = RECTIFICATION.headers
TEAMS = WORK_TEAMS.headers
INSP = INSPECTIONS.headers


def measure(number: str, no: int, **cells: Any) -> dict[str, Any]:
    """One 措施 row of the rectification ledger (a village problem of 朝阳村 by default)."""
    return {
        "问题编号": number,
        "措施序号": no,
        "问题来源": "省后评估",
        "问题类别": "监测帮扶",
        "问题描述": f"问题{number}的描述",
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "牵头单位": "镇乡村振兴办",
        "责任单位": "朝阳村委会",
        "责任人": "张三",
        "整改措施": f"措施{no}",
        "措施类型": "限时整改",
        "整改时限": "2024-06-30",
        "整改进展": "",
        "状态": "整改中",
        "销号日期": "",
        "关联规则": "",
    } | cells


def member(name: str, **cells: Any) -> dict[str, Any]:
    return {
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "姓名": name,
        "派出单位": "市农业农村局",
        "队内职务": "队员",
        "驻村开始日期": "2025-06-01",
        "驻村结束日期": "",
        "联系电话": "13812345678",
    } | cells


def inspection(date: str, kind: str, **cells: Any) -> dict[str, Any]:
    return {
        "日期": date,
        "乡镇": "金山店镇",
        "行政村": "",
        "类型": kind,
        "组织单位": "镇乡村振兴办",
        "发现问题数": "",
        "是否通报": "否",
        "内容摘要": "",
    } | cells


def load(
    kind: str, rows: list[dict[str, Any]], tmp_path: Path, actor: Any, name: str = "in.xlsx"
) -> dict[str, Any]:
    """Import rows of a ledger as `actor`; the pipeline's JSON."""
    headers = {"rectification": RECT, "work_teams": TEAMS, "inspections": INSP}[kind]
    path = write_sheet(tmp_path / name, headers, rows)
    return pipeline.run(kind, path, actor=actor)
