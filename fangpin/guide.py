"""Help pages, one per module (`/help/<module>/`), in Chinese: what the pages are for, the policy
behind them and the file formats. Every page links to its module's help through the 帮助 link of
base.html, keyed by the URL namespace. The file formats are read from the declared layouts (the
register, each ledger, each department file), so the help never disagrees with the importers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.layout import (
    Code,
    Codes,
    Column,
    Date,
    IdNumber,
    Integer,
    Money,
    Month,
    Number,
    Phone,
    Year,
    YesNo,
)


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    summary: str


TOPICS: tuple[Topic, ...] = (
    Topic("registry", "户籍台账", "农户和家庭成员的基础信息、状态和变更记录"),
    Topic("imports", "导入导出", "标准户籍台账的导入（先检查后导入）和导出"),
    Topic("monitoring", "监测识别", "线索、识别程序、风险消除、回退、公示和农户自主申报"),
    Topic("assistance", "帮扶走访", "帮扶联系人、一户一策、走访和集中排查"),
    Topic("exchange", "部门比对", "部门数据比对预警、台账内部校验和比对规则"),
    Topic("ledgers", "台账", "政策落实等各类台账的导入、录入、导出、打印和统计"),
    Topic("duty", "责任落实", "问题整改、驻村工作队、督查与例会、网格和结对帮扶"),
    Topic("stats", "统计报表", "任意日期的统计、驾驶舱、Excel台账、工作汇报和打印"),
    Topic("accounts", "账号与用户", "登录、修改密码、接口令牌、用户管理和查阅记录"),
    Topic("regions", "行政区划", "县、乡镇、行政村、组的区划树"),
    Topic("core", "后台任务", "导入、比对、预警更新等耗时工作的进度"),
    Topic("api", "数据接口", "只读的 JSON 接口和接口说明"),
)
BY_KEY = {t.key: t for t in TOPICS}
# URL namespaces that share a topic.
ALIASES = {
    "public": "monitoring",
    "jobs": "core",
    # the ledger apps: their formats and pages are the 台账 help
    "benefits": "ledgers",
    "employment": "ledgers",
    "livelihood": "ledgers",
    "projects": "ledgers",
    "lowincome": "exchange",  # the 民政 低收入人口 list is one of the department exchanges
}


def describe(column: Column) -> str:
    """What a cell of the column holds, in words."""
    kind = column.kind
    if isinstance(kind, IdNumber):
        return "18位身份证号码（或其他证件号码）"
    if isinstance(kind, Phone):
        return "手机或固定电话号码"
    if isinstance(kind, Date):
        return "日期，如 2024-03-01"
    if isinstance(kind, Month):
        return "年月，如 2024-03"
    if isinstance(kind, Year):
        return "四位年份"
    if isinstance(kind, Money):
        return "金额（元），最多两位小数"
    if isinstance(kind, Number):
        return "数字"
    if isinstance(kind, Integer):
        return "整数"
    if isinstance(kind, YesNo):
        return "是 / 否"
    if isinstance(kind, Code | Codes):
        values = [label for _, label in kind.choices()]
        shown = "、".join(values[:8]) + ("等" if len(values) > 8 else "")
        many = "，可填多个，用“、”分隔" if isinstance(kind, Codes) else ""
        return f"取值：{shown}{many}" if values else "代码"
    return "文字"


def layout_table(title: str, columns: Any, note: str = "") -> dict[str, Any]:
    return {
        "title": title,
        "note": note,
        "columns": [
            {
                "header": c.header,
                "required": c.required,
                "key": c.unique,
                "what": c.help or describe(c),
            }
            for c in columns
            if c.exported
        ],
    }


def formats(topic: str) -> list[dict[str, Any]]:
    """The file formats a module reads, from the declared layouts."""
    if topic in ("registry", "imports"):
        from registry.layouts import REGISTER

        return [
            layout_table(
                "标准户籍台账（.xlsx）",
                REGISTER.columns,
                "每个成员一行，同一户的户信息在各行重复且必须一致；表头所在行以“证件号码”识别，"
                "表头上方可有标题行。",
            )
        ]
    if topic == "ledgers":
        from ledgers.kit import ledgers

        return [
            layout_table(f"{ledger.name}（.xlsx）", ledger.layout.columns, ledger.help)
            | {"anchor": kind}
            for kind, ledger in sorted(ledgers().items(), key=lambda kv: kv[1].name)
        ]
    if topic == "duty":
        from ledgers.kit import ledgers

        return [
            layout_table(f"{ledger.name}（.xlsx）", ledger.layout.columns, ledger.help)
            for ledger in ledgers().values()
            if ledger.model.__module__.startswith("duty.")
        ]
    if topic == "exchange":
        from exchange.readers import SOURCES

        return [
            {
                "title": f"{s.department} · {s.label}（.xlsx 或 .csv）",
                "note": "",
                "columns": [
                    {
                        "header": c.header,
                        "required": c.required,
                        "key": c.kind == "id",
                        "what": {
                            "id": "18位身份证号码",
                            "date": "日期，如 2024-03-01",
                            "money": "金额（元）",
                            "enum": "取值：" + "、".join(c.values),
                        }.get(c.kind, "文字"),
                    }
                    for c in s.columns
                ],
            }
            for s in SOURCES.values()
        ]
    return []


def help_page(request: HttpRequest, topic: str = "") -> HttpResponse:
    """The help index, or one module's help."""
    topic = ALIASES.get(topic, topic)
    if not topic:
        return render(request, "help/index.html", {"topics": TOPICS})
    if topic not in BY_KEY:  # a module without its own help yet: the index
        return redirect("help")
    return render(
        request,
        "help/topic.html",
        {
            "topic": BY_KEY[topic],
            "topics": TOPICS,
            "body": f"help/{topic}.html",
            "formats": formats(topic),
        },
    )
