"""Login, user administration, password and API token forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q

from accounts.lockout import attempted_username
from accounts.models import Role, User
from accounts.services import ROLE_LEVELS
from core.forms import StyledForm
from core.locks import hold
from regions.models import Region


class LoginForm(AuthenticationForm):
    """Django's login form; django-axes refuses locked-out attempts before the password check.

    A wrong password, an unknown username and a disabled account get the same answer.
    """

    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "用户名或密码错误。",
    }

    def clean(self) -> dict[str, Any]:
        # Attempts at one username take turns: each sees the failures counted before it, so a
        # burst of parallel guesses gets exactly the allowed number of password checks.
        username = attempted_username(self.request, {"username": self.data.get("username")})  # type: ignore[arg-type]
        with hold(f"accounts.login:{username}"):
            try:
                return super().clean() or {}
            except forms.ValidationError as exc:
                refused = exc  # raised after the block: the counted failure must be committed
        raise refused


class RegionChoiceField(forms.ModelChoiceField):
    """A region picker labelled with name paths (大冶市/金山店镇/朝阳村), built from one query."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names: dict[int, str] = {}

    def label_from_instance(self, obj: Any) -> str:
        path = [int(x) for x in obj.path.strip("/").split("/") if x]
        return "/".join(self.names.get(pk, "") for pk in path) or obj.name


def _region_field(viewer: User, current: Region | None = None) -> RegionChoiceField:
    """The regions a role can be bound to (county to village, and the user's own if deeper)."""
    visible = Region.objects.visible_to(viewer)
    bindable = Q(retired=False, level__lte=Region.Level.VILLAGE)
    if current is not None:
        bindable |= Q(pk=current.pk)
    field = RegionChoiceField(
        label="所属区划",
        queryset=visible.filter(bindable).order_by("path"),
        help_text="县级管理员归属县，乡镇干部归属乡镇，村干部归属村，网格员归属村或村民小组",
    )
    field.widget.attrs["class"] = "form-select form-select-sm"
    field.names = dict(visible.values_list("pk", "name"))
    return field


class UserFields(StyledForm):
    """What an administrator sets on a user (role and region from pickers, never typed)."""

    name = forms.CharField(label="姓名", max_length=60, required=False)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    unit = forms.CharField(label="单位", max_length=100, required=False)
    can_view_sensitive = forms.BooleanField(
        label="可查看完整证件号码和电话",
        required=False,
        help_text="查看、导出和按证件号码查询都会记入查阅记录",
    )

    def __init__(self, *args: Any, viewer: User, current: Region | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["region"] = _region_field(viewer, current)
        self.order_fields(["username", "name", "role", "region"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, region = data.get("role"), data.get("region")
        if role and region is not None and region.level not in ROLE_LEVELS[role]:
            levels = "或".join(str(Region.Level(v).label) for v in sorted(ROLE_LEVELS[role]))
            self.add_error("region", f"{Role(role).label}应归属{levels}一级")
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {
            "last_name": data["name"],
            "role": data["role"],
            "region": data["region"],
            "phone": data["phone"],
            "unit": data["unit"],
            "can_view_sensitive": data["can_view_sensitive"],
        }


class UserCreateForm(UserFields):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError("用户名已存在")
        return username


class UserEditForm(UserFields):
    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        return {
            "name": user.last_name,
            "role": user.role,
            "region": user.region_id,
            "phone": user.phone,
            "unit": user.unit,
            "can_view_sensitive": user.can_view_sensitive,
        }


class UserFilterForm(StyledForm):
    """The user list's search and filters."""

    STATUSES = {"active": "正常", "locked": "已锁定", "inactive": "已停用"}

    q = forms.CharField(label="搜索", required=False, max_length=60)
    role = forms.ChoiceField(
        label="角色", required=False, choices=[("", "全部角色"), *Role.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *STATUSES.items()]
    )

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _region_field(viewer)
        field.required = False
        field.empty_label = "全部区划"
        field.help_text = ""
        self.fields["region"] = field
        self.order_fields(["q", "role", "region", "status"])
        self.fields["q"].widget.attrs["placeholder"] = "用户名、姓名或电话"


class PasswordSetForm(StyledForm):
    """A new password typed twice (the password rules are checked by the service)."""

    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    confirm = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("confirm"):
            self.add_error("confirm", "两次输入的新密码不一致")
        return data


class PasswordChangeForm(PasswordSetForm):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    field_order = ["old_password", "new_password", "confirm"]


class TokenForm(StyledForm):
    name = forms.CharField(label="用途", max_length=60, required=False)
    days = forms.IntegerField(
        label="有效天数",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="留空则长期有效；不再使用时请撤销",
    )


class ReadAuditFilterForm(StyledForm):
    """查阅记录 filters: who, what kind of read, which days, which region."""

    actor = forms.ModelChoiceField(label="查阅人", required=False, queryset=User.objects.none())
    action = forms.ChoiceField(
        label="类型",
        required=False,
        choices=[
            ("", "全部类型"),
            ("view_sensitive", "查看完整信息"),
            ("export", "导出"),
            ("search", "按证件号码查询"),
        ],
    )
    start = forms.DateField(label="起始日期", required=False)
    end = forms.DateField(label="截止日期", required=False)

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = self.fields["actor"]
        assert isinstance(actor, forms.ModelChoiceField)
        actor.queryset = User.objects.visible_to(viewer).order_by("username")
        actor.empty_label = "全部用户"
        field = _region_field(viewer)
        field.required = False
        field.empty_label = "全部区划"
        field.help_text = ""
        self.fields["region"] = field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
                self.add_error(name, "日期应在2000年到2100年之间")
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "截止日期不能早于起始日期")
        return data
