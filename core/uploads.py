"""What an uploaded file may cost before anyone reads it (issue 17.3).

A spreadsheet is a zip package: a 3 MB .xlsx can inflate to gigabytes, and a reader such as
calamine inflates a member whole, trusting nothing but the data. So before a package is read:

1. every member's declared size and its inflation ratio are checked against the limits
   (`check_package`), from the central directory only, in microseconds;
2. the first sheet's first rows are read on their own (`core.xlsxparts.head`, or a large
   sheet's small first part), so a file with the wrong header is refused without parsing the
   rest;
3. a package calamine will read as it is (a sheet under core.xlsxparts.PART_MIN_BYTES) is first
   inflated once as a stream, counting bytes (a member that inflates past its declared size is
   forged) and the sheet's rows and columns against the caps (`verify_package`); a larger sheet
   is read by Python's zip reader (which stops at the declared size) and cut into parts, its
   last row number checked (before any part but the first is parsed) and each part's columns
   scanned before calamine parses that part.

Pictures are bounded by their pixel count read from the header (`check_image`): Pillow's own
`Image.MAX_IMAGE_PIXELS` is set to the same limit (core.apps), so a picture that slips past a
check still stops at decoding. A picture is then read to its end without keeping its pixels (a
JPEG decoded at 1/8 scale, a PNG's data inflated), so a cut-off or broken one is refused before
it is stored, not when it is shown. A PDF is checked at both ends (`check_pdf`): it starts with
`%PDF-` and ends with `%%EOF`, so a cut-off one (an upload broken off) is refused too. Every
refusal is an `UploadRejected` with a Chinese message.

Limits are settings (environment variables in fangpin/settings.py); defaults fit a county's
register (≈400,000 rows, a few dozen columns).
"""

from __future__ import annotations

import codecs
import functools
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DEFAULTS = {
    "FANGPIN_UPLOAD_MAX_INFLATED_MB": 1024,  # the whole package, inflated
    "FANGPIN_UPLOAD_MAX_RATIO": 200,  # inflated / compressed, for members over 1 MB
    "FANGPIN_IMPORT_MAX_ROWS": 1_048_576,  # a sheet: Excel's own limit
    "FANGPIN_IMPORT_MAX_CSV_ROWS": 2_000_000,
    "FANGPIN_IMPORT_MAX_COLUMNS": 256,
    "FANGPIN_IMAGE_MAX_PIXELS": 40_000_000,  # a 40-megapixel photo
}
RATIO_FROM_BYTES = 1 << 20  # small members (styles, a short sheet) may compress very well
_CHUNK = 1 << 20
_MAX_MEMBERS = 10_000


class UploadRejected(ValueError):
    """An upload refused before or while it is read; the message is Chinese, for the user."""


def limit(name: str) -> int:
    """A limit from Django's settings, or its default outside Django (bench scripts)."""
    try:
        from django.conf import settings

        return int(getattr(settings, name, DEFAULTS[name]))
    except Exception:  # settings not configured
        return DEFAULTS[name]


def column_number(letters: bytes | str) -> int:
    """Excel's column letters as a 1-based number (A → 1, AA → 27, XFD → 16384)."""
    text = letters.decode() if isinstance(letters, bytes) else letters
    number = 0
    for ch in text:
        number = number * 26 + ord(ch) - 64
    return number


@dataclass
class PackageInfo:
    members: int
    inflated: int
    rows: int = 0
    columns: int = 0


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRejected(
            "文件不是有效的 .xlsx 文件（可能已损坏，或是改了扩展名的其他文件）"
        ) from exc


