"""Login, lockout after repeated failures, and the add-user / add-token commands."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ApiToken, User


def test_login_with_the_right_password(client, users):
    response = client.post(
        reverse("accounts:login"), {"username": "town", "password": "Passw0rd!x"}
    )
    assert response.status_code == 302


def test_repeated_failures_lock_the_account(client, users, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "town", "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": "town", "password": "Passw0rd!x"}
    )
    assert response.status_code == 200
    assert "账号已锁定" in response.content.decode()
    assert User.objects.get(username="town").is_locked()


def test_add_user_command_reads_the_password_from_the_environment(regions, monkeypatch, capsys):
    monkeypatch.setenv("FANGPIN_PASSWORD", "Hx7kq2Lmw9")
    call_command("add_user", "zhangsan", region="大冶市/金山店镇", role="town_staff")
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(out)["status"] == "created"
    user = User.objects.get(username="zhangsan")
    assert user.region == regions["town"] and user.check_password("Hx7kq2Lmw9")


def test_add_user_refuses_a_weak_password(regions, monkeypatch):
    monkeypatch.setenv("FANGPIN_PASSWORD", "12345678")
    with pytest.raises(SystemExit) as exc:
        call_command("add_user", "weak", region="金山店镇", role="town_staff")
    assert exc.value.code == 1
    assert not User.objects.filter(username="weak").exists()


def test_add_token_prints_a_token_that_authenticates(users, capsys):
    call_command("add_token", "town")
    token = capsys.readouterr().out.strip()
    assert ApiToken.authenticate(token) == users["town_staff"]
