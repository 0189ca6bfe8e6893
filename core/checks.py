"""The registry of data-quality checks that need no department file (`fangpin check`).

Any app registers a check with `@check(code, name, severity)`; the function takes a region (or
None for everything) and returns an iterable of dicts {household_id, person_id, message, evidence}.
It must work set-wise (one or a few queries), never one query per person. The exchange app runs
them, stores the findings, and closes the ones that no longer fire. Each app's `checks.py` is
auto-discovered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

CheckFn = Callable[[Any], Iterable[dict]]


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: str  # red | yellow
    fn: CheckFn
    description: str = ""


_CHECKS: dict[str, Check] = {}


def check(code: str, name: str, severity: str = "yellow", description: str = "") -> Callable:
    """Register a data-quality check under a stable rule code."""

    def register(fn: CheckFn) -> CheckFn:
        _CHECKS[code] = Check(code, name, severity, fn, description or (fn.__doc__ or "").strip())
        return fn

    return register


def all_checks() -> list[Check]:
    """Every registered check, discovered from each app's checks.py."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("checks")
    return sorted(_CHECKS.values(), key=lambda c: c.code)
