"""The registry of data-quality checks that need no department file (`fangpin check`).

Any app registers a check with `@check(code, name, severity)`; the function takes a region (or
None for everything) and returns an iterable of dicts {household_id, person_id, message, evidence}.
A check with thresholds declares them, `@check(code, name, parameters={"max_age": 60})`, and is then
called with the year's parameters too, `fn(region, params)`: the defaults overlaid with what the
county admin set for the year (the rule's page under 部门比对 › 规则).
It must work set-wise (one or a few queries), never one query per person. The exchange app runs
them, stores the findings, and closes the ones that no longer fire. Each app's `checks.py` is
auto-discovered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

CheckFn = Callable[[Any], Iterable[dict]]


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: str  # red | yellow
    fn: CheckFn
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


_CHECKS: dict[str, Check] = {}


def check(
    code: str,
    name: str,
    severity: str = "yellow",
    description: str = "",
    parameters: dict[str, Any] | None = None,
) -> Callable:
    """Register a data-quality check under a stable rule code (with default thresholds)."""

    def register(fn: CheckFn) -> CheckFn:
        doc = description or (fn.__doc__ or "").strip()
        _CHECKS[code] = Check(code, name, severity, fn, doc, dict(parameters or {}))
        return fn

    return register


def region_finding(region_id: int, message: str, key: str, **evidence: Any) -> dict:
    """A finding about a region rather than a household (a team, a project, an asset)."""
    return {
        "region_id": region_id,
        "household_id": None,
        "person_id": None,
        "message": message,
        "evidence": evidence,
        "key": key,
    }


def all_checks() -> list[Check]:
    """Every registered check, discovered from each app's checks.py."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("checks")
    return sorted(_CHECKS.values(), key=lambda c: c.code)
