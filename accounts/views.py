"""Login and logout, one's own account (password, API tokens), the county admin's user screens,
and the auditors' page of reads of people's full data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import lockout, services
from accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordSetForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from accounts.models import ApiToken, User
from core.models import AuditRecord
from core.permissions import Cap, require
from core.scoping import get_visible_or_404
from regions.models import Region

PAGE_SIZE = 50


# The demo county's logins (registry.demo.DEMO_USERS makes them), shown on the login page in demo
# mode only: who each one is and what their home page holds.
DEMO_PASSWORD = "demo12345"
DEMO_LOGINS = (
    ("county_admin", "县级管理员", "全县：县级审定、逾期、部门比对，可查看完整证件号码"),
    ("auditor", "审计员", "全县，只读"),
    ("town_staff", "乡镇干部", "第一个乡镇：乡镇审核、逾期、集中排查"),
    ("town_other", "乡镇干部", "第二个乡镇"),
    ("village_staff", "村干部", "第一个村：核实线索、评议公示"),
    ("grid_member", "网格员", "第一个村：到期走访、排查、入户核查"),
)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if settings.FANGPIN_DEMO:
            present = set(
                User.objects.filter(
                    username__in=[u for u, *_ in DEMO_LOGINS], is_active=True
                ).values_list("username", flat=True)
            )
            context["demo_logins"] = [row for row in DEMO_LOGINS if row[0] in present]
            context["demo_password"] = DEMO_PASSWORD
        return context

    def form_invalid(self, form: Any) -> HttpResponse:
        # Only attempts that reached authentication (axes marked the request) are counted.
        if getattr(self.request, "axes_updated", False):
            lockout.record_failure(self.request, lockout.attempted_username(self.request) or "")
        return super().form_invalid(form)


LOCKED_MESSAGE = "登录失败次数过多，已暂停登录{minutes}分钟。请稍后再试，或请县级管理员解除锁定。"


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out login sees (AXES_LOCKOUT_CALLABLE): the login page with the reason.

    The same for every username, known or not.
    """
    from django.conf import settings

    form = LoginForm(request, data=None, initial={"username": lockout.attempted_username(request)})
    message = LOCKED_MESSAGE.format(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return render(request, "accounts/login.html", {"form": form, "locked": message}, status=429)


# --- one's own account --------------------------------------------------------------------------


def me(request: HttpRequest) -> HttpResponse:
    """我的账号: password change and one's API tokens."""
    user: User = request.user  # type: ignore[assignment]
    password_form = PasswordChangeForm(request.POST or None, prefix="pw")
    if request.method == "POST" and password_form.is_valid():
        data = password_form.cleaned_data
        try:
            services.change_own_password(
                user=user, old=data["old_password"], new=data["new_password"]
            )
        except ValidationError as exc:
            _attach(password_form, exc, default="new_password")
        else:
            update_session_auth_hash(request, user)  # stay logged in here, nowhere else
            messages.success(request, "密码已修改")
            return redirect("accounts:me")
    return _me_page(request, password_form=password_form)


def _me_page(request: HttpRequest, **extra: Any) -> HttpResponse:
    context = {
        "password_form": PasswordChangeForm(prefix="pw"),
        "token_form": TokenForm(),
        "tokens": ApiToken.objects.filter(user=request.user.pk).order_by("-created_at"),
        **extra,
    }
    return render(request, "accounts/me.html", context)


@require_POST
def token_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new API token for oneself or (admins) a user of one's region, shown once on the page
    this answers (never carried in a cookie or a URL)."""
    own = pk == request.user.pk
    owner: User = request.user if own else _user(request, pk)  # type: ignore[assignment]
    form = TokenForm(request.POST)
    extra: dict[str, Any] = {"token_form": form}
    if form.is_valid():
        _, extra["new_token"] = services.issue_token(
            actor=request.user,
            user=owner,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        extra["token_form"] = TokenForm()
    return _me_page(request, **extra) if own else _user_page(request, owner, **extra)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_visible_or_404(
        ApiToken.objects.select_related("user"),  # type: ignore[arg-type]
        request.user,
        pk=pk,
    )
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, f"已撤销令牌 {token.prefix}…")
    if token.user_id == request.user.pk:
        return redirect("accounts:me")
    return redirect("accounts:user_edit", token.user_id)


# --- the county admin's user screens ------------------------------------------------------------


def _user(request: HttpRequest, pk: int) -> User:
    require(request.user, Cap.ADMIN, hide=True)
    return get_visible_or_404(User.objects.select_related("region"), request.user, pk=pk)


def _attach(form: Any, exc: ValidationError, default: str | None = None) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else default, errors)
    else:
        form.add_error(default, exc)


def filter_users(qs: QuerySet[User], data: dict[str, Any]) -> QuerySet[User]:
    """The user list's search and filters (cleaned data of UserFilterForm)."""
    q = (data.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q) | Q(last_name__icontains=q) | Q(phone__startswith=q)
        )
    if data.get("role"):
        qs = qs.filter(role=data["role"])
    region = data.get("region")
    if region is not None:
        qs = qs.filter(region__in=Region.objects.below(region).values("pk"))
    status = data.get("status")
    if status == "inactive":
        qs = qs.filter(is_active=False)
    elif status in {"active", "locked"}:
        qs = qs.filter(is_active=True)
        locked = lockout.locked_usernames()
        qs = (
            qs.filter(username__in=locked)
            if status == "locked"
            else qs.exclude(username__in=locked)
        )
    return qs


