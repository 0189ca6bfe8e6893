"""Every error of the API answers in Chinese, in the body the OpenAPI document gives it, and the
`region` parameter means the same on every endpoint (another area's region answers exactly like
one that does not exist)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.models import ApiToken
from regions.services import create_region

CJK = re.compile(r"[\u4e00-\u9fff]")
WITH_REGION = [
    "/api/v1/households",
    "/api/v1/stats",
    "/api/v1/ledgers/yulu",
    "/api/v1/ledgers/yulu/stats",
]
ENDPOINTS = [*WITH_REGION, "/api/v1/ledgers", "/api/v1/households/1"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_or_a_wrong_token_answers_401_in_chinese(client: Any, db: Any, path: str) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer fp_not-a-real-token"}):
        response = client.get(path, **headers)
        assert response.status_code == 401
        assert set(response.json()) == {"detail"}
        assert "令牌" in response.json()["detail"]
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", WITH_REGION)
def test_a_region_of_another_area_answers_as_one_that_does_not_exist(
    client: Any, users: dict[str, Any], regions: dict[str, Any], path: str
) -> None:
    _, token = ApiToken.issue(users["other_town"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    town = regions["town"]
    pairs = [("金山店镇", "不存在镇"), (town.code, "420281999999"), (str(town.pk), "987654")]
    for elsewhere, missing in pairs:
        outside, absent = (
            client.get(path, {"region": elsewhere}, **auth),
            client.get(path, {"region": missing}, **auth),
        )
        assert (outside.status_code, absent.status_code) == (404, 404)
        assert outside.json() == {"detail": f"找不到区划“{elsewhere}”"}
        assert absent.json() == {"detail": f"找不到区划“{missing}”"}


@pytest.mark.parametrize("path", WITH_REGION)
def test_a_name_two_of_ones_regions_bear_answers_400_and_asks_for_the_parent(
    client_for: Any, regions: dict[str, Any], path: str
) -> None:
    for town in ("town", "other_town"):
        create_region(actor=None, name="一村", level=3, parent=regions[town])
    response = client_for("county_admin").get(path, {"region": "一村"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("区划“一村”不唯一（") and detail.endswith("），请写出上级名称")
    # Within one town the name is unique, and a path names either.
    assert client_for("town_staff").get(path, {"region": "一村"}).status_code == 200
    assert client_for("county_admin").get(path, {"region": "还地桥镇/一村"}).status_code == 200


@pytest.mark.parametrize("path", WITH_REGION)
def test_the_region_takes_an_id_a_code_a_name_or_a_path_and_blank_is_ones_own(
    client_for: Any, regions: dict[str, Any], path: str
) -> None:
    client = client_for("town_staff")
    village = regions["village"]
    for ref in (str(village.pk), village.code, "朝阳村", "金山店镇/朝阳村", " ", ""):
        assert client.get(path, {"region": ref}).status_code == 200, ref


def test_a_blank_page_or_year_is_taken_as_not_given_as_a_web_form_sends_it(
    client_for: Any, household: Any
) -> None:
    client = client_for("town_staff")
    listed = client.get("/api/v1/households", {"page": "", "category": "", "q": "", "region": ""})
    assert listed.status_code == 200
    assert listed.json()["page"] == 1 and listed.json()["count"] == 1
    spaced = client.get("/api/v1/households", {"category": " ", "page": " 1 "})
    assert spaced.status_code == 200 and spaced.json()["count"] == 1
    none = client.get("/api/v1/households", {"category": " 脱贫不稳定户 "})
    assert none.status_code == 200 and none.json()["count"] == 0
    rows = client.get("/api/v1/ledgers/yulu", {"page": " ", "year": ""})
    assert rows.status_code == 200 and rows.json()["page"] == 1
    figures = client.get("/api/v1/ledgers/yulu/stats", {"year": ""})
    assert figures.status_code == 200
    assert figures.json()["year"] == client.get("/api/v1/ledgers/yulu/stats").json()["year"]
    # A value that is there and no integer is still refused, in Chinese.
    bad = client.get("/api/v1/households", {"page": "x"})
    assert bad.status_code == 422 and "页码" in bad.json()["detail"]
    assert client.get("/api/v1/households", {"page": "0"}).status_code == 400


def test_another_areas_household_answers_as_a_missing_one(
    client_for: Any, household: Any, other_household: Any
) -> None:
    client = client_for("other_town")
    outside = client.get(f"/api/v1/households/{household.pk}")
    absent = client.get("/api/v1/households/987654")
    assert outside.status_code == absent.status_code == 404
    assert outside.json() == absent.json() == {"detail": "未找到"}
    kind = client.get("/api/v1/ledgers/nothing")
    assert kind.status_code == 404 and kind.json() == {"detail": "没有这种台账"}


def test_another_method_answers_405_in_chinese(client_for: Any) -> None:
    response = client_for("town_staff").post("/api/v1/households")
    assert response.status_code == 405
    assert response.json() == {"detail": "此接口不支持 POST 请求，只支持 GET"}
    assert response["Allow"] == "GET"


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nothing", "/api/v1/nothing/"])
def test_a_path_that_is_no_endpoint_answers_404_in_json(client_for: Any, path: str) -> None:
    response = client_for("town_staff").get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": f"没有这个接口：{path}"}


@pytest.mark.parametrize("path", [*ENDPOINTS, "/api/v1/openapi.json"])
def test_an_endpoint_with_a_trailing_slash_answers_as_without_it(
    client: Any, users: dict[str, Any], household: Any, path: str
) -> None:
    # /api/v1/households/ answered 404 "没有这个接口": a client (and its user) writes the slash.
    path = path.replace("/households/1", f"/households/{household.pk}")
    _, token = ApiToken.issue(users["town_staff"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    query = {"as_of": "2024-06-30"}
    bare, slashed = client.get(path, query, **auth), client.get(f"{path}/", query, **auth)
    assert slashed.status_code == bare.status_code == 200, slashed.content
    assert slashed.json() == bare.json()
    assert client.get(f"{path}/").status_code == client.get(path).status_code
    if path != "/api/v1/openapi.json":
        refused = client.post(f"{path}/", **auth)
        assert refused.status_code == 405 and "不支持 POST" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("path", "name"), [*((p, "region") for p in WITH_REGION), ("/api/v1/households", "q")]
)
def test_a_nul_character_in_a_parameter_answers_422_naming_it(
    client_for: Any, household: Any, path: str, name: str
) -> None:
    # PostgreSQL refuses such a text: the region look-up and the search answered 500.
    response = client_for("county_admin").get(path, {name: "金山\x00店镇"})
    assert response.status_code == 422, response.content
    title = {"region": "区划", "q": "关键词"}[name]
    assert response.json()["detail"] == f"参数{title}（{name}）的值无效，不能含有空字符"
    assert response.json()["errors"][0]["loc"] == ["query", name]


def test_the_openapi_document_gives_every_endpoints_error_responses(client_for: Any) -> None:
    schema = client_for("town_staff").get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert components["Error"]["properties"]["detail"]["type"] == "string"
    assert components["Error"]["required"] == ["detail"]
    assert set(components["InvalidParameters"]["required"]) == {"detail", "errors"}
    expected = {
        "/api/v1/households": {"400", "401", "404", "422"},
        "/api/v1/households/{household_id}": {"401", "404", "422"},
        "/api/v1/stats": {"400", "401", "404", "422"},
        "/api/v1/ledgers": {"401"},
        "/api/v1/ledgers/{kind}": {"400", "401", "404", "422"},
        "/api/v1/ledgers/{kind}/stats": {"400", "401", "404", "422"},
    }
    assert set(schema["paths"]) == set(expected)
    for path, statuses in expected.items():
        responses = schema["paths"][path]["get"]["responses"]
        assert set(responses) == {"200", *statuses}, path
        for status, response in responses.items():
            assert CJK.search(response["description"]), (path, status)
            body = response["content"]["application/json"]["schema"]
            assert "$ref" in body or "items" in body, (path, status)
            if status != "200":
                wanted = "InvalidParameters" if status == "422" else "Error"
                assert body["$ref"].endswith(f"/{wanted}"), (path, status)
