"""Named hooks: how one work app acts on another without importing it.

The work apps (monitoring, assistance, exchange, imports and the ledger apps) sit side by side in
the layers (docs/architecture.md) and do not import each other. Where one must act on another — a
screening answer opens a lead, a 绿色通道 case records a measure — the owner provides a function
under a name when Django starts (`@provide("monitoring.create_lead")` in a module its AppConfig
imports in `ready()`), and the caller asks for it by name: `hooks.call("monitoring.create_lead",
actor=…, …)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PROVIDED: dict[str, Callable[..., Any]] = {}


def provide(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn` as the provider of hook `name` (one provider per name)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in _PROVIDED and _PROVIDED[name] is not fn:
            raise RuntimeError(f"hook {name} is provided twice")
        _PROVIDED[name] = fn
        return fn

    return register


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the provider of hook `name`."""
    try:
        fn = _PROVIDED[name]
    except KeyError as exc:
        raise RuntimeError(f"hook {name} has no provider (is its app installed?)") from exc
    return fn(*args, **kwargs)


def provided(name: str) -> bool:
    """Whether an installed app provides hook `name`."""
    return name in _PROVIDED
