import datetime as dt
import random

from core import idnumber
from fangpin.testing import id_number


def test_a_valid_number_gives_birth_date_and_sex():
    number = id_number(dt.date(1980, 5, 17), "女")
    result = idnumber.check(number)
    assert result.ok
    assert result.birth_date == dt.date(1980, 5, 17)
    assert result.sex == "女"


def test_wrong_check_digit_is_an_error_naming_the_right_digit():
    number = id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    result = idnumber.check(wrong)
    assert not result.ok
    assert f"校验位错误（应为{number[17]}）" in result.errors[0]


def test_birth_date_in_the_future_is_refused():
    number = idnumber.make_valid("42028120990101001")
    result = idnumber.check(number, today=dt.date(2026, 1, 1))
    assert "在今天之后" in result.errors[0]


def test_area_code_newer_than_birth_is_accepted():
    # 420281 (大冶市) exists only since 1994; python-stdnum rejects this real kind of number.
    number = idnumber.make_valid("42028119800101003")
    assert idnumber.check(number).ok


def test_fifteen_digit_numbers_convert_when_asked():
    result = idnumber.check("420281800101003", convert_15=True)
    assert result.ok and result.value == idnumber.make_valid("42028119800101003")


def test_disability_certificate_number_is_accepted_as_such():
    base = idnumber.make_valid("42028119800101003")
    result = idnumber.check(base + "41")
    assert result.ok and result.kind == "disability"


def test_full_width_digits_and_spaces_are_normalised():
    number = id_number()
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert idnumber.check(" " + wide + " ").value == number


def test_check_digit_matches_the_weighted_sum_of_gb11643():
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    rng = random.Random(11643)
    for _ in range(20000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
        assert idnumber.check_digit(first17) == "10X98765432"[total % 11], first17


def test_quick_passes_exactly_the_plain_numbers_that_check_passes_silently():
    """`quick` is `check` for a plain 18-character cell: the same number, birth date and sex, and
    None for every cell that `check` refuses, warns about or has to fold first."""
    today = dt.date(2026, 12, 7)
    valid = idnumber.make_valid("42028119800101001")
    x_last = next(
        n
        for n in (idnumber.make_valid(f"42028119800101{i:03d}") for i in range(200))
        if n.endswith("X")
    )
    cells = [
        valid,
        x_last,
        x_last[:17] + "x",  # a lower-case check character: check upper-cases it
        valid[:17] + ("1" if valid[17] != "1" else "2"),  # wrong check digit
        idnumber.make_valid("42028120300101001"),  # born after today
        idnumber.make_valid("42028118800101001"),  # born before 1890
        idnumber.make_valid("42028119800230001"),  # no such day
        idnumber.make_valid("42028120000229001"),  # a leap day
        idnumber.make_valid("42028119000229001"),  # 1900 was not a leap year
        "４" + valid[1:],  # a full-width digit: check folds it
        valid + " ",
        valid[:15],
        valid[:6] + "*" * 8 + valid[14:],
        idnumber.make_valid("42028119800101001") + "11",  # a 残疾人证号
    ]
    for cell in cells:
        full = idnumber.check(cell, today=today, convert_15=True)
        silent = full.ok and not full.warnings and full.value == cell.upper()
        found = idnumber.quick(cell, today)
        if silent and len(cell) == 18:
            assert found == (full.value, full.birth_date, full.sex), cell
        else:
            assert found is None, cell
    lower = idnumber.quick(x_last[:17] + "x", today)
    assert lower is not None and lower[:2] == (x_last, dt.date(1980, 1, 1))
    assert idnumber.quick(valid, today) == (valid, dt.date(1980, 1, 1), "男")
    assert idnumber.quick(cells[7], today) is not None and idnumber.quick(cells[8], today) is None
