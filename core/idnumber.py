"""Resident ID numbers (GB 11643): check digit, birth date, sex, and 15→18 digit conversion.

python-stdnum's `cn.ric.is_valid` also rejects numbers whose area code is newer than the birth date,
which real people carry (a 1980 birth first registered in 大冶市 420281, a code from 1994), so this
module checks only what the standard fixes: the check digit and a real, past birth date.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from core import dates

_CHECK = "10X98765432"
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＢｂ", "0123456789XxBb")
_SEPARATORS = re.compile(r"[\s\-'\u200b\ufeff]")
_DISABILITY = re.compile(r"\d{17}[\dX][0-9A-Z]{2,4}")
_RESIDENT = re.compile(r"\d{17}[\dX]")
_PLAIN = re.compile(r"[0-9]{17}[0-9Xx]")  # ASCII only: a full-width digit needs normalize()
EARLIEST_BIRTH_YEAR = 1890  # an earlier birth date is a typing error


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    # The weights are 2^(17-i) mod 11 and 13 ≡ 2 (mod 11), so the weighted sum is congruent to
    # 2 × (the digits read in base 13): one int() in C instead of 17 multiplications in Python
    # (imports check hundreds of thousands of numbers); core/tests/test_idnumber.py holds it to the
    # weights.
    return _CHECK[2 * int(first17, 13) % 11]


@functools.lru_cache(maxsize=65536)
def _birth(yyyymmdd: str) -> dt.date | None:
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def normalize(raw: object) -> str:
    """Strip spaces and separators, fold full-width digits, upper-case the X."""
    text = "" if raw is None else str(raw)
    if text.isascii() and text.isalnum():  # the usual case: nothing to fold or strip
        return text.upper()
    text = text.translate(_FULLWIDTH)
    text = _SEPARATORS.sub("", text)
    return text.upper()


def from_15(old: str) -> str:
    """Convert a first-generation 15-digit number to 18 digits (century 19)."""
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_digit(first17)


@dataclass
class IdCheck:
    """Result of checking one ID number: normalised value, facts derived, and messages."""

    value: str
    kind: str = "resident"  # resident | disability
    birth_date: dt.date | None = None
    sex: str = ""  # 男 / 女
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def resident_number(self) -> str:
        """The 18-digit resident number inside (a 残疾人证号 starts with one)."""
        return self.value[:18]


def check(raw: object, *, today: dt.date | None = None, convert_15: bool = False) -> IdCheck:
    """Check a resident ID number or a 20/22-character 残疾人证号; messages are in Chinese."""
    value = normalize(raw)
    result = IdCheck(value=value)
    if not value:
        result.errors.append("证件号码为空")
        return result
    if convert_15 and len(value) == 15 and value.isdigit():
        value = from_15(value)
        result.value = value
        result.warnings.append("15位证件号码已转换为18位")
    if len(value) in (20, 22) and _DISABILITY.fullmatch(value):
        result.kind = "disability"
    elif len(value) != 18:
        result.errors.append(f"证件号码应为18位（残疾人证号为20或22位），实为{len(value)}位")
        return result
    base = value[:18]
    if not _RESIDENT.fullmatch(base):
        result.errors.append("证件号码只能由数字组成，最后一位可以是X")
        return result
    expected = check_digit(base[:17])
    if base[17] != expected:
        result.errors.append(f"证件号码校验位错误（应为{expected}）")
    birth = _birth(base[6:14])
    if birth is None:
        result.errors.append(f"证件号码中的出生日期{base[6:14]}不是有效日期")
        return result
    today = today or dates.today()
    if birth > today:
        result.errors.append(f"证件号码中的出生日期{birth:%Y-%m-%d}在今天之后")
    elif birth.year < EARLIEST_BIRTH_YEAR:
        result.errors.append(f"证件号码中的出生日期{birth:%Y-%m-%d}不合理")
    result.birth_date = birth
    result.sex = _sex(base)
    return result


def quick(raw: str, today: dt.date) -> tuple[str, dt.date, str] | None:
    """(number, birth date, sex) of an 18-character resident number that `check` would pass
    with nothing to say; None for anything else, which `check` must then judge.

    The usual cell of an import, checked without building an IdCheck (a county's register holds
    400,000 of them)."""
    if len(raw) != 18 or not _PLAIN.fullmatch(raw):
        return None
    value = raw.upper()
    if check_digit(value[:17]) != value[17]:
        return None
    birth = _birth(value[6:14])
    if birth is None or birth > today or birth.year < EARLIEST_BIRTH_YEAR:
        return None
    return value, birth, _sex(value)


def _sex(number: str) -> str:
    """男 / 女 from the 17th digit (odd: male)."""
    return "男" if int(number[16]) % 2 == 1 else "女"


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def make_valid(first17: str) -> str:
    """Append the check digit (used by the demo and tests to build valid numbers)."""
    return first17 + check_digit(first17)
