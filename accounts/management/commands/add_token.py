"""`fangpin add-token USERNAME`: print an API token for `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from accounts.models import ApiToken, User
from core.cli import UsageError


class Command(BatchCommand):
    help = "为用户生成接口令牌（只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise UsageError(f"用户{opts['username']}不存在或已停用")
        _, token = ApiToken.issue(user, opts["name"])
        self.progress("请妥善保存令牌，它不会再次显示。")
        self.stdout.write(token)
