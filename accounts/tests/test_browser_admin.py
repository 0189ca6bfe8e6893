"""In Chromium: an admin creates a user, the user is locked out by wrong passwords, the admin
unlocks and resets the password, and the user logs in and changes it."""

import pytest

from conftest import browser_login

OFFICE = {"X-Forwarded-For": "10.0.0.9"}  # the admin's computer
VILLAGE = {"X-Forwarded-For": "10.0.0.5"}  # the new user's


def _try(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def _logout(page) -> None:
    page.click("nav button:has-text('退出')")
    page.wait_for_url(lambda url: "/accounts/login" in url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_lock_unlock_reset_and_change_a_password(browser_page, live_server, users, settings):
    settings.FANGPIN_PROXY_COUNT = 1  # tell the two computers apart behind the test "proxy"
    settings.AXES_FAILURE_LIMIT = 5
    page = browser_page
    page.set_extra_http_headers(OFFICE)
    browser_login(page, live_server, "county")
    page.goto(live_server.url + "/accounts/users/new/")
    page.fill("#id_username", "zhaoliu")
    page.fill("#id_name", "赵六")
    page.select_option("#id_role", "village_staff")
    page.select_option("#id_region", label="大冶市/金山店镇/朝阳村")
    page.fill("#id_password", "Start7pass!")
    page.click("button:has-text('保存')")
    page.wait_for_url(lambda url: "/accounts/users/" in url and "/new/" not in url)
    assert "已创建用户 zhaoliu" in page.content()
    _logout(page)

    page.set_extra_http_headers(VILLAGE)
    for _ in range(5):
        _try(page, live_server, "zhaoliu", "wrong-guess")
    assert "登录失败次数过多" in page.content()
    _try(page, live_server, "zhaoliu", "Start7pass!")
    assert "登录失败次数过多" in page.content()

    page.set_extra_http_headers(OFFICE)
    browser_login(page, live_server, "county")
    page.goto(live_server.url + "/accounts/users/?status=locked")
    page.click("a:has-text('zhaoliu')")
    page.click("#fp-unlock")
    assert "已解除 zhaoliu 的登录锁定" in page.content()
    page.fill("#id_pw-new_password", "Reset8word!")
    page.fill("#id_pw-confirm", "Reset8word!")
    page.click("button:has-text('重置密码')")
    assert "已重置 zhaoliu 的密码" in page.content()
    _logout(page)

    page.set_extra_http_headers(VILLAGE)
    browser_login(page, live_server, "zhaoliu", "Reset8word!")
    page.goto(live_server.url + "/accounts/me/")
    page.fill("#id_pw-old_password", "Reset8word!")
    page.fill("#id_pw-new_password", "Mine9secret!")
    page.fill("#id_pw-confirm", "Mine9secret!")
    page.click("button:has-text('修改密码')")
    assert "密码已修改" in page.content()
    _logout(page)
    browser_login(page, live_server, "zhaoliu", "Mine9secret!")
    assert "zhaoliu" in page.content() or "赵六" in page.content()
