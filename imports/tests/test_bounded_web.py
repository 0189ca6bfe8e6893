"""Through the import pages (issue 17.3): a bomb, a file over the row cap and undecodable bytes
end as a rejected batch with a Chinese message — never a 500 or a codec's words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.test_uploads import _bomb
from imports.models import ImportBatch
from registry.layouts import REGISTER

pytestmark = pytest.mark.django_db


def _upload(client: Any, name: str, data: bytes, capture: Any) -> ImportBatch:
    with capture(execute=True):
        response = client.post("/imports/upload/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk")


def _messages(batch: ImportBatch) -> str:
    return " ".join(str(e.get("message", e)) for e in batch.errors)


def test_bombs_and_bad_files_are_rejected_batches_with_chinese_reasons(
    client_for: Any, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DATA_DIR = tmp_path
    settings.FANGPIN_IMPORT_MAX_ROWS = 50
    settings.FANGPIN_IMPORT_MAX_CSV_ROWS = 50
    client = client_for("county_admin")

    bomb = _upload(
        client, "炸弹.xlsx", _bomb(tmp_path / "b.xlsx", 1.5).read_bytes(),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    many = _upload(
        client,
        "多.csv",
        (",".join(REGISTER.headers) + "\n" + ",\n" * 80).encode(),
        django_capture_on_commit_callbacks,
    )
    garbled = _upload(
        client,
        "乱码.csv",
        (",".join(REGISTER.headers) + "\n").encode("gb18030") + b"\x81\x20\xff\xff,1\n" * 3,
        django_capture_on_commit_callbacks,
    )
    for batch, expected in (
        (bomb, "解压后超过"),
        (many, "文件超过50行"),
        (garbled, "编码无法识别"),
    ):
        batch.refresh_from_db()
        assert batch.status == "rejected", (batch.status, batch.errors[:2])
        assert expected in _messages(batch)
        assert "codec" not in _messages(batch)
        page = client.get(f"/imports/{batch.pk}/")
        assert page.status_code == 200 and expected in page.content.decode()
