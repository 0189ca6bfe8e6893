"""Password rule: letters and digits together (on top of Django's length and common checks)."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, in Chinese: Django 5.2's message id ("…at least %d characters")
    no longer matches its zh_Hans catalogue, so the rule spoke English."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要{self.min_length}个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符。"


class MixedCharactersValidator:
    """Require at least one letter and one digit."""

    def validate(self, password: str, user: Any = None) -> None:
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_not_mixed")

    def get_help_text(self) -> str:
        return "密码必须同时包含字母和数字。"


# Words people put in front of a run of digits (demo12345, admin123456, abc12345, fangpin2024).
WEAK_WORDS = frozenset(
    {
        "a", "aa", "aaa", "abc", "abcd", "abcde", "admin", "administrator", "china", "demo",
        "fangpin", "fp", "guest", "hello", "iloveyou", "love", "pass", "passw0rd", "password",
        "pwd", "qaz", "qwe", "qwer", "qwert", "qwerty", "asdf", "root", "test", "user", "wsx",
        "welcome", "woaini", "zxc", "zxcv", "zxcvb",
    }
)  # fmt: skip


def _simple_digits(digits: str) -> bool:
    """A run anyone guesses: one repeated digit, counting up or down, or a year."""
    if len(set(digits)) == 1:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    if steps in ({1}, {9}):
        return True
    return len(digits) == 4 and digits[:2] in {"19", "20"}


class WeakPatternValidator:
    """Refuse a common word plus a run of digits (demo12345) and the username plus digits.

    The demo's published password demo12345 is accepted only in demo mode (FANGPIN_DEMO).
    """

    def validate(self, password: str, user: Any = None) -> None:
        from django.conf import settings

        if settings.FANGPIN_DEMO:
            return
        lowered = password.lower()
        word = lowered.rstrip("0123456789")
        digits = lowered[len(word) :]
        if not word:  # digits first: 12345demo
            digits = lowered[: len(lowered) - len(lowered.lstrip("0123456789"))]
            word = lowered[len(digits) :]
        username = str(getattr(user, "username", "") or "").lower()
        if digits and (
            (word in WEAK_WORDS and _simple_digits(digits)) or (username and word == username)
        ):
            raise ValidationError(
                "密码过于简单（常见单词或用户名加连续数字，如 demo12345），"
                "请换一个不易猜到的密码。",
                code="password_weak_pattern",
            )

    def get_help_text(self) -> str:
        return "不能是常见单词或用户名加连续数字（如 demo12345）。"
