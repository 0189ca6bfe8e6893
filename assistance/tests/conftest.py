"""Builders for the assistance tests: monitored households, measures, small images."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from fangpin.testing import make_household

TODAY = dt.date.today()


def monitored(region: Any, risks: list[str] | None = None, **status: Any) -> Any:
    """A 边缘易致贫户 identified 60 days ago with the given risks."""
    return make_household(
        region,
        category=status.pop("category", "边缘易致贫户"),
        identified_date=TODAY - dt.timedelta(days=60),
        risk_list=risks or [],
        **status,
    )


def png_bytes(color: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Photos of each test go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
