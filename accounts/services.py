"""Account changes and login security (lockout after repeated failures)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from core import audit
from regions.models import Region


@transaction.atomic
def create_user(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    region: Region,
    name: str = "",
    phone: str = "",
    can_view_sensitive: bool = False,
) -> User:
    """Create a user bound to a region; the password must pass the password rules."""
    if role not in Role.values:
        raise ValueError(f"未知角色“{role}”，可选：{', '.join(Role.values)}")
    user = User(
        username=username,
        role=role,
        region=region,
        last_name=name,
        phone=phone,
        can_view_sensitive=can_view_sensitive,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor,
        action="create",
        obj=user,
        region_id=region.pk,
        after={"username": username, "role": role, "region": region.pk},
    )
    return user


def register_failure(user: User) -> None:
    """Count a failed login; lock the account after the configured number."""
    user.failed_logins += 1
    if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
        user.locked_until = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        user.failed_logins = 0
    user.save(update_fields=["failed_logins", "locked_until"])


def register_success(user: User) -> None:
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
