"""`fangpin add-user USERNAME --region R --role ROLE` (password from FANGPIN_PASSWORD)."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser

from accounts import services
from accounts.cli import BatchCommand
from accounts.models import Role, User
from core.cli import UsageError


class Command(BatchCommand):
    help = "新增用户，密码取自环境变量 FANGPIN_PASSWORD"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--region", required=True, help="区划代码、唯一名称或名称路径")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="")
        parser.add_argument("--can-view-sensitive", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        password = os.environ.get("FANGPIN_PASSWORD", "")
        if not password:
            raise UsageError("请在环境变量 FANGPIN_PASSWORD 中给出密码")
        region = self.region_arg(opts["region"])
        try:
            if User.objects.filter(username=opts["username"]).exists():
                # The input is refused (1), not the usage (2): the command was typed right.
                raise ValidationError(f"用户名{opts['username']}已存在")
            user = services.create_user(
                actor=None,
                username=opts["username"],
                password=password,
                role=opts["role"],
                region=region,
                name=opts["name"],
                can_view_sensitive=opts["can_view_sensitive"],
            )
        except ValidationError as exc:
            self.progress("无法创建用户：" + "；".join(exc.messages))
            self.emit({"status": "rejected", "errors": exc.messages}, rejected=True)
            return
        self.progress(
            f"已创建用户 {user.username}（{user.get_role_display()}，{region.full_name()}）"
        )
        self.emit(
            {
                "status": "created",
                "username": user.username,
                "role": user.role,
                "region": region.full_name(),
            }
        )
