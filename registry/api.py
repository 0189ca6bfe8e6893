"""户籍 API (formats.md §5): `GET /api/v1/households` and `GET /api/v1/households/{id}`.

Scoped exactly like the pages: every read goes through `Household.objects.visible_to(user)`, so a
household or region of another area answers 404. ID numbers and phones are masked unless the user
may see them in full, and showing them in full is logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import create_model

from core import audit, codes, dates
from core.api import Page, errors
from core.masking import mask_phone
from core.permissions import Cap, can
from core.scoping import get_visible_or_404
from regions.models import Region, own_region
from regions.services import resolve
from registry.layouts import HOUSEHOLD_KEYS, PERSON_KEYS, REGISTER
from registry.models import Household, HouseholdQuerySet, Person
from registry.services import search_households

router = Router(tags=["户籍"])

PAGE_SIZE = 50
# Far beyond any county (130,000 households = 2,600 pages); keeps the offset a sane number.
MAX_PAGE = 100_000


class RegionOut(Schema):
    id: int
    code: str
    name: str
    path: str = Field(description="从县开始的名称路径，如 大冶市/金山店镇/朝阳村/一组")


class RegionRef(Schema):
    """A region as the figures name it (stats and ledger figures)."""

    code: str = Field(description="12位统计用区划代码（未登记时为空）")
    name: str


# Household and member columns come from the register's layout (registry.layouts).
HOUSEHOLD_API_KEYS = ("address", *(k for k in HOUSEHOLD_KEYS if k != "address"))
MEMBER_API_KEYS = PERSON_KEYS

HouseholdOut = create_model(
    "HouseholdOut",
    __base__=Schema,
    id=(int, ...),
    number=(str, Field(description="户编号")),
    region=(RegionOut, ...),
    head_name=(str, Field(description="户主姓名")),
    phone=(str, Field(description="联系电话（户主的；无权查看时打码）")),
    household_type=(str, Field(description="脱贫户 / 一般农户")),
    member_count=(int, Field(description="家庭人口数")),
    **REGISTER.api_fields(HOUSEHOLD_API_KEYS),
)
MemberOut = create_model(
    "MemberOut",
    __base__=Schema,
    id=(int, ...),
    age=(int | None, Field(description="年龄")),
    birth_date=(dt.date | None, Field(description="出生日期（仅可查看完整证件号码的用户）")),
    **REGISTER.api_fields(MEMBER_API_KEYS),
)
HouseholdDetailOut = create_model(
    "HouseholdDetailOut",
    __base__=HouseholdOut,
    members=(list[MemberOut], ...),  # type: ignore[valid-type]
)
HouseholdPage = create_model(
    "HouseholdPage",
    __base__=Schema,
    count=(int, ...),
    page=(int, ...),
    page_size=(int, ...),
    results=(list[HouseholdOut], ...),  # type: ignore[valid-type]
    notice=(
        str,
        Field("", description="对查询的说明，如无权按证件号码查询时只按户编号查找；无说明时为空"),
    ),
)


def _region_paths(regions: list[Region]) -> dict[int, str]:
    """Name paths for the regions of a page, from one query for all their ancestors."""
    ids = {int(x) for r in regions for x in r.path.strip("/").split("/") if x}
    names = dict(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        r.pk: "/".join(names.get(int(x), "") for x in r.path.strip("/").split("/") if x)
        for r in regions
    }


def _household(h: Household, path: str, full: bool) -> dict[str, Any]:
    return {
        "id": h.pk,
        "number": h.number,
        "region": {"id": h.region.pk, "code": h.region.code, "name": h.region.name, "path": path},
        "head_name": h.head_name,
        "phone": h.phone if full else mask_phone(h.phone),
        "household_type": h.household_type,
        "member_count": h.member_count,
        **REGISTER.api_values(h, HOUSEHOLD_API_KEYS, full=full),
    }


def _member(p: Person, full: bool, today: dt.date) -> dict[str, Any]:
    return {
        "id": p.pk,
        "age": p.age_on(today),
        "birth_date": p.birth_date if full else None,
        **REGISTER.api_values(p, MEMBER_API_KEYS, full=full),
    }


def visible_region(user: Any, ref: str | None) -> Region:
    """The `region` parameter of every endpoint: a region id, a 12-digit code, a unique name or a
    name path, looked up only among the regions the user may see; blank is the user's own region.

    One that is outside the user's area answers exactly like one that does not exist (404 with
    the same sentence), so nobody can probe which regions exist elsewhere; a name several of the
    user's regions bear answers 400.
    """
    mine = own_region(user)
    ref = (ref or "").strip()
    if not ref:
        return mine
    if ref.isdigit() and len(ref) < 12:
        # A region id, as the pages use in links; else it may still be a (numeric) name.
        found = Region.objects.visible_to(user).filter(pk=int(ref)).first()
        if found is not None:
            return found
    try:
        return resolve(ref, within=mine)
    except Region.DoesNotExist as exc:
        raise Http404(f"找不到区划“{ref}”") from exc
    except ValidationError as exc:  # a name several regions bear
        raise HttpError(400, "；".join(exc.messages)) from exc


@router.get(
    "/households",
    response={200: HouseholdPage, **errors(400, 401, 404, 422)},
    summary="农户列表",
    description="按区划（代码、唯一名称或名称路径）、关键词（姓名、户编号、证件号码）和监测对象类别"
    "筛选，每页50户。证件号码和电话按权限打码。",
)
def list_households(
    request: HttpRequest,
    region: str = "",
    q: str = "",
    category: str = "",
    page: Page = 1,
) -> dict[str, Any]:
    user = request.user
    qs: HouseholdQuerySet = Household.objects.visible_to(user)
    if region.strip():
        place = visible_region(user, region)
        qs = qs.filter(region__in=Region.objects.below(place).values("pk"))
    category = category.strip()  # as every other parameter: " " is blank, not a category
    if category:
        if category not in codes.CATEGORIES:
            raise HttpError(400, f"监测对象类别“{category}”无效，应为{'、'.join(codes.CATEGORIES)}")
        qs = qs.filter(category=category)
    notice = ""
    if q.strip():
        # The notice says why a full ID number found nobody for a user who may not search by
        # one (as the list page does): without it a program reads "not on the register".
        qs, notice = search_households(qs, q, actor=user)
    if not 1 <= page <= MAX_PAGE:
        raise HttpError(400, f"页码应为1到{MAX_PAGE}之间的整数")
    count = qs.count()
    start = (page - 1) * PAGE_SIZE
    rows = list(
        qs.select_related("region").order_by("region_id", "number")[start : start + PAGE_SIZE]
    )
    paths = _region_paths([h.region for h in rows])
    full = can(user, Cap.REVEAL)
    if full and rows:
        audit.record(
            actor=user,
            action="view_sensitive",
            object_type="registry.household",
            object_repr=f"农户列表第{page}页（{len(rows)}户）",
            region_id=getattr(user, "region_id", None),
            note=f"接口列表返回完整联系电话（{len(rows)}户）",
        )
    return {
        "count": count,
        "page": page,
        "page_size": PAGE_SIZE,
        "results": [_household(h, paths[h.region_id], full) for h in rows],
        "notice": notice,
    }


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **errors(401, 404, 422)},
    summary="农户详情（含成员）",
    description="另一区划的农户返回404。可查看完整证件号码的用户每次查看都记入变更记录。",
)
def get_household(request: HttpRequest, household_id: int) -> dict[str, Any]:
    user = request.user
    h = get_visible_or_404(Household.objects.select_related("region"), user, pk=household_id)
    members = list(h.persons.filter(is_member=True).order_by("id"))
    full = can(user, Cap.REVEAL)
    if full:
        audit.record(
            actor=user,
            action="view_sensitive",
            obj=h,
            household_id=h.pk,
            region_id=h.region_id,
            note=f"接口查看完整证件号码和电话（{len(members)}人）",
        )
    today = dates.today()
    data = _household(h, _region_paths([h.region])[h.region_id], full)
    data["members"] = [_member(p, full, today) for p in members]
    return data
