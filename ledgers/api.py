"""台账 API: `GET /api/v1/ledgers`, `/ledgers/{kind}` and `/ledgers/{kind}/stats`.

Scoped and masked exactly like the register: a user sees the rows of their region and below,
sensitive columns masked unless they may see them in full (and a page of full values is logged).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from core import audit
from core.api import OptionalInt, Page, errors
from core.layout import Column, Money
from core.masking import mask_numbers
from core.permissions import Cap, can
from ledgers import figures, kit
from registry.api import RegionRef, visible_region

router = Router(tags=["台账"])
PAGE_SIZE = 50


class KindOut(Schema):
    kind: str
    name: str
    level: str = Field(description="person（个人）/ household（农户）/ region（区划）")
    key: list[str] = Field(description="唯一键的表头")
    headers: list[str]


class RowPage(Schema):
    kind: str
    count: int
    page: int
    page_size: int
    results: list[dict[str, Any]] = Field(description="每行以列名（表头）为键；敏感列按权限打码")


class LedgerStats(Schema):
    """一种台账在区划和年度内的统计：与 fangpin ledger stats 的 ledgers[kind] 相同，另在 figures
    键下重复（兼容旧版）。"""

    # formats.md §7: the figures at the top level, as the command gives them; those a ledger
    # adds to the common ones (employment's by_month, work, changes) pass through as they are.
    model_config = ConfigDict(extra="allow")

    region: RegionRef = Field(description="统计的区划")
    year: int = Field(description="统计年度")
    kind: str
    rows: int = Field(description="条数")
    persons: int = Field(description="人数（不同的证件号码）")
    households: int = Field(description="户数（个人台账为其现在所在的户；区划台账为0）")
    amount: str = Field(description="金额（元，两位小数）")
    sums: dict[str, str] = Field(description="各金额列合计")
    by: dict[str, Any] = Field(description="按列分组")
    by_status: dict[str, Any] = Field(description="按户类型（脱贫户、监测户、一般农户）")
    figures: dict[str, Any] = Field(
        description="与顶层相同的统计（兼容旧版）；有的台账另有其他统计，如务工监测的by_month"
    )


def _ledger(kind: str) -> kit.Ledger:
    try:
        return kit.ledger(kind)
    except KeyError as exc:
        raise Http404("没有这种台账") from exc


def _cell(column: Column, value: Any, full: bool) -> str:
    """A cell as the list shows it, but money as the figures give it ("1500.00", no thousands
    separator), so that a program reads the number back."""
    if isinstance(column.kind, Money) and value is not None:
        return figures.money(value)
    return column.show(value, full=full)


def _shows_numbers(ledger: kit.Ledger, results: list[dict[str, Any]]) -> bool:
    """Whether a page of rows shows full numbers: a sensitive column, or a number in a text."""
    if any(c.sensitive for c in ledger.layout.columns):
        return True
    texts = [c.header for c in ledger.layout.columns if c.is_free_text]
    return any(mask_numbers(r[h]) != r[h] for r in results for h in texts if r.get(h))


def _year(year: int | None) -> int:
    try:
        return figures.year_of(year)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc


@router.get(
    "/ledgers",
    response={200: list[KindOut], **errors(401)},
    summary="台账种类",
    description="系统中登记的每种台账：代码、名称、层级（个人、农户或区划）、唯一键和导入导出的表头。",
)
def list_kinds(request: HttpRequest) -> list[dict[str, Any]]:
    return kit.describe()


@router.get(
    "/ledgers/{kind}",
    response={200: RowPage, **errors(400, 401, 404, 422)},
    summary="台账记录",
    description="按区划（代码、唯一名称或名称路径）和年度筛选，每页50条；证件号码和电话按权限打码。",
)
def list_rows(
    request: HttpRequest,
    kind: str,
    region: str = "",
    year: OptionalInt = None,
    page: Page = 1,
) -> dict[str, Any]:
    ledger = _ledger(kind)
    user = request.user
    place = visible_region(user, region)
    if page < 1 or page > 10**6:
        raise HttpError(400, "页码无效")
    qs = ledger.model.objects.visible_to(user).below(place)
    if year is not None:
        qs = qs.filter(figures.period_q(ledger, _year(year)))
    count = qs.count()
    start = (page - 1) * PAGE_SIZE
    rows = qs.select_related(*ledger.related()).order_by("pk")[start : start + PAGE_SIZE]
    full = can(user, Cap.REVEAL)
    results = []
    for row in rows:
        values = ledger.values(row)
        cells = {c.header: _cell(c, values.get(c.key), full) for c in ledger.layout.columns}
        results.append({"id": row.pk, **cells})
    if full and results and _shows_numbers(ledger, results):
        audit.record(
            actor=user,
            action="view_sensitive",
            object_type=ledger.model._meta.label_lower,
            object_repr=f"接口查看{ledger.name}完整证件号码（{len(results)}条）",
            region_id=place.pk,
        )
    return {"kind": kind, "count": count, "page": page, "page_size": PAGE_SIZE, "results": results}


@router.get(
    "/ledgers/{kind}/stats",
    response={200: LedgerStats, **errors(400, 401, 404, 422)},
    summary="台账统计",
    description="与 fangpin ledger stats 的 ledgers[kind] 相同的统计：条数、人数、"
    "户数、金额、各列合计、按列分组和按户类型，务工监测另有按月份（by_month）等；"
    "figures 键重复这些统计。",
)
def ledger_stats(
    request: HttpRequest, kind: str, region: str = "", year: OptionalInt = None
) -> LedgerStats:
    ledger = _ledger(kind)
    place = visible_region(request.user, region)
    year = _year(year)
    found = figures.figures(ledger, place, year)
    # Built rather than validated: ninja validates a schema from a dict's attributes, which
    # drops the figures a ledger adds (extra="allow" keeps them only here). The figures are
    # the command's own, already of the schema's types.
    return LedgerStats.model_construct(
        **found,
        region=RegionRef(code=place.code, name=place.name),
        year=year,
        kind=kind,
        figures=found,
    )
