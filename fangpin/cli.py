"""The `fangpin` console command: the project's management commands under one name."""

from __future__ import annotations

import gc
import itertools
import json
import os
import sys
from pathlib import Path

# `fangpin check` is the data-quality check of formats.md §3; Django's system check keeps its
# own name under manage.py (and as `fangpin django-check`).
ALIASES = {"check": "check_data", "django_check": "check"}
# Commands whose one positional argument is a workbook they read whole, and the options of
# theirs (and Django's) that take a value.
READS_WORKBOOK = {"import_registry"}
VALUED = {"--errors", "-v", "--verbosity"}
# Options that change the settings: the limits a prefetch reads would not be the command's.
SETTINGS_OPTIONS = ("--settings", "--pythonpath")


def command_args(argv: list[str]) -> list[str]:
    """Translate `fangpin import-registry …` into the management command's module name."""
    args = list(argv)
    args[0] = "fangpin"
    if len(args) > 1 and not args[1].startswith("-"):
        # Commands are documented with hyphens (import-registry); modules use underscores.
        name = args[1].replace("-", "_")
        args[1] = ALIASES.get(name, name)
    return args


def workbook_arg(args: list[str]) -> Path | None:
    """The .xlsx file a workbook-reading command was given (after `command_args`), if any."""
    if len(args) < 3 or args[1] not in READS_WORKBOOK:
        return None
    if any(arg.startswith(SETTINGS_OPTIONS) for arg in args):
        return None
    given = [
        arg
        for before, arg in itertools.pairwise(args[1:])
        if not arg.startswith("-") and before not in VALUED
    ]
    if len(given) != 1 or not given[0].lower().endswith(".xlsx"):
        return None
    path = Path(given[0])
    return path if path.is_file() else None


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. `fangpin import-registry FILE`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.settings")
    os.umask(0o077)  # the database, uploads and exports: the service user's only
    args = command_args(sys.argv if argv is None else argv)
    workbook = workbook_arg(args)
    collecting = gc.isenabled()
    if workbook is not None:
        from core import xlsxparts

        # The import pauses the cyclic collector (core.pipeline.collector_paused); paused from
        # here already: what Django's start-up and the rows read meanwhile build is not garbage,
        # and the collector's passes over it cost a 10,000-household file 0.05 s of its 1.4 s.
        gc.disable()
        # Its first parts are parsed (without the GIL) while Django loads the apps.
        xlsxparts.prefetch(workbook)
    from django.core.management import execute_from_command_line

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
    except Exception as exc:
        # Django's own commands (and serve, worker) end here; the batch commands have their own
        # last resort (core.cli.JsonCommand), and every one ends with the JSON line.
        from core.cli import unexpected

        raise SystemExit(unexpected(exc, args[1] if len(args) > 1 else "", print)) from None
    finally:
        if workbook is not None:
            # A reading the command never took (run in-process; a batch command's own process
            # ends with it).
            xlsxparts.forget()
            if collecting:
                gc.enable()


if __name__ == "__main__":
    main()
