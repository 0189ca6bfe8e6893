"""Downloads of the work report are audited like the ledgers (issue 17.8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_downloading_the_work_report_is_an_audited_read(client_for: Any, users: dict) -> None:
    year = dt.date.today().year
    response = client_for("town_staff").get("/stats/report/", {"year": year})
    assert response.status_code == 200
    record = AuditRecord.objects.get(action="export")
    assert record.actor == users["town_staff"] and f"{year}年工作情况汇报" in record.note
    page = client_for("county_admin").get("/accounts/reads/")
    assert page.status_code == 200 and f"{year}年工作情况汇报" in page.content.decode()