def check_package(path: str | Path) -> PackageInfo:
    """Refuse a zip package whose declared sizes exceed the limits, before inflating anything."""
    total_limit = limit("FANGPIN_UPLOAD_MAX_INFLATED_MB") * 1024 * 1024
    ratio_limit = limit("FANGPIN_UPLOAD_MAX_RATIO")
    with _open(Path(path)) as book:
        infos = book.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise UploadRejected(f"文件包含{len(infos)}个部件，不像正常的Excel文件，已拒绝")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > total_limit or total > total_limit:
            raise UploadRejected(
                f"文件解压后超过{total_limit // (1024 * 1024)}MB，已拒绝；请按乡镇拆分后分别上传"
            )
        if info.file_size > RATIO_FROM_BYTES and info.file_size > ratio_limit * max(
            info.compress_size, 1
        ):
            raise UploadRejected(
                f"文件的压缩比异常（{info.file_size // max(info.compress_size, 1)}倍），"
                "疑似“压缩炸弹”，已拒绝"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected("文件使用了不支持的压缩方式，请用Excel或WPS另存为 .xlsx 后再上传")
    return PackageInfo(members=len(infos), inflated=total)


def _member_chunks(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    """The member's inflated bytes in chunks, never more than its declared size plus one chunk:
    a member that inflates further is forged (its declared size is what the limits checked)."""
    # Python's own reader would stop at the declared size, but calamine's does not: inflate the
    # raw stream here, counting.
    if info.flag_bits & 0x1:
        raise UploadRejected("文件已加密，请去掉密码后再上传")
    fh = book.fp
    assert fh is not None
    fh.seek(info.header_offset)
    header = fh.read(30)
    if header[:4] != b"PK\x03\x04":
        raise UploadRejected("文件已损坏（部件头无效），请重新保存后再上传")
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    produced = 0
    while left > 0:
        data = fh.read(min(_CHUNK, left))
        if not data:
            break
        left -= len(data)
        if inflate is None:
            out = data
            produced += len(out)
            yield out
            continue
        while data:
            out = inflate.decompress(data, _CHUNK)
            data = inflate.unconsumed_tail
            produced += len(out)
            if produced > info.file_size:
                raise UploadRejected("文件已损坏（部件解压后比声明的大），疑似“压缩炸弹”，已拒绝")
            yield out
    if produced > info.file_size:
        raise UploadRejected("文件已损坏（部件解压后比声明的大），疑似“压缩炸弹”，已拒绝")


@functools.lru_cache(maxsize=8)
def _beyond(cap: int) -> re.Pattern[bytes]:
    """A cell reference whose column letters name a column after `cap` (1-based): longer
    letters, or as long and greater."""
    letters = ""
    n = cap
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    options = [f"[A-Z]{{{len(letters) + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            options.append(
                letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + f"[A-Z]{{{len(letters) - i - 1}}}"
            )
    # A literal start keeps the scan fast (Python's re looks for `r="` first); `ref="…"` and
    # row numbers never match, as their text after `r="` is not column letters and a digit.
    return re.compile(rb'r="(' + "|".join(options).encode() + rb")\d")


def check_rows(rows: int) -> None:
    max_rows = limit("FANGPIN_IMPORT_MAX_ROWS")
    if rows > max_rows:
        raise UploadRejected(f"工作表超过{max_rows}行，已拒绝；请按乡镇拆分后分别上传")


def check_csv_lines(path: Path) -> None:
    """Refuse a CSV with more lines than FANGPIN_IMPORT_MAX_CSV_ROWS allows before it is parsed
    (counting line ends reads 100 MB in a fraction of a second)."""
    max_rows = limit("FANGPIN_IMPORT_MAX_CSV_ROWS")
    refused = UploadRejected(f"CSV文件超过{max_rows}行，已拒绝；请按乡镇拆分后分别上传")
    lines, quoted, last = 0, False, b"\n"
    with path.open("rb") as fh:
        # “Unicode 文本” (UTF-16): a line end is two bytes, and 上 (U+4E0A) holds a 0x0A byte.
        bom = fh.read(2)
        newline = {codecs.BOM_UTF16_LE: b"\n\x00", codecs.BOM_UTF16_BE: b"\x00\n"}.get(bom, b"\n")
        fh.seek(0)
        while chunk := fh.read(_CHUNK):
            lines += chunk.count(newline)
            quoted = quoted or b'"' in chunk
            last = chunk[-len(newline) :]
            # Line breaks inside quoted cells are no rows: within a margin, the rows decide.
            if lines > max_rows + max_rows // 20:
                raise refused
    if last != newline:
        lines += 1  # the last line has no line end
    if not quoted and lines > max_rows:  # without quotes every line is a row, numbered as such
        raise refused


def check_columns(data: bytes, start: int = 0, end: int | None = None) -> None:
    """Refuse sheet XML (`data[start:end]`) with a cell beyond FANGPIN_IMPORT_MAX_COLUMNS."""
    max_columns = limit("FANGPIN_IMPORT_MAX_COLUMNS")
    found = _beyond(max_columns).search(data, start, len(data) if end is None else end)
    if found:
        raise UploadRejected(
            f"工作表有数据的列超过{max_columns}列（到第{column_number(found.group(1))}列），"
            "已拒绝；请删除多余的列后再上传"
        )


def scan_sheet(data: bytes, info: PackageInfo, tail: bytes = b"") -> None:
    """Count a piece of sheet XML's rows into `info` and refuse rows or columns beyond the caps
    (`tail`: the end of the previous piece, so a tag cut between pieces is still seen)."""
    window = tail + data
    info.rows += window.count(b"<row") - tail.count(b"<row")
    check_rows(info.rows)
    check_columns(window)


def verify_package(path: str | Path, sheet: str | None = None) -> PackageInfo:
    """Inflate every member once as a stream (bounded by its declared size) and count the first
    sheet's rows and widest column against the caps; refuses at the first excess. For packages
    calamine reads as they are; core.xlsxparts.split scans the sheets it cuts itself."""
    from core import xlsxparts

    info = check_package(path)
    with _open(Path(path)) as book:
        sheet = sheet or xlsxparts.first_sheet(book)
        for member in book.infolist():
            counting = member.filename == sheet
            tail = b""
            try:
                for chunk in _member_chunks(book, member):
                    if counting:
                        scan_sheet(chunk, info, tail)
                        tail = chunk[-64:]
            except zlib.error as exc:
                raise UploadRejected("文件已损坏（无法解压），请重新保存后再上传") from exc
    return info


# -- pictures ----------------------------------------------------------------------------------


def check_image(
    source: bytes | IO[bytes], name: str, formats: tuple[str, ...]
) -> tuple[str, int, int]:
    """(format, width, height) of an uploaded picture read from its header, or UploadRejected:
    not a picture (or a cut-off or broken one), a format outside `formats` (Pillow's names:
    JPEG, PNG), or more pixels than FANGPIN_IMAGE_MAX_PIXELS."""
    from PIL import Image, UnidentifiedImageError

    pixels = limit("FANGPIN_IMAGE_MAX_PIXELS")
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:  # reads the header only
                width, height = image.size
                kind = str(image.format)
                if width * height > pixels:
                    raise UploadRejected(
                        f"照片“{name}”为{width}×{height}像素，超过{pixels // 1_000_000}百万像素，"
                        "请缩小后再上传"
                    )
                image.verify()  # PNG: every chunk's checksum, to the end; JPEG: nothing
            if kind == "JPEG":
                # A cut-off JPEG (an upload broken off on a phone) passes verify() and fails
                # only when shown or thumbnailed: decode it at 1/8 scale, where libjpeg still
                # reads every scan, to its end.
                stream.seek(0)
                with Image.open(stream) as image:
                    image.draft("RGB", (max(width // 8, 1), max(height // 8, 1)))
                    image.load()
            elif kind == "PNG":
                _inflate_png(stream)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(f"照片“{name}”像素过多，请缩小后再上传") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadRejected(f"文件“{name}”不是有效的图片") from exc
    finally:
        if not isinstance(source, bytes):
            stream.seek(0)
    if kind not in formats:
        raise UploadRejected(f"照片“{name}”格式为{kind}，只接受{'或'.join(formats)}")
    return kind, width, height


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type: grey, RGB, palette, grey+α, RGBA


def _inflate_png(stream: IO[bytes]) -> None:
    """Inflate a PNG's pixel data (its IDAT chunks) as a stream, keeping none of it: ValueError
    if it is broken or ends early. verify() checks the chunks' checksums, not what they hold,
    so a PNG with sound checksums round broken data would pass, and fail only when shown."""
    stream.seek(8)
    inflate = zlib.decompressobj()
    produced, expected = 0, 0
    try:
        while header := stream.read(8):
            length, kind = int.from_bytes(header[:4], "big"), header[4:8]
            body = stream.read(length)
            stream.read(4)  # the checksum, verified already
            if kind == b"IHDR" and len(body) == 13 and not body[12]:  # not interlaced
                width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
                bits = body[8] * _PNG_CHANNELS.get(body[9], 4)
                expected = height * (1 + (width * bits + 7) // 8)  # a filter byte per row
            elif kind == b"IDAT":
                while body:
                    produced += len(inflate.decompress(body, _CHUNK))
                    body = inflate.unconsumed_tail
            elif kind == b"IEND":
                break
    except zlib.error as exc:
        raise ValueError("PNG像素数据已损坏") from exc
    if not inflate.eof or produced < expected:
        raise ValueError("PNG像素数据不完整")


# -- PDF documents -----------------------------------------------------------------------------

# A complete PDF ends with its %%EOF marker; readers look for it within the last 1 KiB, as line
# ends, spaces or a few bytes a scanner appends may follow it.
PDF_TAIL = 1024


def check_pdf(source: bytes | IO[bytes], name: str) -> None:
    """Refuse (UploadRejected) a file that is not a PDF (it must start with `%PDF-`) or is cut
    off (no `%%EOF` within its last PDF_TAIL bytes). Reads only those two ends of a stream,
    which is left at its start."""
    if isinstance(source, bytes):
        head, tail = source[:5], source[-PDF_TAIL:]
    else:
        try:
            source.seek(0)
            head = source.read(5)
            source.seek(0, io.SEEK_END)
            source.seek(max(source.tell() - PDF_TAIL, 0))
            tail = source.read(PDF_TAIL)
        finally:
            source.seek(0)
    if head != b"%PDF-":
        raise UploadRejected(f"文件“{name}”不是有效的PDF文件")
    if b"%%EOF" not in tail:
        raise UploadRejected(f"文件“{name}”不是完整的PDF文件（可能上传中断），请重新上传")
