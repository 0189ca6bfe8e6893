"""API endpoints. Authentication by session or `Authorization: Bearer <token>`; scoped by
`visible_to(user)` exactly like the pages."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from accounts.models import ApiToken


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session (GET only, so no CSRF token is needed)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


# Chinese titles (and descriptions where an endpoint gave none) of the parameters and fields,
# so the OpenAPI document reads in Chinese whatever the Python names are. A new parameter or
# field name needs its entry here (api/tests/test_openapi.py checks).
GLOSSARY: dict[str, tuple[str, str]] = {
    "region": (
        "区划",
        "区划ID、代码、唯一名称或名称路径（如 大冶市/金山店镇），默认为本人所在区划",
    ),
    "q": ("关键词", "姓名、户编号或证件号码"),
    "category": ("监测对象类别", "如 脱贫不稳定户、边缘易致贫户、突发严重困难户"),
    "page": ("页码", "从1开始"),
    "as_of": ("统计日期", "YYYY-MM-DD，默认今天"),
    "year": ("年度", "四位年份，默认今年"),
    "kind": ("台账种类", "台账代码，见“台账种类”接口"),
    "household_id": ("农户ID", "农户列表返回的 id"),
    "id": ("编号", "系统内部编号（ID）"),
    "count": ("总数", "符合条件的记录数"),
    "page_size": ("每页条数", ""),
    "results": ("记录", ""),
    "code": ("区划代码", "12位统计用区划代码"),
    "name": ("名称", ""),
    "members": ("家庭成员", ""),
    "headers": ("表头", "导入导出文件的列名，按顺序"),
    "number": ("户编号", ""),
    "head_name": ("户主姓名", ""),
    "phone": ("联系电话", ""),
    "household_type": ("户类型", ""),
    "member_count": ("家庭人口数", ""),
    "address": ("家庭住址", ""),
    "is_alleviated": ("是否脱贫户", ""),
    "alleviated_year": ("脱贫年度", ""),
    "identified_date": ("识别监测时间", ""),
    "risks": ("风险类型", ""),
    "risk_eliminated": ("风险是否消除", ""),
    "eliminated_date": ("风险消除时间", ""),
    "elimination_method": ("风险消除方式", ""),
    "per_capita_income": ("家庭年人均纯收入", ""),
    "no_labour": ("整户无劳动能力", ""),
    "path": ("名称路径", ""),
    "age": ("年龄", ""),
    "birth_date": ("出生日期", ""),
    "id_number": ("证件号码", ""),
    "relation": ("与户主关系", ""),
    "sex": ("性别", ""),
    "ethnicity": ("民族", ""),
    "education": ("文化程度", ""),
    "schooling": ("在校生状况", ""),
    "health": ("健康状况", ""),
    "labour_skill": ("劳动技能", ""),
    "employment": ("务工状况", ""),
    "work_place": ("务工地点", ""),
    "medical_insurance": ("是否参加基本医疗保险", ""),
    "dibao": ("是否享受低保", ""),
    "tekun": ("是否特困供养", ""),
    "level": ("层级", ""),
    "key": ("唯一键", ""),
    "detail": ("说明", ""),
    "errors": ("错误明细", ""),
    "households": ("户数", ""),
    "persons": ("人数", ""),
    "villages": ("行政村数", ""),
    "alleviated": ("脱贫户", ""),
    "alleviated_stable": ("稳定脱贫户", ""),
    "monitored": ("监测对象", ""),
    "eliminated": ("风险已消除", ""),
    "not_eliminated": ("风险未消除", ""),
    "by_category": ("按监测对象类别", ""),
    "by_identified_year": ("按识别年度", ""),
    "identified_this_year": ("本年新识别", ""),
    "eliminated_this_year": ("本年风险消除", ""),
    "exits_this_year": ("本年退出", ""),
    "communities": ("社区数", ""),
    "alleviated_villages": ("脱贫村", ""),
    "key_villages": ("重点帮扶村", ""),
    "names": ("名称", ""),
    "figures": ("统计数字", ""),
    "rows": ("条数", ""),
    "amount": ("金额", "元，两位小数"),
    "sums": ("各金额列合计", ""),
    "by": ("按列分组", ""),
    "by_status": ("按户类型", "脱贫户、监测户、一般农户"),
    "notice": ("说明", ""),
}
SCHEMA_TITLES = {
    "HouseholdOut": "农户",
    "HouseholdPage": "农户列表（分页）",
    "RegionOut": "区划",
    "HouseholdDetailOut": "农户详情",
    "MemberOut": "家庭成员",
    "KindOut": "台账种类",
    "RowPage": "台账记录（分页）",
    "Error": "错误",
    "InvalidParameters": "参数无效",
    "StatsOut": "统计数字",
    "RegionRef": "区划（代码和名称）",
    "Count": "户数和人数",
    "Monitored": "监测对象",
    "NotEliminated": "风险未消除的监测对象",
    "Exits": "退出（按原因）",
    "Places": "村（个数和名称）",
    "LedgerStats": "台账统计",
}
# What each status of an endpoint's responses means (ninja writes the English reason phrase).
STATUSES = {
    200: "成功",
    400: "请求无效（如区划名称不唯一、筛选值无效），detail 说明原因",
    401: "未登录或令牌无效",
    403: "无权访问",
    404: "未找到，或不在本人所辖区划内（两者的回答相同）",
    422: "参数格式无效（如页码不是整数、日期不是 YYYY-MM-DD）",
}


def _chinese(name: str, item: dict[str, Any]) -> None:
    title, description = GLOSSARY.get(name, ("", ""))
    if title:
        item["title"] = title
    if description and not item.get("description"):
        item["description"] = description


def _chinese_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """`view` answering a method it lacks in the documented body: ninja writes a plain "Method
    not allowed" there, outside its exception handlers."""

    @functools.wraps(view)  # keeps csrf_exempt, which ninja sets on its views
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        allowed = response.get("Allow", "")
        said = f"此接口不支持 {request.method} 请求，只支持 {allowed}"
        chinese = error_response(request, 405, said)
        chinese["Allow"] = allowed
        return chinese

    return checked


