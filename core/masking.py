"""Masking of ID numbers and phone numbers for lists, exports and the API."""

from __future__ import annotations

import re

from django.db.models import Q


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


# An ID number (15 or 18 characters; a 残疾人证号 20 or 22: the 18 with 2 or 4 digits after, an
# X among them when the ID number ends in one) or a mobile number inside a text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{14,17}[0-9Xx]\d{0,4}(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def mask_numbers(text: str | None) -> str:
    """Every ID number and mobile number in a free text (a cell of an uploaded file, a message
    about it) masked as `mask_id` and `mask_phone` mask them."""
    if not text:
        return ""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), str(text))
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


def unmask_numbers(text: str, stored: str | None) -> str:
    """`text` with each masked number that masks a number of `stored` put back in full: a free
    text a user who may not see full numbers edited (or exported and imported back) keeps the
    numbers its stored version holds. The n-th copy of a mask takes the n-th number it masks."""
    if not text or not stored or "*" not in text:
        return text
    full: dict[str, list[str]] = {}
    for pattern, mask in ((_ID_IN_TEXT, mask_id), (_PHONE_IN_TEXT, mask_phone)):
        for m in pattern.finditer(stored):
            full.setdefault(mask(m.group()), []).append(m.group())
    for masked, numbers in full.items():
        parts = text.split(masked)
        if len(parts) == 1:
            continue
        rebuilt = [parts[0]]
        for i, part in enumerate(parts[1:]):
            rebuilt += [numbers[min(i, len(numbers) - 1)], part]
        text = "".join(rebuilt)
    return text


# A text holding a number that pages mask: an ID number or a mobile number is 11 digits or more.
HOLDS_NUMBER = r"[0-9]{11}"


def text_contains(field: str, q: str, *, full: bool) -> Q:
    """`field` contains `q`, for a search box. A user who may not see full numbers searches what
    the page shows them: a search with digits passes over the texts that hold a number (masked
    on the page, its hidden digits would be confirmed one search at a time: 0011, 70011, …)."""
    found = Q(**{f"{field}__contains": q})
    if full or not any(ch.isdigit() for ch in q):
        return found
    return found & ~Q(**{f"{field}__regex": HOLDS_NUMBER})
