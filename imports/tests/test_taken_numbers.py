"""An uploaded 证件号码 that a member of another household holds: the holder is named only to a
user who may see them in full, and every try that names nobody is logged (a guessed number
confirmed, like a search by full ID number) — as the register's own form does."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from core.models import AuditRecord
from fangpin.testing import make_user
from imports.models import ImportBatch
from imports.tests.builders import num, person, pid, write_xlsx

pytestmark = pytest.mark.django_db

UNNAMED = "该证件号码已登记在其他户，不能重复；如需核实请联系乡镇或县级管理员；如要迁户"


def _upload(client: Any, user: Any, rows: list[dict], tmp_path: Path, capture: Any) -> Any:
    """`user` uploads `rows` as a register workbook; the checked batch, its page and the error
    workbook's rows (as text) that the user gets."""
    client.force_login(user)
    path = write_xlsx(tmp_path / "probe.xlsx", rows)
    with capture(execute=True):
        client.post("/imports/upload/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    batch = ImportBatch.objects.get()
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    response = client.get(f"/imports/{batch.pk}/errors.xlsx")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(BytesIO(b"".join(response.streaming_content)))
    sheet = [[str(c) for c in r] for r in book.get_sheet_by_index(0).iter_rows()]
    return batch, page, sheet


def _probe(household: Any, other_household: Any) -> tuple[list[dict], Any, Any]:
    """Rows 2–4: the 户主 of a household of the uploader's town, one of another town, and a
    number nobody holds; with those two holders."""
    own = household.persons.order_by("pk").first()
    theirs = other_household.persons.order_by("pk").first()
    rows = [
        person(num("Q1"), "试探甲", own.id_number),
        person(num("Q2"), "试探乙", theirs.id_number),
        person(num("Q3"), "试探丙", pid(77)),
    ]
    return rows, own, theirs


def _searches() -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action="search").order_by("object_id"))


def test_a_user_without_the_right_learns_only_that_the_numbers_are_taken_and_is_logged(
    client: Any,
    users: dict,
    household: Any,
    other_household: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    town = users["town_staff"]  # 金山店镇, may not see full numbers
    rows, own, theirs = _probe(household, other_household)

    batch, page, sheet = _upload(client, town, rows, tmp_path, django_capture_on_commit_callbacks)

    assert batch.status == "rejected"
    messages = {e["row"]: e["message"] for e in batch.errors}
    assert set(messages) == {2, 3}  # the number nobody holds is not refused
    # Held inside the town or outside it: the same words, naming no one.
    assert messages[2] == messages[3] and messages[2].startswith(UNNAMED)
    secrets = (household.number, other_household.number, own.name, theirs.name, "管辖范围以外")
    assert UNNAMED in page and not [s for s in secrets if s in page]
    written = str(sheet)
    assert written.count(UNNAMED) == 2 and not [s for s in secrets if s in written]
    logged = _searches()
    assert [r.object_id for r in logged] == sorted([str(own.pk), str(theirs.pk)])
    assert all(r.actor_id == town.pk for r in logged)
    by_holder = {r.object_id: r for r in logged}
    for holder, home in ((own, household), (theirs, other_household)):
        record = by_holder[str(holder.pk)]
        assert record.household_id == home.pk and record.region_id == home.region_id
        assert record.object_repr == holder.masked_id() != holder.id_number
        assert "导入文件" in record.note


def test_a_county_admin_with_the_right_is_told_who_holds_them_and_nothing_is_logged(
    client: Any,
    users: dict,
    household: Any,
    other_household: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    rows, own, theirs = _probe(household, other_household)

    batch, page, sheet = _upload(
        client, users["county_admin"], rows, tmp_path, django_capture_on_commit_callbacks
    )

    messages = {e["row"]: e["message"] for e in batch.errors}
    assert set(messages) == {2, 3}
    for row, holder, home in ((2, own, household), (3, theirs, other_household)):
        named = f"证件号码已登记在{home.number}户（{holder.name}），不能重复；如要迁户"
        assert messages[row].startswith(named)
        assert named in page and named in str(sheet)
    assert _searches() == []


def test_a_town_user_with_the_right_is_told_only_their_own_towns_holder(
    client: Any,
    regions: dict,
    users: dict,
    household: Any,
    other_household: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    town = make_user("town_full", "town_staff", regions["town"], can_view_sensitive=True)
    rows, own, theirs = _probe(household, other_household)

    batch, page, _ = _upload(client, town, rows, tmp_path, django_capture_on_commit_callbacks)

    messages = {e["row"]: e["message"] for e in batch.errors}
    assert household.number in messages[2] and own.name in messages[2]
    assert messages[3].startswith(UNNAMED) and other_household.number not in page
    [logged] = _searches()
    assert logged.object_id == str(theirs.pk) and logged.actor_id == town.pk


def test_an_area_code_warning_shows_no_more_of_the_number_than_its_mask(
    client: Any,
    users: dict,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    elsewhere = pid(5, area="420222")  # 阳新县's code, not 大冶市's
    rows = [person(num("A1"), "外地甲", elsewhere)]
    client.force_login(users["town_staff"])
    path = write_xlsx(tmp_path / "area.xlsx", rows)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/upload/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    batch = ImportBatch.objects.get()
    [warning] = [w for w in batch.warnings if w["column"] == "证件号码"]
    assert "本县代码420281" in warning["message"]

    client.force_login(users["auditor"])  # the county's, may not see full numbers
    page = client.get(f"/imports/{batch.pk}/").content.decode()

    assert "本县代码420281" in page and elsewhere[:6] not in page
    assert f"提示（{len(batch.warnings)}条）" in page and len(batch.warnings) >= 1


def test_past_the_days_limit_a_file_is_refused_without_saying_which_numbers_are_taken(
    client: Any,
    users: dict,
    household: Any,
    other_household: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A file of guesses would confirm each one at once: past TAKEN_NUMBER_LIMIT refusals in 24
    hours the file is refused as a whole, naming no row; a later file of only free numbers gets
    the same refusal."""
    settings.DATA_DIR = tmp_path
    settings.TAKEN_NUMBER_LIMIT = 1
    town = users["town_staff"]
    rows, _, _ = _probe(household, other_household)

    batch, page, sheet = _upload(client, town, rows, tmp_path, django_capture_on_commit_callbacks)

    assert batch.status == "rejected"
    assert [e["row"] for e in batch.errors] == [None]
    limit = batch.errors[0]["message"]
    assert limit.startswith("24小时内录入的证件号码中已有1个登记在其他户") and UNNAMED not in page
    assert UNNAMED not in str(sheet)
    assert len(_searches()) == 2  # both tries logged all the same

    ImportBatch.objects.all().delete()
    free = [person(num("Q4"), "试探丁", pid(78))]
    again, _, _ = _upload(client, town, free, tmp_path, django_capture_on_commit_callbacks)
    assert again.status == "rejected" and [e["message"] for e in again.errors] == [limit]
