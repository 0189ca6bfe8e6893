"""The browsable API documentation: the OpenAPI document rendered as a page, served locally (the
interactive Swagger page would load its scripts from a CDN)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve

from api.endpoints import api, error_response

PREFIX = "/api/v1"


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " 或 ".join(_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    if kind == "array":
        return f"{_type(schema.get('items', {}))} 列表"
    return {
        "string": "日期" if schema.get("format") == "date" else "文本",
        "integer": "整数",
        "number": "数字",
        "boolean": "是/否",
        "object": "对象",
    }.get(kind, kind)


def _ref(schema: dict[str, Any]) -> str:
    """The component a response is (or is a list of)."""
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
    return str(ref).rsplit("/", 1)[-1]


def _body(response: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of a response's body."""
    return dict(response.get("content", {}).get("application/json", {}).get("schema", {}))


@login_required
def docs(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema(path_prefix=PREFIX)
    components = schema.get("components", {}).get("schemas", {})
    endpoints = []
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            body = _body(op.get("responses", {}).get("200", {}))
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": op.get("operationId", path),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "params": [
                        {
                            "name": p["name"],
                            "in": {"query": "查询参数", "path": "路径参数"}.get(p["in"], p["in"]),
                            "title": p.get("schema", {}).get("title", ""),
                            "type": _type(p.get("schema", {})),
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "returns": _type(body) if body else "",
                    "returns_ref": _ref(body),
                    "errors": [
                        {
                            "status": status,
                            "description": r.get("description", ""),
                            "ref": _ref(_body(r)),
                        }
                        for status, r in op.get("responses", {}).items()
                        if status != "200"
                    ],
                }
            )
    models = [
        {
            "name": name,
            "title": c.get("title", name),
            "fields": [
                {
                    "name": key,
                    "title": item.get("title", ""),
                    "type": _type(item),
                    "description": item.get("description", ""),
                }
                for key, item in c.get("properties", {}).items()
            ],
        }
        for name, c in components.items()
    ]
    return render(
        request,
        "api/docs.html",
        {"info": schema["info"], "endpoints": endpoints, "models": models, "prefix": PREFIX},
    )


def no_endpoint(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
    """A path under /api/v1/ that is no endpoint: 404 in the endpoints' body.

    An endpoint's path with a trailing slash (`/api/v1/households/`, as many clients and
    people write it) gets that endpoint's own answer: a redirect would cost a client that does
    not follow it (curl) the answer, and one that does may drop its token on the way.
    """
    bare = request.path.rstrip("/")
    if bare != request.path and bare.startswith(PREFIX + "/"):
        try:
            match = resolve(bare)
        except Resolver404:
            match = None
        if match is not None and match.func is not no_endpoint:
            return match.func(request, *match.args, **match.kwargs)
    return error_response(request, 404, f"没有这个接口：{request.path}")
