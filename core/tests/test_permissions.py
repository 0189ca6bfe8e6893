"""The capability table: who may do what, in which region; and the Chinese error pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.permissions import ROLES, TABLE, Cap, Capabilities, can, require


def test_every_capability_has_a_row_and_only_known_roles():
    assert set(TABLE) == set(Cap)
    for roles in TABLE.values():
        assert roles <= set(ROLES)


def test_a_capability_holds_only_in_the_users_region(users, regions):
    town = users["town_staff"]
    assert can(town, Cap.EDIT_REGISTER, regions["village"])
    assert not can(town, Cap.EDIT_REGISTER, regions["other_village"])
    assert not can(users["auditor"], Cap.EDIT_REGISTER)
    assert can(users["county_admin"], Cap.SETTINGS, regions["other_village"])


def test_reveal_needs_the_users_own_flag_as_well(users):
    assert can(users["county_admin"], Cap.REVEAL)
    assert not can(users["town_staff"], Cap.REVEAL)


def test_anonymous_inactive_and_regionless_users_can_do_nothing(users):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), Cap.VIEW)
    town = users["town_staff"]
    town.is_active = False
    assert not can(town, Cap.VIEW)
    users["village_staff"].region = None
    assert not can(users["village_staff"], Cap.VIEW)


def test_require_refuses_in_chinese_or_hides_as_404(users):
    with pytest.raises(PermissionDenied, match="只读账号"):
        require(users["auditor"], Cap.EDIT_REGISTER)
    with pytest.raises(Http404):
        require(users["town_staff"], Cap.ADMIN, hide=True)


def test_templates_read_capabilities_by_name(users):
    caps = Capabilities(users["grid_member"])
    assert caps.record_visit and caps["step_visit"]
    assert not caps.edit_register
    with pytest.raises(AttributeError):
        _ = caps.no_such_capability


def test_a_forbidden_page_explains_why_in_chinese_with_the_navigation(client_for, household):
    client = client_for("auditor")
    response = client.get(f"/registry/households/{household.pk}/edit/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "没有权限" in text and "只读账号和网格员不能修改户籍台账" in text
    assert "户籍台账" in text and "退出" in text  # the site's navigation


def test_a_missing_page_is_a_chinese_404_with_the_navigation(client_for):
    response = client_for("town_staff").get("/no/such/page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text and "监测识别" in text


def test_a_stale_form_is_a_chinese_csrf_page(users, regions):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["county_admin"])
    response = client.post("/registry/households/new/", {"number": "1"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_a_server_error_is_a_chinese_page(rf, users):
    from core.views import server_error

    request = rf.get("/")
    request.user = users["town_staff"]
    response = server_error(request)
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()


def test_a_forbidden_button_is_not_shown(client_for, household):
    page = client_for("auditor").get("/registry/households/").content.decode()
    assert "新增农户" not in page
    page = client_for("town_staff").get("/registry/households/").content.decode()
    assert "新增农户" in page
