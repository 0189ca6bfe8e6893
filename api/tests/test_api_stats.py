"""The statistics API: only YYYY-MM-DD dates."""

from __future__ import annotations

from typing import Any

import pytest

from core import dates

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
