"""The code-tables page beside the policy settings: every table with its values (默认, 新增,
已停用); county administrators add, retire and restore; others are refused."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from core import codes
from core.models import AuditRecord, CodeEdit

pytestmark = pytest.mark.django_db

PAGE = reverse("monitoring:code_tables")


def post(client: Any, **data: str) -> Any:
    return client.post(PAGE, data, follow=True)


def test_the_page_lists_every_table_and_a_county_admin_edits_it(client_for: Any) -> None:
    client = client_for("county_admin")
    body = client.get(PAGE).content.decode()
    for table in codes.TABLES:
        assert f'id="t-{table}"' in body
    assert "风险类型" in body and "雨露计划·学期" in body and "增加别名" in body

    response = post(client, action="add", table="risk", value="因债务")
    assert "代码表“风险类型”：已增加“因债务”" in response.content.decode()
    response = post(client, action="retire", table="ethnicity", value="满族")
    assert "代码表“民族”：已停用“满族”" in response.content.decode()
    body = response.content.decode()
    assert 'title="新增">因债务</span>' in body and 'title="已停用">满族</span>' in body
    assert set(CodeEdit.objects.values_list("table", "value", "action")) == {
        ("risk", "因债务", "add"),
        ("ethnicity", "满族", "retire"),
    }
    response = post(client, action="restore", table="ethnicity", value="满族")
    assert "已恢复“满族”" in response.content.decode()
    assert not CodeEdit.objects.filter(table="ethnicity").exists()
    assert AuditRecord.objects.filter(object_type="core.codeedit").count() == 3


def test_a_refused_edit_says_why_in_chinese_and_saves_nothing(client_for: Any) -> None:
    client = client_for("county_admin")
    for data, message in (
        ({"action": "add", "table": "risk", "value": " "}, "请填写代码值"),
        ({"action": "add", "table": "risk", "value": "因病"}, "“因病”已在代码表“风险类型”中"),
        (
            {"action": "retire", "table": "risk", "value": "因债务"},
            "代码表“风险类型”中没有值“因债务”",
        ),
        ({"action": "add", "table": "nosuch", "value": "x"}, "没有代码表“nosuch”"),
    ):
        assert message in post(client, **data).content.decode()
    assert CodeEdit.objects.count() == 0


def test_other_roles_see_the_tables_but_may_not_edit(client_for: Any) -> None:
    client = client_for("town_staff")
    body = client.get(PAGE).content.decode()
    assert "风险类型" in body and 'name="action"' not in body
    response = client.post(PAGE, {"action": "add", "table": "risk", "value": "因债务"})
    assert response.status_code == 403
    assert "只有县级管理员可以修改代码表" in response.content.decode()
    assert CodeEdit.objects.count() == 0


def test_the_page_reads_the_edits_in_one_query_however_many(
    client_for: Any, users: dict, django_assert_num_queries: Any
) -> None:
    from core import services

    client = client_for("county_admin")
    client.get(PAGE)
    # user, user's region, the edits of the year
    with django_assert_num_queries(3):
        client.get(PAGE)
    for value in ("因债务", "因赌", "因婚"):
        services.add_value(actor=users["county_admin"], table="risk", value=value)
    services.retire_value(actor=users["county_admin"], table="ethnicity", value="满族")
    with django_assert_num_queries(3):
        assert "因婚" in client.get(PAGE).content.decode()


def test_the_settings_page_links_to_the_code_tables(client_for: Any) -> None:
    body = client_for("town_staff").get(reverse("monitoring:settings")).content.decode()
    assert f'href="{PAGE}"' in body


def test_an_unknown_table_is_wrong_usage_exit_2_with_the_json_line(tmp_path: Any) -> None:
    env = {"FANGPIN_TESTING": "1", "FANGPIN_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "fangpin.cli", "codes", "add", "nosuch", "x"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert done.returncode == 2
    last = done.stdout.strip().splitlines()[-1]
    assert json.loads(last) == {
        "status": "usage_error",
        "message": "没有代码表“nosuch”，可用 fangpin codes list 查看",
    }
