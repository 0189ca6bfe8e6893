"""Telephone numbers: one rule for every form and service (mobile 11 digits or 区号-number)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
MESSAGE = "应为11位手机号或带区号的固定电话，如13812345678、0714-1234567"


def clean(value: str | None) -> str:
    """The number without spaces, or ValidationError with the Chinese rule; blank stays blank."""
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE_RE.match(value):
        raise ValidationError(MESSAGE)
    return value
