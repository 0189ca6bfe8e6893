"""The import pages: upload → check job → preview → confirm → import job → result; scoping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportBatch
from imports.tests.builders import family, num, write_xlsx
from regions.models import Region
from registry.models import Household

pytestmark = pytest.mark.django_db


def upload(client: Any, path: Path, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(
            "/imports/upload/",
            {"file": SimpleUploadedFile(path.name, path.read_bytes())},
        )


def test_upload_preview_confirm_and_result(
    client_for: Any,
    regions: dict,
    users: dict,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    client = client_for("county_admin")
    rows = family(num("W1"), 10, 行政村="新村", 村民小组="") + family(num("W2"), 20)
    path = write_xlsx(tmp_path / "web.xlsx", rows)

    response = upload(client, path, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and "/jobs/" in response["Location"]
    batch = ImportBatch.objects.get()
    assert batch.status == "valid" and batch.counts["households_created"] == 2
    assert Path(batch.stored_path).parent == tmp_path / "imports"
    assert Household.objects.count() == 0
    page = client.get(f"/imports/{batch.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "确认导入" in text and "大冶市/金山店镇/新村" in text and "创建区划" in text

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/imports/{batch.pk}/confirm/", {})
    assert refused.status_code == 302 and Household.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{batch.pk}/confirm/", {"create_regions": "on"})

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.create_regions
    assert Household.objects.count() == 2
    assert Region.objects.filter(name="新村", parent=regions["town"]).exists()
    result = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "已导入" in result
    listing = client.get("/imports/")
    assert "web.xlsx" in listing.content.decode() and "已导入" in listing.content.decode()


def test_a_rejected_upload_shows_errors_and_the_error_workbook(
    client_for: Any,
    regions: dict,
    users: dict,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    client = client_for("town_staff")
    rows = family(num("T1"), 10) + family(
        num("T2"), 20, 乡镇="还地桥镇", 行政村="白羊村", 村民小组=""
    )
    upload(client, write_xlsx(tmp_path / "town.xlsx", rows), django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    [error] = batch.errors
    assert error["row"] == 4 and "管辖范围" in error["message"]
    page = client.get(f"/imports/{batch.pk}/")
    assert "管辖范围" in page.content.decode() and "确认导入" not in page.content.decode()
    workbook = client.get(f"/imports/{batch.pk}/errors.xlsx")
    assert workbook.status_code == 200
    assert Household.objects.count() == 0


def test_a_county_admin_imports_into_their_own_county_only(
    client_for: Any,
    regions: dict,
    users: dict,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    """A second county beside one's own is outside one's region: its rows are refused, even
    with 创建区划, and nothing is written there."""
    settings.DATA_DIR = tmp_path
    other = Region.objects.create(name="阳新县", level=1, parent=None)
    town = Region.objects.create(name="白沙镇", level=2, parent=other)
    Region.objects.create(name="梧桐村", level=3, parent=town)
    client = client_for("county_admin")
    rows = family(num("C1"), 10) + family(
        num("C2"), 20, **{"县(市、区)": "阳新县", "乡镇": "白沙镇", "行政村": "梧桐村"}
    )
    upload(client, write_xlsx(tmp_path / "two.xlsx", rows), django_capture_on_commit_callbacks)

    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    [error] = batch.errors
    assert error["row"] == 4 and "管辖范围（大冶市）" in error["message"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/confirm/", {"create_regions": "on"})
    assert Household.objects.count() == 0


def test_another_town_cannot_see_the_batch_and_readers_cannot_import(
    client_for: Any,
    regions: dict,
    users: dict,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    upload(
        client_for("town_staff"),
        write_xlsx(tmp_path / "a.xlsx", family(num("S1"), 10)),
        django_capture_on_commit_callbacks,
    )
    batch = ImportBatch.objects.get()

    other = client_for("other_town")
    assert other.get(f"/imports/{batch.pk}/").status_code == 404
    assert other.post(f"/imports/{batch.pk}/confirm/", {}).status_code == 404
    assert other.get(f"/imports/{batch.pk}/errors.xlsx").status_code == 404
    assert "a.xlsx" not in other.get("/imports/").content.decode()
    village = client_for("village_staff")
    path = write_xlsx(tmp_path / "b.xlsx", family(num("S2"), 20))
    assert upload(village, path, django_capture_on_commit_callbacks).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_the_template_has_the_standard_headers(client_for: Any, regions: dict, users: dict) -> None:
    from io import BytesIO

    from python_calamine import CalamineWorkbook

    from registry.layouts import REGISTER

    response = client_for("auditor").get("/imports/template.xlsx")
    assert response.status_code == 200
    data = BytesIO(b"".join(response.streaming_content))
    first = next(CalamineWorkbook.from_filelike(data).get_sheet_by_index(0).iter_rows())
    assert list(first) == REGISTER.headers


def test_the_import_list_needs_a_fixed_number_of_queries(
    client_for: Any, regions: dict, users: dict, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        ImportBatch.objects.create(
            file_name=f"{i}.xlsx",
            stored_path="x",
            sha256="0",
            region=regions["town"],
            created_by=users["town_staff"],
        )
    client = client_for("county_admin")
    with django_assert_max_num_queries(8):
        response = client.get("/imports/")
    assert response.status_code == 200 and "4.xlsx" in response.content.decode()


def test_the_household_list_links_to_an_export_of_the_same_filters(client_for, household):
    from django.urls import reverse

    response = client_for("county_admin").get(
        reverse("registry:household_list"), {"category": "边缘易致贫户"}
    )
    assert f"{reverse('imports:export')}?category=" in response.content.decode()


def test_a_second_confirmation_sent_at_once_starts_no_second_import(
    client_for: Any,
    regions: dict,
    users: dict,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    """A double click: the second request read the batch as 待确认 before the first saved it."""
    from core.models import Job
    from imports import services

    settings.DATA_DIR = tmp_path
    client = client_for("county_admin")
    path = write_xlsx(tmp_path / "twice.xlsx", family(num("D1"), 10))
    upload(client, path, django_capture_on_commit_callbacks)
    stale = ImportBatch.objects.get()
    assert stale.status == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{stale.pk}/confirm/", {})
    batch = ImportBatch.objects.get()
    assert batch.status == "imported" and batch.counts["households_created"] == 1

    with pytest.raises(ValueError, match="已确认导入，请勿重复提交"):
        services.confirm_batch(actor=users["county_admin"], batch=stale, create_regions=False)
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.counts["households_created"] == 1
    assert Job.objects.filter(kind="imports.apply").count() == 1
    assert Household.objects.count() == 1


def test_the_upload_limit_is_the_configured_one(
    client_for: Any, regions: dict, users: dict, tmp_path: Path, settings: Any
) -> None:
    """FANGPIN_UPLOAD_MAX_MB bounds an import as it bounds a department's file (it was a fixed
    200 MB here)."""
    settings.DATA_DIR = tmp_path
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    data = b"x" * (1024 * 1024 + 1)
    response = client_for("county_admin").post(
        "/imports/upload/", {"file": SimpleUploadedFile("大.csv", data)}
    )
    assert response.status_code == 400
    assert "文件超过1MB，请按乡镇拆分后分别导入" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_old_xls_workbook_is_asked_to_be_saved_as_xlsx_on_the_page_and_the_command(
    client_for: Any, regions: dict, users: dict, tmp_path: Any
) -> None:
    """Offices still keep .xls files: they are told what to do with one, not only that the type
    is wrong, as the department upload already says it."""
    from django.core.management import call_command

    from core.cli import UsageError
    from imports.models import ImportBatch

    told = "不支持旧版 .xls 格式，请用 Excel 或 WPS 另存为 .xlsx 或 CSV 后再上传"
    response = client_for("county_admin").post(
        "/imports/upload/", {"file": SimpleUploadedFile("台账.xls", b"\xd0\xcf\x11\xe0")}
    )
    assert response.status_code == 400 and told in response.content.decode()
    assert not ImportBatch.objects.exists()
    old = tmp_path / "台账.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UsageError, match=told):  # `fangpin` prints it and exits 2
        call_command("import_registry", str(old))
