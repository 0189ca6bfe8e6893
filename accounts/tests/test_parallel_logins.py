"""40 wrong passwords at once: every one counted, none let in, the account locked after.

Before, 40 parallel wrong passwords got 31 password checks (limit 5) because the count was read,
raised and saved by each request on its own; a correct guess in the same burst logged in. django-
axes alone counts atomically but still checks 33 of 40 (all read the count before any is saved);
with attempts at one username taking turns (accounts.forms.LoginForm) it checks exactly 5. Here
40 threads post to the login page at once, each on its own database connection.
"""

from __future__ import annotations

import threading

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.db.models import Sum
from django.test import Client

from core.models import AuditRecord
from fangpin.testing import make_region_tree, make_user

PARALLEL = 40


def _burst(attempts: list[tuple[str, str]]) -> list[int]:
    """POST every (username, password) at the same moment from its own thread: the statuses."""
    start = threading.Barrier(len(attempts))
    results: list[int] = [0] * len(attempts)

    def run(i: int, username: str, password: str) -> None:
        from django.db import connections

        client = Client(REMOTE_ADDR="10.0.0.1")
        try:
            start.wait(timeout=60)
            response = client.post("/accounts/login/", {"username": username, "password": password})
            results[i] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, u, p)) for i, (u, p) in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results


@pytest.mark.django_db(transaction=True)
def test_forty_parallel_wrong_passwords_are_all_counted_and_none_gets_in(settings):
    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory one, whose table locks fail at once
        # instead of waiting (the real file database in WAL mode with busy_timeout waits).
        pytest.skip("parallel logins are tested on PostgreSQL")
    settings.AXES_FAILURE_LIMIT = 5
    regions = make_region_tree()
    user = make_user("town", "town_staff", regions["town"])
    statuses = _burst([("town", "wrong-password")] * PARALLEL)
    # Attempts at one account take turns: four wrong passwords, the fifth locks, 35 refused.
    assert sorted(statuses) == [200] * 4 + [429] * (PARALLEL - 4), statuses
    # Every attempt is on record: those whose password was checked, and those refused unchecked.
    failures = AuditRecord.objects.filter(action="login_failed", actor=user)
    assert failures.count() == PARALLEL
    checked = failures.exclude(note="账号或地址已锁定，未核对密码").count()
    counted = AccessAttempt.objects.filter(username="town").aggregate(n=Sum("failures_since_start"))
    assert checked == 5 and counted["n"] == 5  # exactly the limit, no lost update
    assert AuditRecord.objects.filter(action="lockout", actor=user).count() == 1
    # The account is locked: the right password is refused.
    assert _burst([("town", "Passw0rd!x")]) == [429]
    print(f"{PARALLEL} parallel wrong passwords: {checked} password checks")
