"""The OpenAPI document reads in Chinese and has a browsable page served locally (issue 16)."""

from __future__ import annotations

import re
from typing import Any

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_openapi_document_is_in_chinese(client_for: Any) -> None:
    schema = client_for("town_staff").get("/api/v1/openapi.json").json()
    assert CJK.search(schema["info"]["title"]) and CJK.search(schema["info"]["description"])
    for path, ops in schema["paths"].items():
        for op in ops.values():
            assert CJK.search(op["summary"]), path
            assert CJK.search(op.get("description", "")), f"{path} 缺少中文说明"
            for param in op.get("parameters", []):
                assert CJK.search(param["schema"].get("title", "")), (path, param["name"])
    for name, component in schema["components"]["schemas"].items():
        assert CJK.search(component["title"]), name
        for prop, item in component.get("properties", {}).items():
            assert CJK.search(item.get("title", "")), (name, prop)
    text = str(schema)
    assert "formats.md" not in text and "policy.md" not in text and "§" not in text


def test_the_docs_page_lists_every_endpoint_without_a_cdn(client_for: Any) -> None:
    response = client_for("village_staff").get("/api/v1/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    schema = client_for("village_staff").get("/api/v1/openapi.json").json()
    for path in schema["paths"]:
        assert path in body
    assert "农户列表" in body and "统计日期" in body and "户编号" in body
    assert "未登录或令牌无效" in body and 'href="#model-InvalidParameters"' in body
    assert "cdn" not in body.lower() and "unpkg" not in body and "jsdelivr" not in body
    srcs = re.findall(r'(?:src|href)="(https?://[^"]+)"', body)
    assert srcs == [], srcs


def test_the_docs_page_needs_a_login(client: Any) -> None:
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_the_docs_page_without_its_slash_sends_the_browser_to_it(client_for: Any) -> None:
    """/api/v1/docs is a page's address typed without the slash: a redirect to the page, not the
    endpoints' JSON 404."""
    response = client_for("village_staff").get("/api/v1/docs")
    assert response.status_code == 302 and response["Location"] == "/api/v1/docs/"
