"""Sessions are signed cookies: a page view writes nothing; the idle timeout slides; logout and
disabling a user end every copy of the cookie."""

import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services

LIST = "/registry/households/"


def _login(username: str = "town") -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": "Passw0rd!x"})
    assert response.status_code == 302
    return client


def test_a_page_view_writes_nothing_to_the_database(users, household):
    client = _login()
    client.get(LIST)
    for url in (LIST, "/", f"/registry/households/{household.pk}/", "/api/v1/households"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
        assert writes == [], (url, writes)


def test_logout_ends_every_copy_of_the_session_cookie(users):
    client = _login()
    stolen = Client()
    stolen.cookies = client.cookies.__class__(client.cookies)  # a copy taken before logout
    assert stolen.get(LIST).status_code == 200
    client.post(reverse("accounts:logout"))
    assert stolen.get(LIST).status_code == 302


def test_disabling_a_user_ends_their_session_at_once(users):
    client = _login()
    services.set_active(actor=users["county_admin"], user=users["town_staff"], active=False)
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_idle_timeout_slides_with_use_and_ends_an_idle_session(users, settings, monkeypatch):
    settings.SESSION_COOKIE_AGE = 30 * 60
    settings.SESSION_REFRESH_SECONDS = 5 * 60
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    client = _login()

    def at(minutes: float) -> int:
        clock["now"] = start + minutes * 60
        return client.get(LIST).status_code

    # Working every 20 minutes keeps the session for an hour and more …
    assert [at(20), at(40), at(60), at(80)] == [200, 200, 200, 200]
    # … while 31 idle minutes end it.
    assert at(111) == 302


def test_a_session_is_re_signed_at_most_every_few_minutes(users, settings):
    settings.SESSION_REFRESH_SECONDS = 300
    client = _login()
    client.get(LIST)
    assert "sessionid" not in client.get(LIST).cookies  # no new cookie on every request
