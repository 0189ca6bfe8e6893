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
