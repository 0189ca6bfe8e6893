"""Account changes: users (create, edit, disable, reset and change passwords, unlock) and API
tokens. Each is atomic, held to the capability table, and audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Role, User
from core import audit
from core.permissions import Cap, can, require
from regions.models import Region

# Where each role sits in the region tree: a town's staff belong to a town, and so on.
ROLE_LEVELS: dict[str, frozenset[int]] = {
    Role.COUNTY_ADMIN: frozenset({Region.Level.COUNTY}),
    Role.AUDITOR: frozenset({Region.Level.COUNTY, Region.Level.TOWN}),
    Role.TOWN_STAFF: frozenset({Region.Level.TOWN}),
    Role.VILLAGE_STAFF: frozenset({Region.Level.VILLAGE}),
    Role.GRID_MEMBER: frozenset({Region.Level.VILLAGE, Region.Level.GROUP}),
}

# What the audit trail and the edit form compare (never the password hash).
USER_FIELDS = ("username", "last_name", "role", "region", "phone", "unit", "can_view_sensitive")


def _require_admin(actor: Any, region: Region | None) -> None:
    """County admins manage users of their region; `fangpin add-user` (actor None) may too."""
    if actor is not None:
        require(actor, Cap.ADMIN, region, "只有县级管理员可以管理本辖区的用户")


def _check_role(role: str, region: Region) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色“{role}”，可选：{', '.join(Role.values)}"})
    levels = ROLE_LEVELS[role]
    if region.level not in levels:
        where = "或".join(str(Region.Level(level).label) for level in sorted(levels))
        actual = region.get_level_display()
        raise ValidationError(
            {"region": f"{Role(role).label}应归属{where}一级，“{region.name}”是{actual}"}
        )


def _user_snapshot(user: User) -> dict[str, Any]:
    data = {name: getattr(user, name) for name in USER_FIELDS}
    data["region"] = user.region_id
    data["is_active"] = user.is_active
    return data


def _record(actor: Any, user: User, action: str, note: str = "", **extra: Any) -> None:
    audit.record(actor=actor, action=action, obj=user, region_id=user.region_id, note=note, **extra)


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
    unit: str = "",
    can_view_sensitive: bool = False,
) -> User:
    """Create a user bound to a region; the password must pass the password rules."""
    _require_admin(actor, region)
    _check_role(role, region)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名{username}已存在"})
    user = User(
        username=username,
        role=role,
        region=region,
        last_name=name,
        phone=phone,
        unit=unit,
        can_view_sensitive=can_view_sensitive,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _record(actor, user, "create", after=_user_snapshot(user))
    return user


@transaction.atomic
def update_user(*, actor: Any, user: User, **fields: Any) -> User:
    """Change a user's name, role, region, phone, unit or full-data permission."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_admin(actor, user.region)
    if "region" in fields:
        _require_admin(actor, fields["region"])
    region = fields.get("region") or user.region
    if region is None:
        raise ValidationError({"region": "请选择所属区划"})
    if user.pk == getattr(actor, "pk", None) and (
        fields.get("role", user.role) != user.role or region != user.region
    ):
        raise ValidationError({"role": "不能修改自己的角色或所属区划，请由另一位县级管理员办理"})
    _check_role(fields.get("role", user.role), region)
    before = _user_snapshot(user)
    for name, value in fields.items():
        if name not in USER_FIELDS or name == "username":
            raise ValueError(f"不能修改字段{name}")
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    after = _user_snapshot(user)
    if after != before:
        if (before["role"], before["region"], before["can_view_sensitive"]) != (
            after["role"],
            after["region"],
            after["can_view_sensitive"],
        ):
            user.end_sessions()  # new rights apply from the next login, nowhere the old ones
        _record(actor, user, "update", before=before, after=after)
    return user


@transaction.atomic
def set_active(*, actor: Any, user: User, active: bool) -> User:
    """Disable a user (every session ends at once) or enable them again."""
    _require_admin(actor, user.region)
    if not active and user.pk == getattr(actor, "pk", None):
        raise ValidationError("不能停用自己的账号")
    if user.is_active == active:
        return user
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    if not active:
        user.end_sessions()
    _record(
        actor,
        user,
        "update",
        before={"is_active": not active},
        after={"is_active": active},
        note="启用账号" if active else "停用账号",
    )
    return user


@transaction.atomic
def reset_password(*, actor: Any, user: User, password: str) -> User:
    """An administrator sets a new password (the old sessions end); the rules apply."""
    _require_admin(actor, user.region)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    user.end_sessions()
    _record(actor, user, "update", note="管理员重置密码")
    return user


@transaction.atomic
def change_own_password(*, user: User, old: str, new: str) -> User:
    """A user changes their own password (the current one first)."""
    if not user.check_password(old):
        raise ValidationError({"old_password": "原密码不正确"})
    validate_password(new, user)
    user.set_password(new)
    user.save(update_fields=["password"])
    _record(user, user, "update", note="修改本人密码")
    return user


@transaction.atomic
def unlock(*, actor: Any, user: User) -> int:
    """Clear the failed logins counted against this account (from every address)."""
    _require_admin(actor, user.region)
    removed = axes_reset(username=user.username)
    _record(actor, user, "unlock", note=f"解除登录锁定（清除{removed}条失败记录）")
    return removed


# --- API tokens ---------------------------------------------------------------------------------


def _may_manage_tokens(actor: Any, owner: User) -> bool:
    return owner.pk == getattr(actor, "pk", None) or can(actor, Cap.ADMIN, owner.region)


@transaction.atomic
def issue_token(
    *, actor: Any, user: User, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user` (oneself, or by an administrator), valid `days` days or until
    revoked. Returns the row and the plain token, which is shown once."""
    if actor is not None and not _may_manage_tokens(actor, user):
        raise PermissionDenied("只能为自己或本辖区的用户生成接口令牌")
    if days is not None and days < 1:
        raise ValidationError({"days": "有效天数应为正整数"})
    expires = timezone.now() + dt.timedelta(days=days) if days else None
    row, token = ApiToken.issue(user, name, expires_at=expires)
    audit.record(
        actor=actor,
        action="create",
        obj=row,
        region_id=user.region_id,
        after={
            "user": user.pk,
            "name": name,
            "prefix": row.prefix,
            "expires_at": expires.isoformat() if expires else None,
        },
    )
    return row, token


@transaction.atomic
def revoke_token(*, actor: Any, token: ApiToken) -> None:
    """Delete a token: requests bearing it are refused from now on."""
    if not _may_manage_tokens(actor, token.user):
        raise PermissionDenied("只能撤销自己或本辖区用户的接口令牌")
    audit.record(
        actor=actor,
        action="delete",
        obj=token,
        region_id=token.user.region_id,
        before={"user": token.user_id, "name": token.name, "prefix": token.prefix},
        note="撤销接口令牌",
    )
    token.delete()
