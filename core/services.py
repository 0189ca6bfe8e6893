"""Code tables as an office edits them (formats.md §6: "every code table is editable data with
these as defaults"): add a value, retire one, restore it, add an alias — from a year on, in this
installation's province.

Only county administrators may (core.permissions, Cap.SETTINGS); every change is audited with
before and after, and bumps the version token in the same transaction, so that every process
reads the edit at its next request or import (core.codes.refresh). The rows kept are only the
differences from the national defaults: a change that brings a year back to what it inherits
deletes its row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit, codes
from core.dates import today
from core.models import CodeEdit, CodeTablesVersion
from core.permissions import Cap, require

SEPARATORS = "、,，;；"
FIRST_YEAR, LAST_YEAR = 2021, 2100


@dataclass(frozen=True)
class TableState:
    """One code table in a year: what the settings page and `fangpin codes list` show."""

    name: str
    title: str
    editable: bool
    defaults: tuple[str, ...]
    added: tuple[str, ...]
    retired: frozenset[str]
    aliases: dict[str, str]  # every alias in effect (defaults and added) → its value
    added_aliases: frozenset[str]

    @property
    def in_effect(self) -> tuple[str, ...]:
        return tuple(v for v in (*self.defaults, *self.added) if v not in self.retired)

    def status(self, value: str) -> str:
        """默认 / 新增 / 已停用, as the page and the command say."""
        if value in self.retired:
            return "已停用"
        return "新增" if value in self.added else "默认"

    def rows(self) -> list[tuple[str, str]]:
        """(value, status) of every value the table has had here, defaults first."""
        return [(v, self.status(v)) for v in (*self.defaults, *self.added)]

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.name,
            "title": self.title,
            "editable": self.editable,
            "values": [{"value": v, "status": s} for v, s in self.rows()],
            "in_effect": list(self.in_effect),
            "aliases": self.aliases,
        }


def current_year() -> int:
    return today().year


def table_state(name: str, year: int | None = None) -> TableState:
    """A table in `year` (this year by default): its defaults and the office's edits."""
    _known_table(name)
    return _states([name], year)[0]


def table_states(year: int | None = None) -> list[TableState]:
    """Every table in `year`, the register's first, then the ledgers' by name (one query)."""
    return _states(list(codes.TABLES), year)


def _states(names: list[str], year: int | None) -> list[TableState]:
    edits = codes.merge(CodeEdit.objects.rows(year or current_year()))
    out = []
    for name in names:
        e = edits.get(name, codes.Edits())
        aliases = {**codes.ALIASES.get(name, {}), **e.aliases}
        out.append(
            TableState(
                name=name,
                title=codes.title(name),
                editable=name not in codes.FIXED,
                defaults=codes.TABLES[name],
                added=e.added,
                retired=e.retired,
                aliases=aliases,
                added_aliases=frozenset(e.aliases),
            )
        )
    return out


def _known_table(name: str) -> None:
    if name not in codes.TABLES:
        raise ValidationError({"table": f"没有代码表“{name}”，可用 fangpin codes list 查看"})


def _editable(actor: Any, name: str) -> str:
    if actor is not None:  # a command acts for the system (as imports do: core.pipeline)
        require(actor, Cap.SETTINGS, message="只有县级管理员可以修改代码表")
    _known_table(name)
    title = codes.title(name)
    if name in codes.FIXED:
        raise ValidationError({"table": f"代码表“{title}”由业务规则或流程使用，不能修改"})
    return title


def _clean_value(name: str, value: str, field: str = "value") -> str:
    v = (value or "").strip()
    if not v:
        raise ValidationError({field: "请填写代码值"})
    limit = codes.LIMITS.get(name, codes.MAX_VALUE)
    if len(v) > limit:
        raise ValidationError({field: f"代码值最多{limit}个字，实为{len(v)}个字"})
    if any(ch in v for ch in SEPARATORS):
        raise ValidationError({field: "代码值不能含有“、”“，”“；”等分隔符"})
    return v


def _clean_alias(alias: str) -> str:
    """An alias is never stored in the register's column, only in CodeEdit's: its length is
    that field's, not the table's LIMITS."""
    a = (alias or "").strip()
    if not a:
        raise ValidationError({"alias": "请填写别名"})
    limit = CodeEdit._meta.get_field("value").max_length or codes.MAX_VALUE
    if len(a) > limit:
        raise ValidationError({"alias": f"别名最多{limit}个字，实为{len(a)}个字"})
    if any(ch in a for ch in SEPARATORS):
        raise ValidationError({"alias": "别名不能含有“、”“，”“；”等分隔符"})
    return a


def _clean_year(year: int | None) -> int:
    year = current_year() if year is None else year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": f"年度应在{FIRST_YEAR}—{LAST_YEAR}之间，实为{year}"})
    return year


def _find(state: TableState, value: str) -> tuple[str | None, str | None]:
    """(the value `value` names, the alias it was) in the table, comparing folded text."""
    folded = codes.fold(value)
    for v in (*state.defaults, *state.added):
        if codes.fold(v) == folded:
            return v, None
    for alias, target in state.aliases.items():
        if codes.fold(alias) == folded:
            return target, alias
    return None, None