def user_list(request: HttpRequest) -> HttpResponse:
    """用户: search by name, username or phone; filter by role, region and status."""
    require(request.user, Cap.ADMIN, hide=True)
    form = UserFilterForm(request.GET or None, viewer=request.user)  # type: ignore[arg-type]
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    users = filter_users(
        User.objects.visible_to(request.user).select_related("region"), data
    ).order_by("region__path", "username")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    locked = lockout.locked_usernames([u.username for u in page.object_list])
    for u in page.object_list:
        u.locked = u.username in locked
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "form": form, "query": query.urlencode()},
    )


def user_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.ADMIN, hide=True)
    form = UserCreateForm(request.POST or None, viewer=request.user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = form.service_fields()
        try:
            user = services.create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=fields["role"],
                region=fields["region"],
                name=fields["last_name"],
                phone=fields["phone"],
                unit=fields["unit"],
                can_view_sensitive=fields["can_view_sensitive"],
            )
        except ValidationError as exc:
            _attach(form, exc, default="password")
        else:
            messages.success(request, f"已创建用户 {user.username}")
            return redirect("accounts:user_edit", user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "title": "新增用户"})


def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One user: their fields, and the actions (disable, reset password, unlock, tokens)."""
    user = _user(request, pk)
    form = UserEditForm(
        request.POST or None,
        viewer=request.user,  # type: ignore[arg-type]
        current=user.region,
        initial=UserEditForm.initial_for(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=request.user, user=user, **form.service_fields())
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, f"已保存用户 {user.username}")
            return redirect("accounts:user_edit", user.pk)
    return _user_page(request, user, form=form)


def _user_page(request: HttpRequest, user: User, **extra: Any) -> HttpResponse:
    context = {
        "subject": user,
        "form": UserEditForm(
            viewer=request.user,  # type: ignore[arg-type]
            current=user.region,
            initial=UserEditForm.initial_for(user),
        ),
        "password_form": PasswordSetForm(prefix="pw"),
        "token_form": TokenForm(),
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at"),
        "locked": user.username in lockout.locked_usernames([user.username]),
        "is_self": user.pk == request.user.pk,
        **extra,
    }
    return render(request, "accounts/user_edit.html", context)


@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(actor=request.user, user=user, active=active)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已{'启用' if active else '停用'}用户 {user.username}")
    return redirect("accounts:user_edit", user.pk)


@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request, pk)
    form = PasswordSetForm(request.POST, prefix="pw")
    if form.is_valid():
        try:
            services.reset_password(
                actor=request.user, user=user, password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            messages.error(request, "新密码不符合要求：" + "；".join(exc.messages))
        else:
            messages.success(
                request, f"已重置 {user.username} 的密码，请告知本人并提醒其登录后修改"
            )
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("accounts:user_edit", user.pk)


@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request, pk)
    services.unlock(actor=request.user, user=user)
    messages.success(request, f"已解除 {user.username} 的登录锁定")
    return redirect("accounts:user_edit", user.pk)


# --- who saw whose full data --------------------------------------------------------------------


def read_audit(request: HttpRequest) -> HttpResponse:
    """查阅记录: full ID numbers and phones shown, exports and full-ID searches, newest first.

    Auditors and county admins, each over their own region; filter by user, dates and region.
    """
    from accounts.forms import ReadAuditFilterForm

    require(request.user, Cap.AUDIT_READS)
    form = ReadAuditFilterForm(request.GET or None, viewer=request.user)  # type: ignore[arg-type]
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    records = AuditRecord.objects.visible_to(request.user).filter(action__in=AuditRecord.READS)
    if data.get("actor"):
        records = records.filter(actor=data["actor"])
    if data.get("action"):
        records = records.filter(action=data["action"])
    if data.get("start"):
        records = records.filter(at__gte=_day_start(data["start"]))
    if data.get("end"):
        records = records.filter(at__lt=_day_start(data["end"] + dt.timedelta(days=1)))
    if data.get("region") is not None:
        records = records.filter(region__in=Region.objects.below(data["region"]).values("pk"))
    page = Paginator(
        records.select_related("actor", "region").order_by("-at", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/read_audit.html",
        {"page": page, "form": form, "query": query.urlencode()},
    )


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of a local (Asia/Shanghai) day, as an aware datetime."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
