"""The county admin's user screens, one's own password, API tokens and the password rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, User
from core.models import AuditRecord

NEW_PASSWORD = "Zq7m!Kd2wp"


def _login(username: str, password: str = "Passw0rd!x") -> int:
    return (
        Client().post("/accounts/login/", {"username": username, "password": password}).status_code
    )


def test_an_admin_creates_a_user_with_role_and_region_from_the_pickers(client_for, regions):
    client = client_for("county_admin")
    page = client.get(reverse("accounts:user_create")).content.decode()
    assert f'<option value="{regions["village"].pk}">大冶市/金山店镇/朝阳村</option>' in page
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "wangwu",
            "name": "王五",
            "role": "village_staff",
            "region": regions["village"].pk,
            "password": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="wangwu")
    assert response.status_code == 302 and user.region == regions["village"]
    assert user.role == "village_staff" and user.last_name == "王五"
    assert AuditRecord.objects.filter(action="create", object_id=str(user.pk)).exists()


def test_a_role_must_sit_at_its_level_of_the_tree(client_for, regions):
    response = client_for("county_admin").post(
        reverse("accounts:user_create"),
        {
            "username": "x",
            "role": "town_staff",
            "region": regions["village"].pk,
            "password": NEW_PASSWORD,
        },
    )
    assert "乡镇干部应归属乡镇一级" in response.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_the_user_list_searches_and_filters(client_for, users, regions):
    client = client_for("county_admin")
    found = client.get(reverse("accounts:user_list"), {"q": "villa"})
    assert [u.username for u in found.context["page"].object_list] == ["village"]
    town = client.get(
        reverse("accounts:user_list"), {"role": "town_staff", "region": regions["town"].pk}
    )
    assert [u.username for u in town.context["page"].object_list] == ["town"]
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "grid", "password": "x"})
    locked = client.get(reverse("accounts:user_list"), {"status": "locked"})
    assert [u.username for u in locked.context["page"].object_list] == ["grid"]
    assert "已锁定" in locked.content.decode()


def test_an_admin_edits_disables_and_enables_a_user(client_for, users, regions):
    client = client_for("county_admin")
    town = users["town_staff"]
    response = client.post(
        reverse("accounts:user_edit", args=[town.pk]),
        {"name": "改名", "role": "auditor", "region": regions["town"].pk, "phone": "13900001111"},
    )
    town.refresh_from_db()
    assert response.status_code == 302 and town.role == "auditor" and town.last_name == "改名"
    client.post(reverse("accounts:user_active", args=[town.pk]), {"active": "0"})
    assert _login("town") == 200  # refused like a wrong password
    client.post(reverse("accounts:user_active", args=[town.pk]), {"active": "1"})
    assert _login("town") == 302


def test_an_admin_cannot_disable_or_demote_themselves(client_for, users, regions):
    admin = users["county_admin"]
    client = client_for("county_admin")
    client.post(reverse("accounts:user_active", args=[admin.pk]), {"active": "0"})
    response = client.post(
        reverse("accounts:user_edit", args=[admin.pk]),
        {"role": "auditor", "region": regions["county"].pk},
    )
    admin.refresh_from_db()
    assert admin.is_active and admin.role == "county_admin"
    assert "不能修改自己的角色" in response.content.decode()


def test_an_admin_resets_a_password(client_for, users):
    client = client_for("county_admin")
    url = reverse("accounts:user_password", args=[users["town_staff"].pk])
    client.post(url, {"pw-new_password": "demo12345", "pw-confirm": "demo12345"})
    assert _login("town", "demo12345") == 200  # too weak: refused, old password stays
    client.post(url, {"pw-new_password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD})
    assert _login("town", NEW_PASSWORD) == 302


def test_other_roles_cannot_reach_the_user_screens(client_for, users):
    for role in ("town_staff", "auditor"):
        client = client_for(role)
        assert client.get(reverse("accounts:user_list")).status_code == 404
        url = reverse("accounts:user_unlock", args=[users["village_staff"].pk])
        assert client.post(url).status_code == 404


def test_users_change_their_own_password(client_for, users):
    client = client_for("village_staff")
    url = reverse("accounts:me")
    wrong = client.post(
        url,
        {"pw-old_password": "nope", "pw-new_password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    assert "原密码不正确" in wrong.content.decode()
    response = client.post(
        url,
        {
            "pw-old_password": "Passw0rd!x",
            "pw-new_password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/registry/households/").status_code == 200  # still logged in here
    assert _login("village", NEW_PASSWORD) == 302


@pytest.mark.parametrize("weak", ["demo12345", "Demo12345", "admin123456", "village2024"])
def test_weak_passwords_are_refused_outside_demo_mode(weak, users, settings):
    settings.FANGPIN_DEMO = False
    with pytest.raises(ValidationError):
        services.reset_password(
            actor=users["county_admin"], user=users["village_staff"], password=weak
        )


def test_the_demo_password_is_accepted_in_demo_mode(users, settings):
    settings.FANGPIN_DEMO = True
    services.reset_password(
        actor=users["county_admin"], user=users["village_staff"], password="demo12345"
    )
    assert _login("village", "demo12345") == 302


def test_a_token_is_shown_once_listed_and_revoked(client_for, users):
    client = client_for("village_staff")
    page = client.post(
        reverse("accounts:token_create", args=[users["village_staff"].pk]),
        {"name": "对接", "days": "30"},
    ).content.decode()
    row = ApiToken.objects.get(user=users["village_staff"])
    token = page.split('id="fp-new-token">')[1].split("<")[0]
    assert ApiToken.authenticate(token) == users["village_staff"]
    assert row.expires_at is not None
    assert dt.timedelta(days=29) < row.expires_at - timezone.now() <= dt.timedelta(days=30)
    listed = client.get(reverse("accounts:me")).content.decode()
    assert row.prefix in listed and token not in listed
    assert (
        Client().get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    )
    client.post(reverse("accounts:token_revoke", args=[row.pk]))
    assert not ApiToken.objects.exists()
    assert (
        Client().get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    )


def test_an_expired_token_is_refused(users):
    _, token = ApiToken.issue(users["town_staff"], "旧", expires_at=timezone.now())
    response = Client().get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert ApiToken.authenticate(token) is None


def test_a_token_is_stamped_at_most_every_few_minutes(users, django_assert_num_queries):
    _, token = ApiToken.issue(users["town_staff"])
    ApiToken.authenticate(token)
    with django_assert_num_queries(1):  # the look-up only, no UPDATE
        ApiToken.authenticate(token)


def test_nobody_revokes_another_users_token_outside_their_powers(client_for, users):
    row, _ = ApiToken.issue(users["village_staff"])
    assert (
        client_for("town_staff").post(reverse("accounts:token_revoke", args=[row.pk])).status_code
        == 404
    )
    assert ApiToken.objects.filter(pk=row.pk).exists()
