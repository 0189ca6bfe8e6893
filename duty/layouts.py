"""The layouts of the 责任落实 ledgers (formats.md §6) and their registration."""

from __future__ import annotations

from typing import Any

from core.layout import (
    Code,
    Column,
    Date,
    Group,
    Integer,
    Layout,
    Period,
    Phone,
    Text,
    YesNo,
)
from duty import services
from duty.models import SOURCES, Inspection, RectificationRow, Status, WorkTeamMember
from ledgers.kit import Ledger, region_columns, register


class StatusCode(Code):
    """状态: a blank cell means 整改中 (a new measure)."""

    def parse(self, raw: Any) -> str:
        return super().parse(raw) or Status.OPEN


RECTIFICATION = Layout(
    kind="rectification",
    name="问题整改台账",
    level="region",
    columns=(
        Column("problem_no", "问题编号", Text(40), required=True, unique=True),
        Column("measure_no", "措施序号", Integer(1, 9999), required=True, unique=True),
        Column("source", "问题来源", Code(values=SOURCES), by=True),
        Column("category", "问题类别", Text(60), by=True),
        Column("description", "问题描述", Text(500)),
        *region_columns(unique=False, required=False),
        Column("lead_unit", "牵头单位", Text(100)),
        Column("unit", "责任单位", Text(100)),
        Column("responsible", "责任人", Text(60)),
        Column("measure", "整改措施", Text(500)),
        Column("measure_type", "措施类型", Code(values=("长期坚持", "限时整改"))),
        Column("deadline", "整改时限", Date(past=False)),
        Column("progress", "整改进展", Text(500)),
        Column(
            "status",
            "状态",
            StatusCode(values=tuple(Status.values)),
            by=True,
            editable=False,
            help="措施完成由责任区划标记；销号由上一级审核",
        ),
        Column("closed_date", "销号日期", Date(), editable=False),
        Column("rule_code", "关联规则", Text(40), help="数据质量规则编码，如D01"),
    ),
    period=Period("deadline", "date"),
    group=Group(
        "problem_no",
        ("source", "category", "description", "town", "village", "lead_unit"),
        lenient=("rule_code",),
    ),
)


def clean_rectification(values: dict[str, Any]) -> dict[str, str]:
    """A 销号日期 belongs to a 销号 measure; a 限时整改 measure has its 整改时限."""
    problems: dict[str, str] = {}
    closed = values.get("closed_date")
    if closed and "status" in values and values["status"] != Status.CLOSED:
        problems["closed_date"] = "只有状态为“已销号”的措施才有销号日期"
    timed = values.get("measure_type") == "限时整改"
    if timed and "deadline" in values and not values.get("deadline"):
        problems["deadline"] = "限时整改的措施应填写整改时限"
    return problems


def note_rectification(values: dict[str, Any]) -> dict[str, str]:
    """An imported 已销号 measure without its 销号日期 is kept (a ledger kept elsewhere, or an
    outside checker's, may not have it: formats.md §6), and said, so that it is filled in."""
    closed = values.get("status") == Status.CLOSED
    if closed and "closed_date" in values and not values["closed_date"]:
        return {"closed_date": "状态为已销号但未填写销号日期"}
    return {}


WORK_TEAMS = Layout(
    kind="work_teams",
    name="驻村工作队",
    level="region",
    columns=(
        *region_columns(),
        Column("name", "姓名", Text(60), required=True, unique=True),
        Column("unit", "派出单位", Text(100)),
        Column("post", "队内职务", Code(values=WorkTeamMember.Post.values), by=True),
        # Either date may be ahead of today: a rotation is entered before it happens
        # (duty.services.rotate), and a posting's end is known when it starts.
        Column("start", "驻村开始日期", Date(past=False), required=True, unique=True),
        Column("end", "驻村结束日期", Date(past=False)),
        Column("phone", "联系电话", Phone(), sensitive=True),
    ),
    period=Period("start", "span", end="end"),
)


def clean_work_team(values: dict[str, Any]) -> dict[str, str]:
    """A stint does not end before it starts. (A blank 行政村 is the 乡镇's own team, or the
    county's when 乡镇 is blank too: formats.md §6.)"""
    problems: dict[str, str] = {}
    start, end = values.get("start"), values.get("end")
    if start and end and end < start:
        problems["end"] = f"驻村结束日期{end:%Y-%m-%d}早于开始日期{start:%Y-%m-%d}"
    return problems


INSPECTIONS = Layout(
    kind="inspections",
    name="督查与例会记录",
    level="region",
    columns=(
        Column("date", "日期", Date(), required=True, unique=True),
        *region_columns(),
        Column(
            "kind",
            "类型",
            Code(values=("工作提示", "学习", "例会", "纪律督查", "业务督查", "暗访", "培训")),
            required=True,
            unique=True,
            by=True,
        ),
        Column("organizer", "组织单位", Text(100), required=True, unique=True),
        Column("problems_found", "发现问题数", Integer(0, 100000)),
        Column("reported", "是否通报", YesNo()),
        Column("summary", "内容摘要", Text(500)),
    ),
    period=Period("date", "date"),
)


register(
    Ledger(
        RECTIFICATION,
        RectificationRow,
        clean=clean_rectification,
        notes=note_rectification,
        scoped_key=False,
        after_write=services.after_rectification_write,
        search=("problem_no", "description", "measure", "unit", "responsible"),
        help="问题整改台账：每条整改措施一行，问题的来源、类别、描述、区划和牵头单位在同一问题编号的"
        "各行相同。措施完成由责任区划标记，全部完成后由上一级审核销号（审核人不能是完成措施的人）。",
        extra={
            "links": [("问题与销号", "duty:problems"), ("整改汇总", "duty:rollup")],
            "row_link": ("问题与销号", "duty:problem", "problem_id"),
        },
    )
)
register(
    Ledger(
        WORK_TEAMS,
        WorkTeamMember,
        clean=clean_work_team,
        search=("name", "unit"),
        help="驻村工作队：每名队员每段驻村经历一行；轮换时填写原队员的驻村结束日期并新增接任队员，"
        "历史保留，可查询任一日期的在岗人员。",
        extra={"links": [("在岗与轮换", "duty:teams")]},
    )
)
register(
    Ledger(
        INSPECTIONS,
        Inspection,
        search=("organizer", "summary"),
        help="督查与例会记录：乡镇或村的工作提示、学习、例会、纪律督查、业务督查、暗访和培训。"
        "行政村为空表示乡镇本级。用于“每月一学习、一例会、一督查”的检查和工作汇报。",
        extra={"links": [("每月学习例会督查", "duty:monthly")]},
    )
)
