"""What every app's API module shares: the YYYY-MM-DD date parameter.

No `router` here: `api.endpoints` mounts only the modules that have one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# Digits in ASCII only: `\d` would also take full-width ones.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD, and blank as not given: pydantic's own date type also reads a number as
    a Unix timestamp (as_of=0 is 1970-01-01) and takes datetimes."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # 2024-02-30: the same answer as any other bad value
    # The type's first word ("date") gives the 422 handler its "应为YYYY-MM-DD 格式的日期".
    raise PydanticCustomError("date_format", "应为 YYYY-MM-DD 格式的日期")


# A date parameter of the API (None when absent or blank).
IsoDate = Annotated[dt.date | None, BeforeValidator(_iso_date)]
