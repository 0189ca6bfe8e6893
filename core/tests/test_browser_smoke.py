"""The browser fixture works: log in through the real form and see the home page."""

import pytest

from conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_county_admin_logs_in_and_sees_the_home_page(browser_page, live_server, users):
    browser_login(browser_page, live_server, "county")
    assert "工作台" in browser_page.content()
