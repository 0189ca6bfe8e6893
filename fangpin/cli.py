"""The `fangpin` console command: the project's management commands under one name."""

from __future__ import annotations

import json
import os
import sys

# `fangpin check` is the data-quality check of formats.md §3; Django's system check keeps its
# own name under manage.py (and as `fangpin django-check`).
ALIASES = {"check": "check_data", "django_check": "check"}


def command_args(argv: list[str]) -> list[str]:
    """Translate `fangpin import-registry …` into the management command's module name."""
    args = list(argv)
    args[0] = "fangpin"
    if len(args) > 1 and not args[1].startswith("-"):
        # Commands are documented with hyphens (import-registry); modules use underscores.
        name = args[1].replace("-", "_")
        args[1] = ALIASES.get(name, name)
    return args


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. `fangpin import-registry FILE`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.settings")
    os.umask(0o077)  # the database, uploads and exports: the service user's only
    from django.core.management import execute_from_command_line

    args = command_args(sys.argv if argv is None else argv)
    try:
        execute_from_command_line(args)
    except SystemExit as exc:
        # Django leaves an unknown command with status 1; for `fangpin` that is wrong usage.
        if exc.code == 1 and len(args) > 1 and not args[1].startswith("-"):
            from django.core.management import get_commands

            if args[1] not in get_commands():
                message = {
                    "status": "usage_error",
                    "message": f"没有命令“{args[1]}”，见 fangpin help",
                }
                print(json.dumps(message, ensure_ascii=False))
                raise SystemExit(2) from exc
        raise


if __name__ == "__main__":
    main()
