"""What duty offers the other work apps (core.hooks), so they need not import it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.hooks import provide
from duty import services


@provide("duty.grid_households")
def grid_households(user: Any) -> QuerySet:
    """The households assigned to `user` as 网格员 today (a Household queryset; empty for a user
    who is no 网格员)."""
    return services.grid_households(user)
