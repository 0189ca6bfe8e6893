"""Login (with lockout) and user management forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts import services
from accounts.models import Role, User
from core.forms import StyledForm
from regions.models import Region


class LoginForm(AuthenticationForm):
    """Django's login form plus lockout after repeated failures."""

    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账号已停用。",
        "locked": "连续登录失败次数过多，账号已锁定，请稍后再试。",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and user.is_locked():
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if user is not None:
                services.register_failure(user)
                if user.is_locked():
                    raise forms.ValidationError(
                        self.error_messages["locked"], code="locked"
                    ) from None
            raise
        if self.user_cache is not None:
            services.register_success(self.user_cache)
        return cleaned


class UserCreateForm(StyledForm):
    username = forms.CharField(label="用户名", max_length=150)
    name = forms.CharField(label="姓名", max_length=60, required=False)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ModelChoiceField(label="所属区划", queryset=Region.objects.none())
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    can_view_sensitive = forms.BooleanField(label="可查看完整证件号码和电话", required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput)

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = Region.objects.visible_to(viewer).active()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError("用户名已存在")
        return username
