"""Login lockout on django-axes, and the audit of every login event.

django-axes counts failed logins atomically (one row per username, address and browser, raised
with `F() + 1` under a row lock) and refuses a locked-out login before its password is checked.
fangpin decides what a failure counts against (`lockout_parameters`):

* from an address with failures in the cool-off window: the account AND the address — an account
  with FANGPIN_LOGIN_FAILURES failures is locked wherever the attempts came from, and so is an
  address that tried that many times, whatever usernames it tried;
* from an address with none: the address only — so a locked-out account (a county admin's
  included) can still log in from a clean computer, while one more wrong password there makes
  that address count too. An attacker who locks someone's account therefore cannot keep them
  out, and gets one guess per fresh address.

Unknown usernames are counted and answered exactly like known ones (the rule never asks whether
the account exists). Refused attempts during a lockout write nothing to axes' table, so an
anonymous flood costs two small reads per request; each attempt is still one audit row.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from core import audit
from core.middleware import client_ip

# The longest username the login form accepts; longer input is cut before it is counted.
USERNAME_MAX = 150


def attempted_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a login attempt named (axes' AXES_USERNAME_CALLABLE), trimmed to size."""
    if credentials and credentials.get("username") is not None:
        raw = credentials["username"]
    else:
        raw = getattr(request, "POST", {}).get("username")
    return None if raw is None else str(raw).strip()[:USERNAME_MAX]


def _address(request: Any) -> str | None:
    if hasattr(request, "axes_ip_address"):
        return request.axes_ip_address
    if isinstance(request, HttpRequest):
        return client_ip(request)
    return getattr(request, "ip_address", None)  # an AccessAttempt


def lockout_parameters(request: Any, credentials: dict | None = None) -> list[Any]:
    """What failures count against (AXES_LOCKOUT_PARAMETERS): see the module docstring."""
    address = _address(request)
    if address and not _has_failures(request, address):
        return ["ip_address"]
    return ["username", "ip_address"]


def _has_failures(request: Any, address: str) -> bool:
    threshold = (
        get_cool_off_threshold(request)
        if isinstance(request, HttpRequest) and hasattr(request, "axes_attempt_time")
        else timezone.now() - settings.AXES_COOLOFF_TIME
    )
    return AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=threshold).exists()


def locked_usernames(usernames: list[str] | None = None) -> set[str]:
    """Which accounts (of these, or of all) have reached the failure limit in the cool-off window.

    Unknown usernames count like known ones, so the set may name accounts that do not exist.
    """
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=threshold)
    if usernames is not None:
        attempts = attempts.filter(username__in=usernames)
    counts: dict[str, int] = {}
    for name, failures in attempts.values_list("username", "failures_since_start"):
        counts[name] = counts.get(name, 0) + failures
    return {name for name, n in counts.items() if n >= settings.AXES_FAILURE_LIMIT}


def record_failure(request: HttpRequest, username: str) -> None:
    """Audit one refused login: a wrong password (or unknown user), or a refusal while locked.

    Called by the login view after authentication, when axes has marked the request.
    """
    user = User.objects.filter(username=username).only("pk", "region_id").first()
    checked = getattr(request, "axes_failures_since_start", None)
    locked = bool(getattr(request, "axes_locked_out", False))
    common: dict[str, Any] = {
        "object_type": "accounts.user",
        "object_id": str(user.pk) if user else "",
        "object_repr": username[:200],
        "region_id": user.region_id if user else None,
    }
    if checked is None and locked:
        note = "账号或地址已锁定，未核对密码"
    else:
        note = f"用户名或密码错误（锁定计数{checked or 0}/{settings.AXES_FAILURE_LIMIT}）"
    audit.record(actor=user, action="login_failed", note=note, **common)
    if checked is not None and locked:
        audit.record(
            actor=user,
            action="lockout",
            note=f"连续{checked}次登录失败，锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟",
            **common,
        )


def _logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit.record(actor=user, action="login", obj=user, region_id=user.region_id, note="登录成功")


def _logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is None or not user.pk:
        return
    # A signed-cookie session cannot be deleted on the server: a new session version makes
    # every copy of the old cookie worthless.
    user.end_sessions()
    audit.record(actor=user, action="logout", obj=user, region_id=user.region_id, note="退出登录")


def connect() -> None:
    """Listen to Django's login signals (called from AccountsConfig.ready)."""
    user_logged_in.connect(_logged_in, dispatch_uid="fangpin-audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="fangpin-audit-logout")
