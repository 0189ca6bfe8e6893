"""The asset register (policy.md rule 37): the county's 总账 (one line per town or village with
the totals by 类别, 确权, 管护, 收益 and 状态) and each town's or village's 明细台账 (one line
per asset), as pages and as Excel for printing — title rows, a frozen header, a 合计 row and A4
set-up (core.xlsx, as ledgers.workbook)."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from core import dates
from core.xlsx import StreamWorkbook
from ledgers.kit import region_names
from projects.models import ASSET_CATEGORIES, Asset
from regions.models import Region

ZERO = Decimal("0.00")
TOTAL_HEADER = [
    "区划",
    "资产数",
    "原值合计",
    *(f"{c}资产" for c in ASSET_CATEGORIES),
    *(f"{c}原值" for c in ASSET_CATEGORIES),
    "已确权",
    "未确权",
    "有管护责任人",
    "年度收益",
    "闲置",
    "损毁",
    "已处置",
]
DETAIL_HEADER = [
    "资产编号",
    "资产名称",
    "来源项目编号",
    "资产类别",
    "乡镇",
    "行政村",
    "原值",
    "确权主体",
    "确权日期",
    "管护主体",
    "管护责任人",
    "收益年度",
    "年度收益",
    "收益分配说明",
    "资产状态",
]


def _blank() -> dict[str, Any]:
    return {
        "assets": 0,
        "value": ZERO,
        "count": dict.fromkeys(ASSET_CATEGORIES, 0),
        "by_value": {c: ZERO for c in ASSET_CATEGORIES},
        "owned": 0,
        "unowned": 0,
        "kept": 0,
        "income": ZERO,
        "idle": 0,
        "damaged": 0,
        "disposed": 0,
    }


def _add(t: dict[str, Any], a: dict[str, Any], year: int) -> None:
    value = a["original_value"] or ZERO
    t["assets"] += 1
    t["value"] += value
    if a["category"] in t["count"]:
        t["count"][a["category"]] += 1
        t["by_value"][a["category"]] += value
    t["owned" if a["owner"] else "unowned"] += 1
    t["kept"] += int(bool(a["keeper_person"]))
    if a["income_year"] == year:
        t["income"] += a["income"] or ZERO
    t["idle"] += int(a["status"] == "闲置")
    t["damaged"] += int(a["status"] == "损毁")
    t["disposed"] += int(a["status"] == "已处置")


def register(region: Region, year: int) -> dict[str, Any]:
    """The 总账 of `region`: one line per active child region (its assets and below), the
    region's own assets, and the total (one query)."""
    children = list(Region.objects.filter(parent=region, retired=False).order_by("sort", "name"))
    depth = len(region.path.strip("/").split("/"))
    parts = {c.pk: _blank() for c in children}
    own, total = _blank(), _blank()
    rows = Asset.objects.below(region).values(
        "region__path",
        "category",
        "original_value",
        "owner",
        "keeper_person",
        "income_year",
        "income",
        "status",
    )
    for a in rows:
        _add(total, a, year)
        ids = [int(x) for x in a["region__path"].strip("/").split("/") if x]
        child = ids[depth] if len(ids) > depth else None
        _add(parts.get(child, own) if child else own, a, year)
    return {
        "parts": [{"region": c, **parts[c.pk]} for c in children],
        "own": own if own["assets"] else None,
        "total": total,
    }


def _total_line(label: str, t: dict[str, Any]) -> list[Any]:
    return [
        label,
        t["assets"],
        t["value"],
        *(t["count"][c] for c in ASSET_CATEGORIES),
        *(t["by_value"][c] for c in ASSET_CATEGORIES),
        t["owned"],
        t["unowned"],
        t["kept"],
        t["income"],
        t["idle"],
        t["damaged"],
        t["disposed"],
    ]


def asset_total(region: Region, year: int, out: IO[bytes]) -> int:
    """The 总账 workbook; returns the number of assets."""
    found = register(region, year)
    book = StreamWorkbook(out, sheet="帮扶项目资产总账", widths={0: 16})
    book.write_row([f"{region.name}帮扶项目资产总账（{year}年度）"])
    book.write_row(
        [f"区划：{region.full_name()}    收益年度：{year}    制表日期：{dates.today():%Y-%m-%d}"]
    )
    book.write_row(TOTAL_HEADER, header=True)
    book.print_setup(header_row=2)
    for part in found["parts"]:
        book.write_row(_total_line(part["region"].name, part))
    if found["own"]:
        book.write_row(_total_line(f"{region.name}本级", found["own"]))
    book.write_row(_total_line("合计", found["total"]), header=True)
    book.close()
    return int(found["total"]["assets"])


