"""Shared shape of batch commands (formats.md §3): progress on stderr, one JSON object as the last
line of stdout, exit 0 on success, 1 when the input was rejected, 2 on wrong usage."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from regions.models import Region


class UsageError(CommandError):
    """Wrong usage: exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class BatchCommand(BaseCommand):
    """Base for `fangpin` batch commands."""

    def progress(self, message: str) -> None:
        self.stderr.write(message)

    def emit(self, result: dict[str, Any], *, rejected: bool = False) -> None:
        """Print the JSON result as the last stdout line; exit 1 if the input was rejected."""
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        self.stdout.flush()
        if rejected:
            sys.exit(1)

    def region_arg(self, ref: str) -> Region:
        """Resolve --region R (code, unique name or path of names) or fail with exit 2."""
        from django.core.exceptions import ValidationError

        from regions.services import resolve

        try:
            return resolve(ref)
        except Region.DoesNotExist as exc:
            raise UsageError(str(exc) or f"找不到区划“{ref}”") from exc
        except ValidationError as exc:
            raise UsageError("；".join(exc.messages)) from exc

    def system_user(self) -> User | None:
        """Commands act as the first county admin (for audit), or as nobody."""
        return User.objects.filter(role="county_admin", is_active=True).order_by("pk").first()
