"""One notion of "today": the local date of the configured time zone (Asia/Shanghai).

A date shown, stored or compared is the date in China, never the server's UTC date: at 07:00 in
Beijing the UTC date is still yesterday's.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """Today's local date."""
    return timezone.localdate()
