"""Login, logout and the user list of a county admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import services
from accounts.forms import LoginForm, UserCreateForm
from accounts.models import User
from core.permissions import Cap, require


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"


def user_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.ADMIN, hide=True)
    users = (
        User.objects.visible_to(request.user)
        .select_related("region")
        .order_by("region__path", "username")
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    form = UserCreateForm(viewer=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/user_list.html", {"page": page, "form": form})


def user_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.ADMIN, hide=True)
    form = UserCreateForm(request.POST or None, viewer=request.user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                region=data["region"],
                name=data["name"],
                phone=data["phone"],
                can_view_sensitive=data["can_view_sensitive"],
            )
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            messages.success(request, f"已创建用户 {data['username']}")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})
