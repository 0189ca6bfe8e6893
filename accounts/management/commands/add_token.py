"""`fangpin add-token USERNAME [--name N] [--days D]`: an API token for
`Authorization: Bearer <token>`, printed once (JSON `{"token": …}` as the last line)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser

from accounts import services
from accounts.cli import BatchCommand
from accounts.models import User
from core.cli import UsageError


class Command(BatchCommand):
    help = "为用户生成接口令牌（只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认长期有效）")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise UsageError(f"用户{opts['username']}不存在或已停用")
        try:
            row, token = services.issue_token(
                actor=None, user=user, name=opts["name"], days=opts["days"]
            )
        except ValidationError as exc:
            raise UsageError("；".join(exc.messages)) from exc
        self.progress("请妥善保存令牌，它不会再次显示。")
        self.emit({"token": token, "expires_at": row.expires_at})
