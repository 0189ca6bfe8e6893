"""Users bound to a region with one role, and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级管理员")
    TOWN_STAFF = "town_staff", _("乡镇干部")
    VILLAGE_STAFF = "village_staff", _("村干部")
    GRID_MEMBER = "grid_member", _("网格员")
    AUDITOR = "auditor", _("审计员（只读）")


class UserQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> UserQuerySet:
        """Users of the viewer's region and below (for pickers and the user list)."""
        from core.scoping import region_q

        return self.filter(region_q(user, "region"))


class FangpinUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A staff member. What they see is their region and below; what they may do, their role."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.AUDITOR)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    unit = models.CharField(_("单位"), max_length=100, blank=True)
    can_view_sensitive = models.BooleanField(
        _("可查看完整证件号码和电话"),
        default=False,
        help_text=_("查看时会记录在变更记录中"),
    )
    # Sessions live in signed cookies (no database write per request); raising this number
    # (logout, disabling, a password reset) makes every cookie issued before it worthless.
    session_version = models.PositiveIntegerField(_("会话版本"), default=0, editable=False)

    objects = FangpinUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        return f"{self.last_name}{self.first_name}".strip()

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def can_edit_registry(self) -> bool:
        return self.role in {Role.COUNTY_ADMIN, Role.TOWN_STAFF, Role.VILLAGE_STAFF}

    @property
    def is_county_admin(self) -> bool:
        return self.role == Role.COUNTY_ADMIN

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's check that a session still belongs to this user, plus the session version.

        Django drops a session whose stored hash no longer matches (it already does so when the
        password changes); adding the version lets logout and disabling end cookie sessions too.
        (Overriding the private method keeps Django's SECRET_KEY_FALLBACKS handling.)
        """
        return salted_hmac(
            "fangpin.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def end_sessions(self) -> None:
        """Invalidate every session of this user (every browser, every device)."""
        type(self).objects.filter(pk=self.pk).update(session_version=F("session_version") + 1)
        self.refresh_from_db(fields=["session_version"])


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ApiTokenQuerySet:
        """Users see their own tokens; administrators those of every user of their region."""
        from core.permissions import Cap, can
        from core.scoping import region_q

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if can(user, Cap.ADMIN):
            return self.filter(region_q(user, "user__region"))
        return self.filter(user=user)

    def usable(self) -> ApiTokenQuerySet:
        """Tokens not yet expired."""
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=60, blank=True)
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(
        _("有效期至"), null=True, blank=True, help_text=_("留空则长期有效（可随时撤销）")
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(
        cls, user: User, name: str = "", expires_at: dt.datetime | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token; returns the row and the plain token (shown once)."""
        token = "fp_" + secrets.token_urlsafe(32)
        row = cls.objects.create(
            user=user, name=name, prefix=token[:8], digest=cls.hash(token), expires_at=expires_at
        )
        return row, token

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @classmethod
    def authenticate(cls, token: str) -> User | None:
        """The active user behind an unexpired token, or None."""
        row = (
            cls.objects.usable()
            .select_related("user", "user__region")
            .filter(digest=cls.hash(token))
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        # At most one write per token every few minutes, not one per request.
        if row.last_used_at is None or now - row.last_used_at > USE_STAMP_INTERVAL:
            cls.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user


USE_STAMP_INTERVAL = dt.timedelta(minutes=5)
