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


def test_numbers_in_a_free_text_are_masked_found_by_no_digit_and_kept(
    users: dict[str, Any], household: Any, tmp_path: Path
) -> None:
    """A 问题描述 naming a person's ID number and phone: a user who may not see full numbers
    reads it masked on every page, export and in the API; a search by the number's digits finds
    nothing the page hides; the row edited from its masked text, a new measure of its problem
    and the masked export imported back all keep the numbers."""
    import io

    from django.test import Client
    from python_calamine import CalamineWorkbook

    from core import pipeline
    from duty.models import Problem, RectificationRow
    from duty.tests.helpers import measure

    def client_for(who: str) -> Client:
        client = Client()
        client.force_login(users[who])
        return client

    head = household.persons.get(relation="户主")
    text = f"户主{head.name}（{head.id_number}，电话13911112222）住房未鉴定"
    shown = f"户主{head.name}（{head.masked_id()}，电话139****2222）住房未鉴定"
    rows = [measure("P1", 1, 问题描述=text), measure("P1", 2, 问题描述=text)]
    assert load("rectification", rows, tmp_path, users["county_admin"])["status"] == "imported"
    row = RectificationRow.objects.get(measure_no=1)
    village = client_for("village_staff")
    listed = reverse("ledgers:list", args=["rectification"])
    for url in (
        listed,
        reverse("ledgers:detail", args=["rectification", row.pk]),
        reverse("ledgers:print", args=["rectification"]),
        reverse("duty:problem", args=[Problem.objects.get().pk]),
        reverse("duty:problems"),
    ):
        page = village.get(url).content.decode()
        assert head.id_number not in page and "13911112222" not in page, url
        assert shown[:20] in page, url
    api = village.get("/api/v1/ledgers/rectification").json()["results"]
    assert {r["问题描述"] for r in api} == {shown}

    def found(client: Any, q: str) -> int:
        return client.get(listed, {"q": q}).context["page"].paginator.count

    for q in (head.id_number, head.id_number[6:14], "2222", "139111"):
        assert found(village, q) == 0, q
    assert found(village, "住房未鉴定") == 2
    assert found(client_for("county_admin"), head.id_number) == 2
    problems = reverse("duty:problems")
    assert village.get(problems, {"q": head.id_number[-6:]}).context["page"].paginator.count == 0

    edit = reverse("ledgers:edit", args=["rectification", row.pk])
    form = village.get(edit)
    assert head.id_number not in form.content.decode() and shown in form.content.decode()
    data = {k: v for k, v in form.context["form"].initial.items() if v is not None}
    assert village.post(edit, data | {"progress": "已鉴定"}).status_code == 302
    row.refresh_from_db()
    assert (row.description, row.progress) == (text, "已鉴定")

    # The problem page's 新增措施 link carries its texts masked; the new measure has the full.
    problem = village.get(reverse("duty:problem", args=[row.problem_id]))
    link = problem.context["new_measure"]
    assert head.id_number not in link
    new = village.get(link)
    data = {k: v for k, v in new.context["form"].initial.items() if v is not None}
    data |= {"measure": "鉴定住房", "deadline": "2024-06-30", "status": "整改中"}
    assert village.post(link, data).status_code == 302
    assert set(RectificationRow.objects.values_list("description", flat=True)) == {text}

    town = client_for("town_staff")
    exported = town.get(reverse("ledgers:export", args=["rectification"]))
    content = exported.getvalue()
    book = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    cells = [str(c) for r in book.to_python() for c in r]
    assert shown in cells and not [c for c in cells if head.id_number in c]
    (tmp_path / "back.xlsx").write_bytes(content)
    result = pipeline.run("rectification", tmp_path / "back.xlsx", actor=users["town_staff"])
    assert result["status"] == "imported" and result["updated"] == 0, result
    assert set(RectificationRow.objects.values_list("description", flat=True)) == {text}


def test_a_free_text_holding_a_number_does_not_sort_by_it_for_who_may_not_see_it(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    """Two 问题描述 that differ only in a number's hidden digits: sorted by 问题描述, a user who may
    not see full numbers gets them as entered either way (a row they add would otherwise find the
    digits by where it sorts); texts without numbers still sort."""
    from duty.tests.helpers import measure

    rows = [
        measure("P1", 1, 问题描述="户主（420222198005179011）住房"),
        measure("P2", 1, 问题描述="户主（420222198005171011）住房"),
        measure("P3", 1, 问题描述="乙村道路"),
        measure("P4", 1, 问题描述="甲村道路"),
    ]
    assert load("rectification", rows, tmp_path, users["county_admin"])["status"] == "imported"
    url = reverse("ledgers:list", args=["rectification"])

    def order(who: str, sort: str) -> list[str]:
        page = client_for(who).get(url, {"sort": sort}).context["page"]
        return [r.problem_no for r in page.object_list]

    full = order("county_admin", "description")
    assert full.index("P2") < full.index("P1")  # …1011 before …9011
    roads = [p for p in full if p in ("P3", "P4")]  # in the database's collation
    assert order("village_staff", "description") == ["P1", "P2", *roads]
    assert order("village_staff", "-description") == [*roads[::-1], "P1", "P2"]
