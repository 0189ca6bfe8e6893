"""Login, the lockout (django-axes) and its audit, and the add-user / add-token commands."""

import json
import re

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken, User
from core.models import AuditRecord

LOGIN = "/accounts/login/"
RIGHT = "Passw0rd!x"


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _post(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(client) -> bool:
    return client.get(reverse("registry:household_list")).status_code == 200


def _text(response) -> str:
    """The page without its CSRF tokens and the username echoed back into the form."""
    body = response.content.decode()
    body = re.sub(r'csrfmiddlewaretoken" value="[^"]+|X-CSRFToken": "[^"]+', "", body)
    return re.sub(r'name="username" id="id_username"[^>]*>', "", body)


def test_login_with_the_right_password(client, users):
    response = _post(client, "town", RIGHT)
    assert response.status_code == 302 and _logged_in(client)
    assert AuditRecord.objects.filter(action="login", actor=users["town_staff"]).count() == 1


def test_repeated_failures_lock_the_account_and_the_right_password_is_refused(client, users):
    # The third failure reaches the limit: that answer already says so.
    assert [_post(client, "town", "wrong").status_code for _ in range(3)] == [200, 200, 429]
    response = _post(client, "town", RIGHT)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not _logged_in(client)
    logins = AuditRecord.objects.filter(object_type="accounts.user").order_by("id")
    actions = list(logins.values_list("action", flat=True))
    assert actions == ["login_failed"] * 3 + ["lockout", "login_failed"]
    refused = logins.filter(action="login_failed").order_by("id").reverse()[0]
    assert refused.note == "账号或地址已锁定，未核对密码" and refused.ip == "10.0.0.1"


def test_the_account_is_locked_from_every_address_with_failures(client, users):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        _post(client, "town", "wrong", address)
    _post(client, "village", "wrong", "10.0.0.4")  # now 10.0.0.4 has a failure too
    assert _post(client, "town", RIGHT, "10.0.0.4").status_code == 429


def test_an_address_that_tried_many_usernames_is_locked(client, users):
    for name in ("a", "b", "c"):
        _post(client, name, "wrong")
    assert _post(client, "town", RIGHT).status_code == 429
    assert _post(Client(), "town", RIGHT, "10.9.9.9").status_code == 302


def test_unknown_usernames_are_counted_and_answered_like_known_ones(client, users):
    known = [_post(client, "town", "wrong", "10.0.0.1") for _ in range(4)]
    unknown = [_post(client, "nobody", "wrong", "10.0.0.2") for _ in range(4)]
    for a, b in zip(known, unknown, strict=True):
        assert a.status_code == b.status_code
        assert _text(a) == _text(b)
    assert [r.status_code for r in known] == [200, 200, 429, 429]
    locked = AccessAttempt.objects.filter(username="nobody").get()
    assert locked.failures_since_start == 3


def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(client, users):
    User.objects.filter(username="town").update(is_active=False)
    disabled = _post(client, "town", RIGHT, "10.0.0.1")
    wrong = _post(client, "village", "wrong", "10.0.0.2")
    assert _text(disabled) == _text(wrong) and "用户名或密码错误" in _text(disabled)


def test_a_locked_out_admin_gets_in_from_an_address_with_no_failures(client, users):
    for _ in range(3):
        _post(client, "county", "wrong", "10.0.0.66")  # someone locks the county admin out
    assert _post(client, "county", RIGHT, "10.0.0.66").status_code == 429
    office = Client()
    assert _post(office, "county", RIGHT, "10.0.0.7").status_code == 302
    assert _logged_in(office)


def test_a_clean_address_gets_one_try_at_a_locked_account(client, users):
    for _ in range(3):
        _post(client, "county", "wrong", "10.0.0.66")
    assert _post(client, "county", "wrong", "10.0.0.8").status_code == 429  # counted, and locked
    assert _post(client, "county", RIGHT, "10.0.0.8").status_code == 429


def test_another_admin_unlocks_a_locked_account(client, client_for, users):
    for _ in range(4):
        _post(client, "town", "wrong")
    admin = client_for("county_admin")
    page = admin.get(reverse("accounts:user_edit", args=[users["town_staff"].pk]))
    assert "解除锁定" in page.content.decode()
    response = admin.post(reverse("accounts:user_unlock", args=[users["town_staff"].pk]))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="town").exists()
    assert _post(Client(), "town", RIGHT).status_code == 302
    unlock = AuditRecord.objects.get(action="unlock")
    assert unlock.actor == users["county_admin"] and unlock.object_id == str(users["town_staff"].pk)


def test_logout_is_audited(client, users):
    _post(client, "town", RIGHT)
    client.post(reverse("accounts:logout"))
    assert AuditRecord.objects.filter(action="logout", actor=users["town_staff"]).exists()


def test_a_refused_attempt_during_a_lockout_does_little_database_work(client, users):
    """An anonymous flood must not slow everyone else: once locked, an attempt checks no
    password and writes only its audit row (axes' own rows are left alone)."""
    for _ in range(3):
        _post(client, "town", "wrong")
    before = AccessAttempt.objects.values_list("failures_since_start", "attempt_time").get()
    with CaptureQueriesContext(connection) as queries:
        assert _post(client, "town", "wrong").status_code == 429
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert len(writes) == 1 and "core_auditrecord" in writes[0]
    # Reads of the counts (address, account), the audit row; on PostgreSQL also the lock.
    assert len(queries) <= 10
    assert AccessAttempt.objects.values_list("failures_since_start", "attempt_time").get() == before


def test_an_overlong_username_is_counted_without_an_error(client, users):
    response = _post(client, "x" * 400, "wrong")
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150


def test_add_user_command_reads_the_password_from_the_environment(regions, monkeypatch, capsys):
    monkeypatch.setenv("FANGPIN_PASSWORD", "Hx7kq2Lmw9")
    call_command("add_user", "zhangsan", region="大冶市/金山店镇", role="town_staff")
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(out)["status"] == "created"
    user = User.objects.get(username="zhangsan")
    assert user.region == regions["town"] and user.check_password("Hx7kq2Lmw9")


def test_add_user_refuses_a_taken_username_as_rejected_input(users, monkeypatch, capsys):
    """formats.md §3: 1 when the input was rejected, 2 on wrong usage; a taken name is input."""
    monkeypatch.setenv("FANGPIN_PASSWORD", "Hx7kq2Lmw9")
    with pytest.raises(SystemExit) as exc:
        call_command("add_user", "town", region="金山店镇", role="town_staff")
    assert exc.value.code == 1
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out == {"status": "rejected", "errors": ["用户名town已存在"]}
    assert User.objects.get(username="town").region == users["town_staff"].region


def test_add_user_refuses_a_weak_password(regions, monkeypatch):
    monkeypatch.setenv("FANGPIN_PASSWORD", "12345678")
    with pytest.raises(SystemExit) as exc:
        call_command("add_user", "weak", region="金山店镇", role="town_staff")
    assert exc.value.code == 1
    assert not User.objects.filter(username="weak").exists()


def test_a_short_password_is_refused_in_chinese(regions, monkeypatch, capsys):
    monkeypatch.setenv("FANGPIN_PASSWORD", "Hx7k2")
    with pytest.raises(SystemExit) as exc:
        call_command("add_user", "short", region="金山店镇", role="town_staff")
    assert exc.value.code == 1
    errors = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["errors"]
    assert errors == ["密码太短，至少需要8个字符。"]


def test_add_token_prints_a_token_that_authenticates(users, capsys):
    call_command("add_token", "town")
    token = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["token"]
    assert ApiToken.authenticate(token) == users["town_staff"]
