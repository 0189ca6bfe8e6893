"""Bounded uploads (issue 17.3): bombs are refused within 2 s, without the memory they ask for."""

from __future__ import annotations

import functools
import io
import resource
import struct
import time
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from core import uploads, xlsxparts
from core.tabular import TableError, open_table

# ruff: noqa: E501
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b"</Relationships>"
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _cell(ref: str, value: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()


def _row(n: int, values: list[str]) -> bytes:
    cells = b"".join(_cell(f"{chr(65 + i)}{n}", v) for i, v in enumerate(values))
    return f'<row r="{n}">'.encode() + cells + b"</row>"


def write_xlsx(path: Path, sheet: Iterable[bytes], *, level: int = 6) -> Path:
    """A minimal workbook whose first sheet's XML is the pieces given (streamed into the zip)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            for piece in sheet:
                out.write(piece)
    return path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _many_rows(count: int, header: list[str]) -> Iterable[bytes]:
    yield SHEET_HEAD
    yield _row(1, header)
    block = 50_000
    for start in range(2, count + 2, block):
        yield b"".join(
            b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n)
            for n in range(start, min(start + block, count + 2))
        )
    yield SHEET_TAIL


def test_a_small_workbook_is_read_as_before(tmp_path):
    path = write_xlsx(
        tmp_path / "ok.xlsx",
        [
            SHEET_HEAD,
            _row(1, ["标题"]),
            _row(2, ["姓名", "证件号码"]),
            _row(3, ["张三", "1"]),
            SHEET_TAIL,
        ],
    )
    table = open_table(path)
    assert table.header_row == 2 and table.headers == ["姓名", "证件号码"]
    assert list(table.rows) == [(3, ["张三", "1"])]


def _bomb(path: Path, gigabytes: float) -> Path:
    """A workbook whose sheet is `gigabytes` of zeros inside a cell, a few MB on disk: one deflated
    block of zeros repeated (each ends in a full flush, so the copies are the same bytes)."""
    block = b"0" * (64 << 20)
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    head = SHEET_HEAD + _row(1, ["姓名", "证件号码"]) + b'<row r="2"><c r="A2"><v>'
    tail = b"</v></c></row>" + SHEET_TAIL
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    repeated = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    copies = int(gigabytes * 16)
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + copies * len(block) + len(tail)
    compressed = len(first) + copies * len(repeated) + len(last)
    write_xlsx(path, [SHEET_HEAD, SHEET_TAIL])  # the other parts, then the sheet replaced
    with zipfile.ZipFile(path) as book:
        others = [(i, book.read(i)) for i in book.infolist() if "worksheets" not in i.filename]
    central = b""
    with path.open("wb") as out:
        for info, content in others:
            offset = out.tell()
            packed = zlib.compress(content)[2:-4]
            local = _header(info.filename, zlib.crc32(content), len(packed), len(content))
            out.write(local + packed)
            central += _central(
                info.filename, zlib.crc32(content), len(packed), len(content), offset
            )
        offset = out.tell()
        out.write(_header("xl/worksheets/sheet1.xml", crc, compressed, size) + first)
        for _ in range(copies):
            out.write(repeated)
        out.write(last)
        central += _central("xl/worksheets/sheet1.xml", crc, compressed, size, offset)
        start = out.tell()
        out.write(central)
        count = len(others) + 1
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0))
    return path


def _header(name: str, crc: int, packed: int, size: int) -> bytes:
    raw = name.encode()
    return (
        struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, packed, size, len(raw), 0)
        + raw
    )


def _central(name: str, crc: int, packed: int, size: int, offset: int) -> bytes:
    raw = name.encode()
    fields = (0x02014B50, 20, 20, 0, 8, 0, 0, crc, packed, size, len(raw), 0, 0, 0, 0, 0, offset)
    return struct.pack("<IHHHHHHIIIHHHHHII", *fields) + raw


def test_a_zip_bomb_is_refused_at_once_without_inflating_it(tmp_path):
    """1.5 GB of zeros in a few MB: refused from its declared size, within 2 s of CPU, in little memory."""
    path = _bomb(tmp_path / "bomb.xlsx", 1.5)
    assert path.stat().st_size < 10 << 20
    with zipfile.ZipFile(path) as book:
        assert book.getinfo("xl/worksheets/sheet1.xml").file_size > 1500 << 20
    before, started = _rss_mb(), time.process_time()
    with pytest.raises(TableError, match="解压后超过1024MB"):
        open_table(path)
    assert time.process_time() - started < 2
    assert _rss_mb() - before < 300


def test_the_bomb_is_a_real_workbook(tmp_path, settings):
    """The same construction, small, reads as a workbook: the refusal above is the limit's."""
    settings.FANGPIN_UPLOAD_MAX_RATIO = 10_000
    path = _bomb(tmp_path / "small.xlsx", 1 / 16)
    assert open_table(path).headers == ["姓名", "证件号码"]


def test_a_bomb_under_the_size_limit_is_refused_by_its_ratio(tmp_path, settings):
    settings.FANGPIN_UPLOAD_MAX_RATIO = 100
    path = write_xlsx(
        tmp_path / "ratio.xlsx",
        [
            SHEET_HEAD,
            _row(1, ["姓名", "证件号码"]),
            b"<!--" + b"0" * (50 << 20) + b"-->",
            SHEET_TAIL,
        ],
    )
    with pytest.raises(TableError, match="压缩比异常"):
        open_table(path)


def test_a_forged_declared_size_is_caught_while_inflating(tmp_path):
    """A member that claims 1 MB but inflates to 200 MB: calamine would inflate it all."""
    real = write_xlsx(
        tmp_path / "real.xlsx",
        [
            SHEET_HEAD,
            _row(1, ["姓名", "证件号码"]),
            b"<!--" + b"0" * (200 << 20) + b"-->",
            SHEET_TAIL,
        ],
        level=9,
    )
    data = bytearray(real.read_bytes())
    at = data.find(b"PK\x01\x02")
    while True:  # the sheet's entry in the central directory
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        extra_len = int.from_bytes(data[at + 30 : at + 32], "little")
        comment_len = int.from_bytes(data[at + 32 : at + 34], "little")
        if data[at + 46 : at + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            break
        at += 46 + name_len + extra_len + comment_len
    if data[at + 24 : at + 28] == b"\xff\xff\xff\xff":  # zip64: the size is in the extra field
        extra = at + 46 + name_len
        data[extra + 4 : extra + 12] = (1 << 20).to_bytes(8, "little")
    else:
        data[at + 24 : at + 28] = (1 << 20).to_bytes(4, "little")
    forged = tmp_path / "forged.xlsx"
    forged.write_bytes(bytes(data))
    with zipfile.ZipFile(forged) as book:
        assert book.getinfo("xl/worksheets/sheet1.xml").file_size == 1 << 20
    started = time.process_time()
    with pytest.raises(TableError, match="损坏"):
        open_table(forged)
    with pytest.raises(uploads.UploadRejected, match="疑似“压缩炸弹”"):
        uploads.verify_package(forged)
    assert time.process_time() - started < 2


def test_two_million_rows_under_a_wrong_header_are_refused_from_the_first_rows(tmp_path):
    path = write_xlsx(tmp_path / "rows.xlsx", _many_rows(2_000_000, ["编号", "名称"]))
    assert path.stat().st_size < 10 << 20
    before, started = _rss_mb(), time.process_time()
    with pytest.raises(TableError, match="没有找到含“证件号码”的表头行"):
        open_table(path)
    assert time.process_time() - started < 2
    assert _rss_mb() - before < 300


def test_rows_beyond_the_cap_are_refused_before_the_sheet_is_parsed(
    tmp_path, settings, monkeypatch
):
    """Only the sheet's small first part (where the header is) is parsed before the refusal."""
    settings.FANGPIN_IMPORT_MAX_ROWS = 500_000
    path = write_xlsx(tmp_path / "rows.xlsx", _many_rows(2_000_000, ["姓名", "证件号码"]))
    parsed = []
    load = xlsxparts._load

    def counted(source):
        start, rows = load(source)
        parsed.append(len(rows))
        return start, rows

    monkeypatch.setattr(xlsxparts, "_load", counted)
    with pytest.raises(TableError, match="工作表超过500000行"):
        for _ in open_table(path).rows:
            pass
    assert sum(parsed) < 100_000, parsed


def test_a_cell_far_to_the_right_of_a_large_sheet_is_refused_before_its_part_is_parsed(
    tmp_path, settings
):
    """A sheet large enough to be read in parts (core.xlsxparts) is scanned part by part."""
    settings.FANGPIN_IMPORT_MAX_COLUMNS = 100
    rows = list(_many_rows(900_000, ["姓名", "证件号码"]))
    rows.insert(-1, b'<row r="900002"><c r="DA900002"><v>1</v></c></row>')
    path = write_xlsx(tmp_path / "wide.xlsx", rows)
    before = _rss_mb()
    with pytest.raises(TableError, match="超过100列（到第105列）"):
        for _ in open_table(path).rows:  # the earlier parts are read; the wide one is not
            pass
    assert _rss_mb() - before < 300


def test_a_cell_far_to_the_right_is_refused(tmp_path, settings):
    settings.FANGPIN_IMPORT_MAX_COLUMNS = 100
    path = write_xlsx(
        tmp_path / "wide.xlsx",
        [
            SHEET_HEAD,
            _row(1, ["姓名", "证件号码"]),
            b'<row r="2"><c r="XFD2"><v>1</v></c></row>',
            SHEET_TAIL,
        ],
    )
    with pytest.raises(TableError, match="超过100列"):
        open_table(path)


def test_csv_rows_beyond_the_cap_and_bad_bytes_are_chinese_messages(tmp_path, settings):
    settings.FANGPIN_IMPORT_MAX_CSV_ROWS = 100
    path = tmp_path / "many.csv"
    path.write_text("姓名,证件号码\n" + "张三,1\n" * 103, encoding="utf-8")
    with pytest.raises(TableError, match="文件超过100行"):
        list(open_table(path).rows)
    broken = tmp_path / "broken.csv"
    broken.write_bytes("姓名,证件号码\n".encode("gb18030") + b"\x81\x20\xff\xff,1\n" * 3)
    with pytest.raises(TableError) as caught:
        list(open_table(broken).rows)
    assert "codec" not in str(caught.value) and "编码" in str(caught.value)


def test_a_csv_may_be_longer_than_a_sheet_and_one_far_too_long_is_refused_unread(
    tmp_path, settings
):
    """formats.md §6: a sheet holds 1,048,576 rows, a CSV up to 2,000,000; a longer CSV is
    refused before it is parsed."""
    assert uploads.DEFAULTS["FANGPIN_IMPORT_MAX_ROWS"] == 1_048_576
    assert uploads.DEFAULTS["FANGPIN_IMPORT_MAX_CSV_ROWS"] == 2_000_000
    settings.FANGPIN_IMPORT_MAX_ROWS = 50
    settings.FANGPIN_IMPORT_MAX_CSV_ROWS = 100
    longer = tmp_path / "longer.csv"
    longer.write_text("姓名,证件号码\n" + "张三,1\n" * 80, encoding="utf-8")
    assert len(list(open_table(longer).rows)) == 80  # over the sheet cap, under the CSV one
    far = tmp_path / "far.csv"
    far.write_text("姓名,证件号码\n" + "张三,1\n" * 500, encoding="utf-8")
    with pytest.raises(TableError, match="CSV文件超过100行"):  # the count's message, not the rows'
        open_table(far)
    # Without quoted line breaks the count is exact: one line over is refused unread too, and
    # a file of exactly the cap (its header line included) is read.
    over = tmp_path / "over.csv"
    over.write_text("姓名,证件号码\n" + "张三,1\n" * 98 + "张三,1", encoding="utf-8")
    assert len(list(open_table(over).rows)) == 99
    over.write_text("姓名,证件号码\n" + "张三,1\n" * 100, encoding="utf-8")
    with pytest.raises(TableError, match="CSV文件超过100行"):
        open_table(over)
    quoted = tmp_path / "quoted.csv"  # a cell's line breaks are within the margin
    quoted.write_text('姓名,证件号码\n"张\n三",1\n' + "张三,1\n" * 97, encoding="utf-8")
    assert len(list(open_table(quoted).rows)) == 98
    quoted.write_text('姓名,证件号码\n"张\n三",1\n' + "张三,1\n" * 98, encoding="utf-8")
    with pytest.raises(TableError, match="文件超过100行"):  # its last line is the 101st
        list(open_table(quoted).rows)


def test_a_file_that_is_not_a_workbook_says_so_in_chinese(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(TableError) as caught:
        open_table(path)
    assert "无法读取Excel文件" in str(caught.value) or "不是有效的 .xlsx" in str(caught.value)


def _png(width: int, height: int) -> bytes:
    """A PNG header claiming width × height (its data need not be valid for the check)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:20] = width.to_bytes(4, "big")
    data[20:24] = height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def test_a_13000_pixel_square_png_is_refused_from_its_header():
    before, started = _rss_mb(), time.process_time()
    with pytest.raises(uploads.UploadRejected, match="像素"):
        uploads.check_image(_png(13000, 13000), "炸弹.png", ("JPEG", "PNG"))
    assert time.process_time() - started < 2 and _rss_mb() - before < 300


def test_pillow_itself_refuses_to_decode_past_the_limit():
    from PIL import Image

    assert uploads.limit("FANGPIN_IMAGE_MAX_PIXELS") == Image.MAX_IMAGE_PIXELS


@functools.cache
def real_pdf() -> bytes:
    """A real PDF of some tens of KB, as a scanner makes one: a noisy page picture."""
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((300, 200), 60).convert("RGB").save(out, "PDF")
    return out.getvalue()


def cut_off_pdf() -> bytes:
    """The first half of `real_pdf`: an upload broken off."""
    return real_pdf()[: len(real_pdf()) // 2]


def test_a_whole_pdf_passes_and_a_cut_off_or_false_one_is_refused_in_chinese():
    assert len(real_pdf()) > 20_000 and real_pdf().rstrip().endswith(b"%%EOF")
    for whole in (real_pdf(), real_pdf() + b"\r\n  \n", io.BytesIO(real_pdf())):
        uploads.check_pdf(whole, "证明.pdf")
    for cut in (cut_off_pdf(), io.BytesIO(cut_off_pdf()), b"%PDF-1.7\n"):
        with pytest.raises(uploads.UploadRejected) as refused:
            uploads.check_pdf(cut, "证明.pdf")
        assert str(refused.value) == "文件“证明.pdf”不是完整的PDF文件（可能上传中断），请重新上传"
    for false in (b"", b"hello %%EOF", _png(10, 10), io.BytesIO(b"PK\x03\x04%%EOF")):
        with pytest.raises(uploads.UploadRejected, match=r"文件“证明\.pdf”不是有效的PDF文件"):
            uploads.check_pdf(false, "证明.pdf")


class _CountingReads(io.BytesIO):
    """A stream that counts the bytes read from it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def test_a_pdf_is_checked_from_its_two_ends_only():
    stream = _CountingReads(b"%PDF-1.7\n" + b"0" * (4 << 20) + b"\n%%EOF\n")
    uploads.check_pdf(stream, "大.pdf")
    assert stream.taken <= 5 + uploads.PDF_TAIL and stream.tell() == 0


def test_a_unicode_text_file_s_lines_are_counted_by_its_two_byte_line_ends(tmp_path, settings):
    """“Unicode 文本” (UTF-16) ends a line with two bytes, and 上 (U+4E0A) holds a 0x0A byte:
    a file within the cap is not refused for the 上 in its cells; one beyond it is."""
    settings.FANGPIN_IMPORT_MAX_CSV_ROWS = 100
    within = tmp_path / "within.txt"
    within.write_text("姓名\t住址\n" + "张三\t上湾村上屋组\n" * 99, encoding="utf-16")
    uploads.check_csv_lines(within)
    assert len(list(open_table(within, "姓名").rows)) == 99
    beyond = tmp_path / "beyond.txt"
    beyond.write_text("姓名\t住址\n" + "张三\t下湾村\n" * 120, encoding="utf-16")
    with pytest.raises(uploads.UploadRejected, match="超过100行"):
        uploads.check_csv_lines(beyond)