def asset_detail(region: Region, year: int, out: IO[bytes]) -> int:
    """The 明细台账 workbook of `region` (a town's or a village's): one line per asset."""
    book = StreamWorkbook(out, sheet="帮扶项目资产明细台账", widths={1: 24, 13: 30})
    book.write_row([f"{region.name}帮扶项目资产明细台账（{year}年度）"])
    book.write_row(
        [f"区划：{region.full_name()}    收益年度：{year}    制表日期：{dates.today():%Y-%m-%d}"]
    )
    book.write_row(DETAIL_HEADER, header=True)
    book.print_setup(header_row=2)
    count, value, income = 0, ZERO, ZERO
    rows = (
        Asset.objects.below(region)
        .select_related("region", "region__parent")
        .order_by("region__path", "asset_no")
    )
    for a in rows.iterator(chunk_size=2000):
        names = region_names(a.region)
        book.write_row(
            [
                a.asset_no,
                a.name,
                a.project_no,
                a.category,
                names["town"],
                names["village"],
                a.original_value,
                a.owner,
                a.owned_on,
                a.keeper,
                a.keeper_person,
                a.income_year,
                a.income,
                a.distribution,
                a.status,
            ]
        )
        count += 1
        value += a.original_value or ZERO
        if a.income_year == year:
            income += a.income or ZERO
    book.write_row(
        ["合计", f"资产{count}项", "", "", "", "", value, "", "", "", "", year, income],
        header=True,
    )
    book.close()
    return count


PROGRESS_HEADER = [
    "项目编号",
    "项目名称",
    "项目类别",
    "区划",
    "项目状态",
    "中央",
    "省级",
    "市级",
    "县级",
    "其他",
    "下达合计",
    "已支付",
    "支出进度（%）",
    "台账已支付金额",
    "滞后情况",
]


def progress_workbook(
    found: dict[str, Any], funds: dict[int, dict[str, Any]], out: IO[bytes]
) -> int:
    """The progress table of `projects.figures.progress` for printing: one line per project
    (the slowest first), a 合计 line, then the lines by town (or village)."""
    region, year = found["region"], found["year"]
    book = StreamWorkbook(out, sheet="衔接资金项目进度", widths={0: 14, 1: 28, 14: 30})
    book.write_row([f"{region.name}{year}年衔接资金项目进度表"])
    t = found["total"]
    book.write_row(
        [
            f"区划：{region.full_name()}    支出进度{t['rate'] or 0}%（{found['month']}月底目标"
            f"{t['spend_target']}%）    产业发展资金占比{t['share'] or 0}%（下限{found['floor']}%）"
            f"    制表日期：{dates.today():%Y-%m-%d}"
        ]
    )
    book.write_row(PROGRESS_HEADER, header=True)
    book.print_setup(header_row=2)
    ordered = sorted(
        found["projects"], key=lambda p: (p["rate"] is None, p["rate"] or 0, p["project_no"])
    )
    for p in ordered:
        levels = funds.get(p["pk"], {})
        book.write_row(
            [
                p["project_no"],
                p["name"],
                p["category"],
                p["region__name"],
                p["status"],
                *(levels.get(label, ZERO) for label in ("中央", "省级", "市级", "县级", "其他")),
                p["allocated"],
                p["paid"],
                p["rate"],
                p["paid_amount"],
                p["behind"] or ("已支付金额与支付台账不符" if p["mismatch"] else ""),
            ]
        )
    book.write_row(
        [
            "合计",
            f"项目{t['projects']}个",
            "",
            "",
            f"滞后{t['behind']}个",
            *t["funds"].values(),
            t["allocated"],
            t["paid"],
            t["rate"],
        ],
        header=True,
    )
    book.write_row([])
    book.write_row(
        [
            "区划",
            "项目数",
            "",
            "",
            "",
            "中央",
            "省级",
            "市级",
            "县级",
            "其他",
            "下达合计",
            "已支付",
            "支出进度（%）",
        ],
        header=True,
    )
    parts = [(p["region"].name, p) for p in found["parts"]]
    if found["own"]:
        parts.append((f"{region.name}本级", found["own"]))
    for name, part in parts:
        book.write_row(
            [
                name,
                part["projects"],
                "",
                "",
                "",
                *part["funds"].values(),
                part["allocated"],
                part["paid"],
                part["rate"],
            ]
        )
    book.close()
    return len(ordered)
