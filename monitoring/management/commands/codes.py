"""`fangpin codes list [TABLE] | add TABLE VALUE | retire TABLE VALUE | restore TABLE VALUE |
alias TABLE ALIAS VALUE | unalias TABLE ALIAS` (formats.md §3, §6): the code tables as edited here.

The JSON line: `list` gives `tables` (each `table`, `title`, `editable`, `values` with their
`status` 默认/新增/已停用, `in_effect`, `aliases`); a change gives `status: "saved"` and the
`table` after it. A refused change exits 1 with `status: "rejected"` and the Chinese `message`;
an unknown table or a wrong option exits 2.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core import codes, services
from core.cli import UsageError


class Command(BatchCommand):
    help = "代码表：查看（list）、增加（add）、停用（retire）、恢复（restore）、别名（alias）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出代码表及其取值")
        listing.add_argument("table", nargs="?", default="")
        listing.add_argument("--year", type=int, help="年度（默认今年）")
        for name, text in (("add", "增加"), ("retire", "停用"), ("restore", "恢复")):
            change = sub.add_parser(name, help=f"{text}一个代码值")
            change.add_argument("table")
            change.add_argument("value")
            change.add_argument("--year", type=int, help="自该年度起（默认今年）")
        alias = sub.add_parser("alias", help="增加别名")
        alias.add_argument("table")
        alias.add_argument("alias")
        alias.add_argument("value")
        alias.add_argument("--year", type=int, help="自该年度起（默认今年）")
        unalias = sub.add_parser("unalias", help="删除增加过的别名")
        unalias.add_argument("table")
        unalias.add_argument("alias")

    def handle(self, *args: Any, **opts: Any) -> None:
        table = opts.get("table") or ""
        if table and table not in codes.TABLES:
            raise UsageError(f"没有代码表“{table}”，可用 fangpin codes list 查看")
        if opts["action"] == "list":
            self.do_list(table, opts["year"])
            return
        actor = self.system_user()
        try:
            state = self.change(opts, actor)
        except (ValidationError, PermissionDenied) as exc:
            message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.progress(message)
            self.emit({"status": "rejected", "message": message}, rejected=True)
            return
        self.progress(f"已保存：{state.title}")
        self.emit({"status": "saved", "table": state.as_json()})

    def change(self, opts: dict[str, Any], actor: Any) -> services.TableState:
        action, table = opts["action"], opts["table"]
        if action == "add":
            return services.add_value(
                actor=actor, table=table, value=opts["value"], year=opts["year"]
            )
        if action == "retire":
            return services.retire_value(
                actor=actor, table=table, value=opts["value"], year=opts["year"]
            )
        if action == "restore":
            return services.restore_value(
                actor=actor, table=table, value=opts["value"], year=opts["year"]
            )
        if action == "alias":
            alias, value = opts["alias"], opts["value"]
            return services.add_alias(
                actor=actor, table=table, alias=alias, value=value, year=opts["year"]
            )
        return services.remove_alias(actor=actor, table=table, alias=opts["alias"])

    def do_list(self, table: str, year: int | None) -> None:
        states = [services.table_state(table, year)] if table else services.table_states(year)
        tables = [s.as_json() for s in states]
        self.emit({"year": year or services.current_year(), "tables": tables})
