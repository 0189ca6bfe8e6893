"""What a user who may not see full ID numbers and phones cannot learn from a ledger's pages:
not by sorting on a masked column, not from the edit form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from core.models import AuditRecord
from duty.models import WorkTeamMember
from duty.tests.helpers import load, member


def _teams(users: dict[str, Any], tmp_path: Path) -> None:
    # Ids ascending, phones descending then ascending: neither order is the phones'.
    rows = [
        member("甲", 联系电话="13855550001"),
        member("乙", 联系电话="13899990001"),
        member("丙", 联系电话="13811110001"),
    ]
    assert load("work_teams", rows, tmp_path, users["county_admin"])["status"] == "imported"


def _names(response: Any) -> list[str]:
    return [row.name for row in response.context["page"].object_list]


def test_a_masked_column_does_not_sort_for_a_user_who_may_not_see_it(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    _teams(users, tmp_path)
    url = reverse("ledgers:list", args=["work_teams"])
    client = client_for("village_staff")
    plain = _names(client.get(url))
    assert _names(client.get(url + "?sort=phone")) == plain
    assert _names(client.get(url + "?sort=-phone")) == plain
    assert "sort=phone" not in client.get(url).content.decode()
    # Who may see the numbers may sort by them.
    county = client_for("county_admin")
    assert _names(county.get(url + "?sort=phone")) == ["丙", "甲", "乙"]


def test_the_edit_form_does_not_show_a_full_phone_and_blank_keeps_it(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    _teams(users, tmp_path)
    row = WorkTeamMember.objects.get(name="甲")
    url = reverse("ledgers:edit", args=["work_teams", row.pk])
    client = client_for("village_staff")
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "13855550001" not in body and "138****0001" in body
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    assert "phone" not in data
    response = client.post(url, data | {"unit": "县农业农村局"})
    assert response.status_code == 302, response.content.decode()[:3000]
    row.refresh_from_db()
    assert (row.unit, row.phone) == ("县农业农村局", "13855550001")
    changed = client.post(url, data | {"phone": "13900001111"})
    assert changed.status_code == 302
    row.refresh_from_db()
    assert row.phone == "13900001111"
    # Who may see it sees it, and the sight is logged.
    assert "13900001111" in client_for("county_admin").get(url).content.decode()
    assert AuditRecord.objects.filter(action="view_sensitive", object_id=str(row.pk)).exists()


def test_an_upload_s_errors_show_full_numbers_only_to_its_uploader_or_who_may_see_them(
    users: dict[str, Any],
    client_for: Any,
    household: Any,
    other_household: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A town's rejected file names numbers; the county's auditor (who may not see full numbers)
    reads its preview masked and cannot download its error workbook (the file's rows in full)."""
    from benefits.layouts import YULU
    from fangpin.testing import write_sheet
    from imports.models import ImportBatch

    settings.DATA_DIR = tmp_path
    stranger = other_household.persons.first()
    path = write_sheet(
        tmp_path / "yulu.xlsx",
        YULU.headers,
        [{"证件号码": stranger.id_number, "姓名": stranger.name, "年度": "2024", "学期": "春季"}],
    )
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        client_for("town_staff").post(reverse("imports:upload"), {"kind": "yulu", "file": fh})
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    detail = reverse("imports:detail", args=[batch.pk])
    errors = reverse("imports:error_file", args=[batch.pk])
    own = client_for("town_staff")
    assert stranger.id_number in own.get(detail).content.decode()
    assert own.get(errors).status_code == 200
    auditor = client_for("auditor")
    page = auditor.get(detail).content.decode()
    assert stranger.id_number not in page and stranger.masked_id() in page
    assert auditor.get(errors).status_code == 403
    county = client_for("county_admin")  # may see full numbers
    assert stranger.id_number in county.get(detail).content.decode()
    assert county.get(errors).status_code == 200


def test_the_team_pages_show_full_phones_only_to_who_may_see_them_and_log_it(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    _teams(users, tmp_path)
    village = users["village_staff"].region.pk
    seen = AuditRecord.objects.filter(action="view_sensitive")
    for n, url in enumerate((reverse("duty:teams"), reverse("duty:village", args=[village]))):
        masked = client_for("village_staff").get(url).content.decode()
        assert "13855550001" not in masked and "138****0001" in masked
        assert seen.count() == n
        full = client_for("county_admin").get(url).content.decode()
        assert "13855550001" in full
        assert seen.count() == n + 1
        assert "联系电话" in seen.latest("pk").object_repr