def _refuse_nul(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """`view` refusing a query parameter with a NUL character (`?region=%00`) as one that does
    not parse (422 naming it): PostgreSQL cannot compare such a text, and the look-up failed
    with a 500."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        bad = [name for name, values in request.GET.lists() if any("\x00" in v for v in values)]
        if not bad:
            return view(request, *args, **kwargs)
        return api.create_response(
            request,
            {
                "detail": "；".join(
                    f"参数{GLOSSARY.get(name, ('', ''))[0]}（{name}）的值无效，不能含有空字符"
                    for name in bad
                ),
                "errors": [
                    {"type": "string_nul", "loc": ["query", name], "msg": "含有空字符（\\x00）"}
                    for name in bad
                ],
            },
            status=422,
        )

    return checked


class ChineseAPI(NinjaAPI):
    """The OpenAPI document with Chinese titles for every parameter, field and schema, and Chinese
    error bodies."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _chinese_405(_refuse_nul(pattern.callback))
        return patterns, app_name, namespace

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                for param in op.get("parameters", []):
                    _chinese(param["name"], param)
                    _chinese(param["name"], param.setdefault("schema", {}))
                for status, response in op.get("responses", {}).items():
                    response["description"] = STATUSES.get(int(status), response["description"])
        for name, component in schema.get("components", {}).get("schemas", {}).items():
            component["title"] = SCHEMA_TITLES.get(name, component.get("title", name))
            for prop, item in component.get("properties", {}).items():
                _chinese(prop, item)
        return schema


api = ChineseAPI(
    title="防止返贫动态监测和帮扶系统 接口",
    version="1",
    description=(
        "只读的 JSON 接口，供统计和对接使用。认证：浏览器已登录的会话，或请求头 "
        "`Authorization: Bearer <令牌>`（令牌在“我的账号”页面生成）。每个接口只返回本人所辖"
        "区划的数据；证件号码和电话按本人权限打码。浏览版说明见 /api/v1/docs/。"
    ),
    auth=[BearerAuth(), SessionAuth(csrf=False)],
    openapi_url="/openapi.json",
    docs_url=None,  # the interactive docs page loads assets from a CDN: /api/v1/docs/ instead
    urls_namespace="api",
)


CJK = re.compile(r"[\u4e00-\u9fff]")
# The body of an error whose code said nothing in Chinese (ninja's own "Unauthorized",
# "Forbidden", "Not Found").
SAID = {
    401: "未登录或令牌无效：请先登录，或在请求头中写 Authorization: Bearer <令牌>",
    403: "无权访问",
    404: "未找到",
    405: "不支持此请求方法",
    429: "请求过于频繁，请稍后再试",
}


def error_response(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """An error in the body every endpoint documents ({"detail": …}), in Chinese: the code's own
    sentence, else the status's."""
    detail = message if CJK.search(message) else SAID.get(status, "请求无效")
    response = api.create_response(request, {"detail": detail}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)  # also ninja's AuthenticationError (401), AuthorizationError
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, exc.message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """ninja answers every 404 "Not Found"; keep what the code said (another area's object is
    refused with the same sentence as a missing one, so this tells nothing more)."""
    return error_response(request, 404, str(exc))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, str(exc))


# What a parameter of each pydantic error type should have been.
EXPECTED = {"int": "整数", "date": "YYYY-MM-DD 格式的日期", "bool": "true 或 false"}


@api.exception_handler(ValidationError)
def _invalid_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A parameter that does not parse (page=x, as_of=2024-13-01): 422 with a Chinese sentence
    per parameter, pydantic's details kept for programs."""
    sentences: list[str] = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in {"query", "path"}]
        name = loc[-1] if loc else ""
        title = GLOSSARY.get(name, ("", ""))[0]
        kind = str(error.get("type", "")).split("_")[0]
        expected = EXPECTED.get(kind, "")
        sentences.append(
            f"参数{title}（{name}）的值无效" + (f"，应为{expected}" if expected else "")
        )
    return api.create_response(
        request,
        {"detail": "；".join(dict.fromkeys(sentences)), "errors": exc.errors},
        status=422,
    )


def _install_routers() -> None:
    """Each app exposes its endpoints as `router` in `<app>/api.py`; mount them all here."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router("", router)


_install_routers()
