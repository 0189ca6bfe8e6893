"""Password rule: letters and digits together (on top of Django's length and common checks)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class MixedCharactersValidator:
    """Require at least one letter and one digit."""

    def validate(self, password: str, user: Any = None) -> None:
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_not_mixed")

    def get_help_text(self) -> str:
        return "密码必须同时包含字母和数字。"
