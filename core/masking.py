"""Masking of ID numbers and phone numbers for lists, exports and the API."""

from __future__ import annotations

import re


def mask_id(value: str | None) -> str:
    """4202**********1234 — keep the first four and the last four characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 — keep the first three and the last four digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# An ID number (15 or 18 characters; a 残疾人证号 20 or 22) or a mobile number inside a text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{14,21}[0-9Xx](?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def mask_numbers(text: str | None) -> str:
    """Every ID number and mobile number in a free text (a cell of an uploaded file, a message
    about it) masked as `mask_id` and `mask_phone` mask them."""
    if not text:
        return ""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), str(text))
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