@transaction.atomic
def add_value(*, actor: Any, table: str, value: str, year: int | None = None) -> TableState:
    """Add a value to a table from `year` on (this year by default)."""
    title = _editable(actor, table)
    v, year = _clean_value(table, value), _clean_year(year)
    state = table_state(table, year)
    found, alias = _find(state, v)
    if alias is not None:
        raise ValidationError({"value": f"“{v}”已是代码表“{title}”中“{found}”的别名"})
    if found in state.retired:
        raise ValidationError({"value": f"“{found}”已停用，如需继续使用请恢复"})
    if found is not None:
        raise ValidationError({"value": f"“{found}”已在代码表“{title}”中"})
    return _set(actor, table, v, year, in_effect=True)


@transaction.atomic
def retire_value(*, actor: Any, table: str, value: str, year: int | None = None) -> TableState:
    """Retire a value from `year` on: imports refuse it and forms leave it out; stored rows keep
    it and the figures still count it."""
    title = _editable(actor, table)
    v, year = _clean_value(table, value), _clean_year(year)
    state = table_state(table, year)
    found, alias = _find(state, v)
    if found is None or alias is not None:
        where = f"（“{v}”是“{found}”的别名）" if alias is not None else ""
        raise ValidationError({"value": f"代码表“{title}”中没有值“{v}”{where}"})
    if found in state.retired:
        raise ValidationError({"value": f"“{found}”已停用，无需再次停用"})
    if found in codes.protected(table):
        raise ValidationError({"value": f"“{found}”是系统规则使用的值，不能停用"})
    if len(state.in_effect) <= 1:
        raise ValidationError({"value": f"代码表“{title}”至少要保留一个可用的值"})
    return _set(actor, table, found, year, in_effect=False)


@transaction.atomic
def restore_value(*, actor: Any, table: str, value: str, year: int | None = None) -> TableState:
    """Bring a retired value back from `year` on."""
    title = _editable(actor, table)
    v, year = _clean_value(table, value), _clean_year(year)
    state = table_state(table, year)
    found, alias = _find(state, v)
    if found is None or alias is not None:
        raise ValidationError({"value": f"代码表“{title}”中没有值“{v}”"})
    if found not in state.retired:
        raise ValidationError({"value": f"“{found}”未停用，无需恢复"})
    return _set(actor, table, found, year, in_effect=True)


@transaction.atomic
def add_alias(
    *, actor: Any, table: str, alias: str, value: str, year: int | None = None
) -> TableState:
    """Accept `alias` for `value` in imports from `year` on (a spelling a department uses)."""
    title = _editable(actor, table)
    a = _clean_alias(alias)
    v, year = _clean_value(table, value), _clean_year(year)
    state = table_state(table, year)
    target, _ = _find(state, v)
    if target is None or target not in state.in_effect:
        raise ValidationError({"value": f"代码表“{title}”中没有可用的值“{v}”"})
    taken, was_alias = _find(state, a)
    if taken is not None:
        said = f"“{taken}”的别名" if was_alias is not None else "代码表中的值"
        raise ValidationError({"alias": f"“{a}”已是{said}"})
    row = CodeEdit(year=year, table=table, value=a, action=CodeEdit.Action.ALIAS, target=target)
    row.save()
    audit.record(actor=actor, action="create", obj=row, after=audit.snapshot(row))
    return _changed(table, year)


@transaction.atomic
def remove_alias(*, actor: Any, table: str, alias: str) -> TableState:
    """Stop accepting an alias an office added (a national default alias stays)."""
    title = _editable(actor, table)
    a = _clean_alias(alias)
    rows = [
        r
        for r in CodeEdit.objects.here().filter(table=table, action=CodeEdit.Action.ALIAS)
        if codes.fold(r.value) == codes.fold(a)
    ]
    if not rows:
        if any(codes.fold(d) == codes.fold(a) for d in codes.ALIASES.get(table, {})):
            raise ValidationError({"alias": f"“{a}”是全国默认的别名，不能删除"})
        raise ValidationError({"alias": f"代码表“{title}”中没有增加过别名“{a}”"})
    for row in rows:
        audit.record(actor=actor, action="delete", obj=row, before=audit.snapshot(row))
        row.delete()
    return _changed(table, current_year())


def _set(actor: Any, table: str, value: str, year: int, *, in_effect: bool) -> TableState:
    """Make `value` in effect (or not) from `year` on, keeping only a difference as a row."""
    own = CodeEdit.objects.here().filter(table=table, value=value, year=year).first()
    before = audit.snapshot(own) if own is not None else None
    inherited = table_state_before(table, year)
    was = value in inherited.in_effect
    # A value added this year and retired in it stays known (stored rows may hold it): its
    # row becomes a RETIRE, which `codes.merge` reads as added then retired.
    unknown = value not in (*inherited.defaults, *inherited.added)
    if was == in_effect and not (unknown and not in_effect):
        if own is not None:
            audit.record(actor=actor, action="delete", obj=own, before=before)
            own.delete()
    else:
        action = CodeEdit.Action.ADD if in_effect else CodeEdit.Action.RETIRE
        row = own or CodeEdit(year=year, table=table, value=value)
        row.action, row.target = action, ""
        row.full_clean()
        row.save()
        audit.record(
            actor=actor,
            action="update" if before else "create",
            obj=row,
            before=before,
            after=audit.snapshot(row),
        )
    return _changed(table, year)


def table_state_before(table: str, year: int) -> TableState:
    """The table as `year` inherits it: the defaults and the edits of the years before."""
    return _states([table], year - 1)[0]


def _changed(table: str, year: int) -> TableState:
    """After an edit: a new version token (other processes reload), this process at once."""
    CodeTablesVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
    codes.expire()
    return table_state(table, year)
