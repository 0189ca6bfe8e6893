"""Department files are bounded like the register's (issue 17.3): a bomb is refused before
calamine inflates it, and bytes no codec reads give a Chinese message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.tests.test_uploads import _bomb
from exchange import readers


def test_a_zip_bomb_from_a_department_is_refused_at_once(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 1.5)
    started = time.perf_counter()
    with pytest.raises(readers.FileRejected) as caught:
        readers.prepare(path, tmp_path)
    assert time.perf_counter() - started < 2
    assert "解压后超过" in str(caught.value)


def test_bytes_no_codec_reads_are_a_chinese_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("姓名,证件号码\n".encode("gb18030") + b"\x81\x20\xff\xff,1\n" * 3)
    with pytest.raises(readers.FileRejected) as caught:
        readers.prepare(path, tmp_path)
    assert "编码无法识别" in str(caught.value) and "codec" not in str(caught.value)
