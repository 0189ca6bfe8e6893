"""佐证材料 files: the one place where an uploaded photo or PDF is checked and stored.

A file is accepted when its size is within `FANGPIN_ATTACHMENT_MAX_MB`, its extension is one of
.jpg/.jpeg/.png/.pdf and its content is what the extension says: a PDF starts with %PDF- and ends
with %%EOF (not cut off), a picture is opened by Pillow from its header only (its pixel count
bounded before anything is decoded, `FANGPIN_IMAGE_MAX_PIXELS`), then verified. The client's file
name is kept for display only; on disk the file gets a random name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.dates import today
from core.uploads import UploadRejected, check_image, check_pdf

PICTURES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "PDF": "application/pdf"}


@dataclass(frozen=True)
class Stored:
    file: str
    name: str
    content_type: str
    size: int


def _max_bytes() -> int:
    return int(settings.FANGPIN_ATTACHMENT_MAX_MB) * 1024 * 1024


def _check_content(data: bytes, name: str, expected: str) -> None:
    """The file is the `expected` kind (JPEG, PNG, PDF), whole (core.uploads: one check for all
    uploads; a picture's pixels from its header, then the whole file)."""
    try:
        if expected == "PDF":
            check_pdf(data, name)
            return
        kind, _, _ = check_image(data, name, tuple(CONTENT_TYPES))
    except UploadRejected as exc:
        raise ValidationError(str(exc)) from exc
    if kind != expected:
        raise ValidationError(f"文件“{name}”的内容（{kind}）与扩展名不符")


def check(upload: Any) -> tuple[bytes, str, str]:
    """The upload's bytes, its display name and content type, or ValidationError (Chinese)."""
    name = Path(getattr(upload, "name", "") or "佐证材料").name[:200]
    ext = Path(name).suffix.lower()
    if ext not in (*PICTURES, ".pdf"):
        raise ValidationError(f"文件“{name}”类型不允许，只能上传JPG、PNG照片或PDF文件")
    limit = _max_bytes()
    if (getattr(upload, "size", 0) or 0) > limit:
        raise ValidationError(f"文件“{name}”超过{limit // (1024 * 1024)}MB，请压缩后再上传")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"文件“{name}”超过{limit // (1024 * 1024)}MB，请压缩后再上传")
    kind = "PDF" if ext == ".pdf" else PICTURES[ext]
    _check_content(data, name, kind)
    return data, name, CONTENT_TYPES[kind]


def store(upload: Any) -> Stored:
    """Check the upload and write it under MEDIA_ROOT/rectification/ with a random name."""
    data, name, content_type = check(upload)
    ext = ".pdf" if content_type == CONTENT_TYPES["PDF"] else Path(name).suffix.lower()
    path = default_storage.save(
        f"rectification/{today():%Y/%m}/{uuid.uuid4().hex}{ext}", ContentFile(data)
    )
    return Stored(path, name, content_type, len(data))
