"""A measure's 佐证材料 (photos and PDFs, type and size checked), progress notes and overdue marks
(orange before, red after its 整改时限, set by the daily job)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core import jobs
from core.models import Job
from core.tests.test_uploads import cut_off_pdf, real_pdf
from duty import services
from duty.models import Evidence, Problem, RectificationRow
from duty.tests.helpers import load, measure


@pytest.fixture
def row(users: dict[str, Any], tmp_path: Path, settings: Any) -> RectificationRow:
    settings.MEDIA_ROOT = tmp_path / "media"
    load("rectification", [measure("P1", 1)], tmp_path, users["county_admin"])
    return RectificationRow.objects.get()


def _png(size: tuple[int, int] = (20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def _upload(client: Any, m: RectificationRow, name: str, data: bytes) -> Any:
    url = reverse("duty:measure_action", args=[m.pk, "evidence"])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_photos_and_pdfs_are_kept_and_anything_else_is_refused_with_a_reason(
    row: RectificationRow, client_for: Any, settings: Any
) -> None:
    client = client_for("village_staff")
    assert _upload(client, row, "现场照片.png", _png()).status_code == 200
    assert _upload(client, row, "验收单.pdf", real_pdf()).status_code == 200
    assert list(Evidence.objects.values_list("name", "content_type")) == [
        ("现场照片.png", "image/png"),
        ("验收单.pdf", "application/pdf"),
    ]
    refusals = {
        "病毒.exe": (b"MZ....", "类型不允许"),
        "假照片.jpg": (b"%PDF-1.4", "不是有效的图片"),
        "假文件.pdf": (_png(), "不是有效的PDF文件"),
        "换名.png": (_jpeg(), "与扩展名不符"),
    }
    for name, (data, reason) in refusals.items():
        page = _upload(client, row, name, data).content.decode()
        assert reason in page, name
    settings.FANGPIN_ATTACHMENT_MAX_MB = 0
    assert "超过0MB" in _upload(client, row, "大.png", _png()).content.decode()
    settings.FANGPIN_ATTACHMENT_MAX_MB = 10
    settings.FANGPIN_IMAGE_MAX_PIXELS = 100
    assert "20×10像素，超过" in _upload(client, row, "巨图.png", _png((20, 10))).content.decode()
    assert Evidence.objects.count() == 2
    assert _upload(client_for("grid_member"), row, "x.png", _png()).status_code == 403
    evidence = Evidence.objects.first()
    assert evidence is not None
    got = client_for("town_staff").get(reverse("duty:evidence", args=[evidence.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert (
        client_for("other_town").get(reverse("duty:evidence", args=[evidence.pk])).status_code
        == 404
    )


def test_a_broken_picture_is_refused_and_not_kept(row: RectificationRow, client_for: Any) -> None:
    from assistance.tests.test_photo_bomb import broken_png, cut_off_jpeg

    client = client_for("village_staff")
    page = _upload(client, row, "现场.jpg", cut_off_jpeg()).content.decode()
    assert "文件“现场.jpg”不是有效的图片" in page
    page = _upload(client, row, "验收.png", broken_png()).content.decode()  # sound checksums
    assert "文件“验收.png”不是有效的图片" in page
    assert not Evidence.objects.exists()


def test_a_cut_off_pdf_is_refused_and_not_kept(
    row: RectificationRow, client_for: Any, settings: Any
) -> None:
    page = _upload(client_for("village_staff"), row, "验收单.pdf", cut_off_pdf()).content.decode()
    assert "文件“验收单.pdf”不是完整的PDF文件（可能上传中断），请重新上传" in page
    assert not Evidence.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG")
    return out.getvalue()


def test_progress_notes_keep_their_history_and_the_ledger_shows_the_latest(
    row: RectificationRow, client_for: Any
) -> None:
    url = reverse("duty:measure_action", args=[row.pk, "progress"])
    client = client_for("village_staff")
    assert client.post(url, {"text": "已入户核实", "date": "2026-01-05"}).status_code == 302
    assert client.post(url, {"text": "已修正系统数据", "date": "2026-02-01"}).status_code == 302
    future = client.post(url, {"text": "明天", "date": "2099-01-01"}, follow=True)
    assert "日期不能晚于今天" in future.content.decode()
    row.refresh_from_db()
    assert row.progress == "已修正系统数据"
    assert list(row.notes.values_list("text", flat=True)) == ["已修正系统数据", "已入户核实"]
    page = client.get(reverse("duty:problem", args=[row.problem_id]))
    assert "已入户核实" in page.content.decode()


def test_measures_past_or_near_their_deadline_are_marked_by_the_daily_job(
    users: dict[str, Any], tmp_path: Path, client_for: Any
) -> None:
    rows = [
        measure("P1", 1, 整改时限="2026-01-31"),
        measure("P1", 2, 整改时限="2026-02-10"),
        measure("P1", 3, 整改时限="2026-03-31"),
        measure("P2", 1, 整改时限="2026-01-31", 状态="已完成"),
    ]
    load("rectification", rows, tmp_path, users["county_admin"])
    # The import marked them as of today (all three past by now); as of 5 February 2026:
    marks = services.mark_overdue(on=dt.date(2026, 2, 5))
    assert marks == {"red": 0, "orange": 1, "cleared": 1}
    by_no = {(r.problem_no, r.measure_no): r.alert for r in RectificationRow.objects.all()}
    assert by_no == {("P1", 1): "red", ("P1", 2): "orange", ("P1", 3): "", ("P2", 1): ""}
    assert "duty.mark_overdue" in jobs._DAILY
    job = Job.objects.create(kind="duty.mark_overdue", title="每日整改时限预警更新")
    done = jobs.run(job.pk)
    assert done.status == Job.Status.SUCCEEDED
    # Today (2026-12) every open measure of 2026-01…03 is past its deadline.
    assert set(
        RectificationRow.objects.filter(status="整改中").values_list("alert", flat=True)
    ) == {"red"}
    page = client_for("town_staff").get(reverse("duty:problems"), {"alert": "red"})
    assert [p.number for p in page.context["page"]] == ["P1"]
    assert Problem.objects.get(number="P2").status == "已完成"


def test_the_problem_list_needs_a_fixed_number_of_queries(
    users: dict[str, Any], tmp_path: Path, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    rows = [measure(f"P{i}", no) for i in range(30) for no in (1, 2)]
    load("rectification", rows, tmp_path, users["county_admin"])
    client = client_for("town_staff")
    with django_assert_max_num_queries(10):
        page = client.get(reverse("duty:problems"))
    assert page.context["page"].paginator.count == 30
    problem = Problem.objects.get(number="P1")
    with django_assert_max_num_queries(25):
        assert client.get(reverse("duty:problem", args=[problem.pk])).status_code == 200
