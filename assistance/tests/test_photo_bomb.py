"""A 13,000 × 13,000 px photo (a few hundred KB on disk) is refused from its header (issue 17.3,
17.10): a Chinese message, nothing saved, within 2 s and without the 700 MB it would decode to."""

from __future__ import annotations

import resource
import struct
import time
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.models import Visit, VisitPhoto
from assistance.tests.test_visits import post_visit

pytestmark = pytest.mark.django_db


def big_png(width: int, height: int) -> bytes:
    """A valid RGBA PNG of width × height black pixels, compressed row by row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + width * 4)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_a_pixel_bomb_photo_is_refused_in_chinese_and_nothing_is_saved(
    client_for: Any, household: Any, media_root: Any
) -> None:
    data = big_png(13000, 13000)
    assert len(data) < 2 << 20
    photo = SimpleUploadedFile("bomb.png", data, content_type="image/png")
    client_for("grid_member").get("/assistance/visits/new/")  # templates and URLs warmed up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    response = post_visit(client_for("grid_member"), household, photos=photo)
    assert time.perf_counter() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before < 300
    assert response.status_code == 400
    assert "像素" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def cut_off_jpeg() -> bytes:
    """The first 2,000 bytes of a noisy 400 × 300 JPEG: a photo whose upload broke off."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(out, "JPEG")
    return out.getvalue()[:2000]


def test_a_cut_off_jpeg_is_refused_in_chinese_and_nothing_is_saved(
    client_for: Any, household: Any, media_root: Any
) -> None:
    photo = SimpleUploadedFile("断了.jpg", cut_off_jpeg(), content_type="image/jpeg")
    response = post_visit(client_for("grid_member"), household, photos=photo)
    assert response.status_code == 400  # was a 500 from the thumbnail
    assert "文件“断了.jpg”不是有效的图片" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def broken_png() -> bytes:
    """A 100 × 100 PNG whose header and checksums are sound and whose pixel data is not."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100, 100, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"not deflate data" * 10)
        + chunk(b"IEND", b"")
    )


def test_a_png_with_broken_data_after_a_good_photo_leaves_no_file_and_no_visit(
    client_for: Any, household: Any, media_root: Any
) -> None:
    """Its header and checksums are sound, its picture data is not."""
    from assistance.tests.test_visits import png_bytes

    photos = [
        SimpleUploadedFile("好.png", png_bytes(size=(80, 60)), content_type="image/png"),
        SimpleUploadedFile("坏.png", broken_png(), content_type="image/png"),
    ]
    response = post_visit(client_for("grid_member"), household, photos=photos)
    assert response.status_code == 400  # was a 500 from the thumbnail
    assert "文件“坏.png”不是有效的图片" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]
