"""Odd query parameters answer 4xx with a Chinese message, never 500 (issue 17.10)."""

import pytest

CASES = [
    ("/exchange/rules/{rule}/", {"year": "abc"}, "年度"),
    ("/api/v1/households", {"page": "9" * 30}, "页码"),
    ("/stats/", {"as_of": "0001-01-01"}, "统计日期不能早于"),
    ("/monitoring/leads/new/", {"household": "abc"}, "household"),
    ("/stats/", {"region": "abc"}, "未找到区划"),
    ("/stats/ledger/monitored/", {"region": "abc"}, "未找到区划"),
    ("/stats/report/", {"region": "abc"}, "未找到区划"),
]


@pytest.mark.parametrize(("url", "params", "message"), CASES)
def test_an_odd_parameter_answers_4xx_in_chinese(client_for, household, url, params, message):
    from exchange.engine import ensure_rules

    rule = next(iter(ensure_rules().values()))
    response = client_for("county_admin").get(url.format(rule=rule.pk), params)
    assert 400 <= response.status_code < 500
    if response["Content-Type"].startswith("application/json"):
        assert message in response.json()["detail"]
    else:
        assert message in response.content.decode()
