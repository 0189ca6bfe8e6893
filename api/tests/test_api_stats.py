"""The statistics API: only YYYY-MM-DD dates, its response described in the OpenAPI document and
exactly what the statistics give."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from core import dates
from stats.services import compute

STATS = "/api/v1/stats"
BAD_DATE = "参数统计日期（as_of）的值无效，应为YYYY-MM-DD 格式的日期"


@pytest.mark.parametrize(
    "as_of",
    ["0", "1704067200", "20231231", "2023-12-31T00:00:00", "２０２３-１２-３１", "2024-02-30"],
)
def test_as_of_takes_only_a_yyyy_mm_dd_date(client_for: Any, household: Any, as_of: str) -> None:
    # Numbers were read as Unix timestamps: as_of=0 gave the figures of 1970-01-01.
    response = client_for("town_staff").get(STATS, {"as_of": as_of})
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == BAD_DATE
    assert response.json()["errors"][0]["loc"][-1] == "as_of"


def test_an_empty_as_of_means_today_as_an_empty_region_means_ones_own(
    client_for: Any, household: Any
) -> None:
    client = client_for("town_staff")
    response = client.get(STATS, {"as_of": "", "region": ""})
    assert response.status_code == 200, response.content
    assert response.json()["as_of"] == dates.today().isoformat()
    assert response.json()["region"]["name"] == "金山店镇"
    assert client.get(STATS, {"as_of": "2023-12-31"}).json()["as_of"] == "2023-12-31"


def test_the_response_is_exactly_what_the_statistics_give(
    client_for: Any, regions: dict[str, Any], household: Any
) -> None:
    # The response schema validates the body: a key it lacked would be dropped silently.
    body = client_for("town_staff").get(STATS, {"as_of": "2024-06-30"}).json()
    given = compute(regions["town"], dt.date(2024, 6, 30))
    assert body == json.loads(json.dumps(given, cls=DjangoJSONEncoder))


def _component(schema: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_the_openapi_document_describes_the_stats_response(client_for: Any, household: Any) -> None:
    client = client_for("town_staff")
    schema = client.get("/api/v1/openapi.json").json()
    ok = schema["paths"][STATS]["get"]["responses"]["200"]["content"]["application/json"]
    stats = _component(schema, ok["schema"])
    body = client.get(STATS).json()
    assert set(stats["properties"]) == set(body)
    assert set(stats["required"]) == set(body)
    props = stats["properties"]
    assert props["as_of"] == {**props["as_of"], "type": "string", "format": "date"}
    assert props["villages"]["type"] == "integer"
    assert set(_component(schema, props["region"])["properties"]) == {"code", "name"}
    count = _component(schema, props["households"])
    assert {k: v["type"] for k, v in count["properties"].items()} == {
        "households": "integer",
        "persons": "integer",
    }
    monitored = _component(schema, props["monitored"])
    assert set(monitored["properties"]) == set(body["monitored"])
    open_ = _component(schema, monitored["properties"]["not_eliminated"])
    assert set(open_["properties"]) == set(body["monitored"]["not_eliminated"])
    by_category = open_["properties"]["by_category"]
    assert by_category["type"] == "object"
    assert _component(schema, by_category["additionalProperties"]) == count
