"""Every error of the API answers in Chinese, in one body: {"detail": …}."""

from __future__ import annotations

from typing import Any

import pytest

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


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nothing", "/api/v1/households/"])
def test_a_path_that_is_no_endpoint_answers_404_in_json(client_for: Any, path: str) -> None:
    response = client_for("town_staff").get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": f"没有这个接口：{path}"}
