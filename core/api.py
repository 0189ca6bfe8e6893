"""What every app's API module shares: the bodies of the error responses (for an endpoint's
`response=`, so that /api/v1/openapi.json lists them), the YYYY-MM-DD date parameter and the
integer parameters that take a blank as not given.

No `router` here: `api.endpoints` mounts only the modules that have one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError


class Error(Schema):
    """The body of every error response but an unparsable parameter's (400, 401, 403, 404, 405)."""

    detail: str = Field(description="出错原因（中文）")


class InvalidParameters(Error):
    """422: one Chinese sentence per parameter that does not parse, and pydantic's details."""

    errors: list[dict[str, Any]] = Field(
        description="每个无效参数的位置（loc）、错误类型（type）和原值（input），供程序读取"
    )


def errors(*statuses: int) -> dict[int, type[Error]]:
    """The error responses an endpoint can give, to merge into its `response=`."""
    return {status: InvalidParameters if status == 422 else Error for status in statuses}


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


def _blank_as(default: int | None) -> BeforeValidator:
    """A parameter sent blank (`?page=`, what a web form sends for an empty field) read as not
    given, as a blank `region`, `category` or `as_of` is; pydantic's int refuses "" (422)."""

    def read(value: Any) -> Any:
        return default if isinstance(value, str) and not value.strip() else value

    return BeforeValidator(read)


# A page number (1 when absent or blank) and an optional integer such as a year (None then).
Page = Annotated[int, _blank_as(1)]
OptionalInt = Annotated[int | None, _blank_as(None)]
