"""The batch commands' region argument and acting user (formats.md §3)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import User
from core.cli import JsonCommand, UsageError
from regions.models import Region
from regions.services import resolve


class BatchCommand(JsonCommand):
    """Base for `fangpin` batch commands that take `--region R` or act for the audit trail."""

    def region_arg(self, ref: str) -> Region:
        """Resolve --region R (code, unique name or path of names) or fail with exit 2."""
        try:
            return resolve(ref)
        except Region.DoesNotExist as exc:
            raise UsageError(str(exc) or f"找不到区划“{ref}”") from exc
        except ValidationError as exc:
            raise UsageError("；".join(exc.messages)) from exc

    def system_user(self) -> User | None:
        """The user a command acts as: the first county admin (named in the audit), or nobody.

        A command is run by whoever runs the server, so it imports anywhere (a county the
        demo did not make included: core.permissions.import_region), not within that admin's
        county."""
        user = User.objects.filter(role="county_admin", is_active=True).order_by("pk").first()
        if user is not None:
            user.acts_for_server = True
        return user
