"""The ledger kit: a ledger is a model plus one declared layout; everything else follows.

An app declares its ledgers in `<app>/layouts.py`:

    YULU = Layout(kind="yulu", name="雨露计划", level="person", columns=(…), amount=("amount",),
                  period=Period("year"))
    register(Ledger(YULU, YuluRow))

and gets, from this app: the import (core.pipeline: `fangpin ledger import`, the web upload with
preview), the export that re-imports as a no-op, the web list with filters, search, sorting,
paging, count and totals, the form, the print view, the API, the figures of formats.md §7 and
their Excel 台账, all scoped like the register and masked like it.

Link columns: a person ledger's 证件号码 and 姓名 (keys `id_number`, `name`) name a member of the
register; a household ledger's 户编号 and 户主姓名 (`number`, `head_name`) a household; a region
ledger's 乡镇 and 行政村 (`town`, `village`) a region. The model stores the link (person,
household, region); every other column is a model field of the same key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Any

from django.db.models import QuerySet

from core import codes, pipeline
from core.codes import fold
from core.layout import Code, Column, HouseholdNumber, IdNumber, Layout, RegionName, Text
from core.xlsx import StreamWorkbook
from ledgers.models import LedgerRow

LINKS = {
    "person": ("id_number", "name"),
    "household": ("number", "head_name"),
    "region": ("town", "village"),
}
# The model field a key column of the link stands for.
LINK_FIELD = {
    "id_number": "person_id",
    "number": "household_id",
    "town": "region_id",
    "village": "region_id",
}


@dataclass
class Ledger:
    """A ledger: its layout, its model, and the row rules the layout cannot say."""

    layout: Layout
    model: type[LedgerRow]
    #: Cross-column rules of one row: values by key → {key: Chinese message}. Run on every row
    #: of a file: a cell that could not be read is missing from the values, as is a column the
    #: file lacks, so a rule reads its cells with `values.get` and tests a blank only where the
    #: column is `in values` — then a rule that needs a bad cell says nothing and the others
    #: still speak (formats.md §6: every error).
    clean: Callable[[dict[str, Any]], dict[str, str]] | None = None
    #: Cross-column notes of one imported row, read as `clean`'s: {key: Chinese message}, each
    #: a warning at the row and column. For what is kept but should be looked at (an outside
    #: ledger's 已销号 measure without its 销号日期).
    notes: Callable[[dict[str, Any]], dict[str, str]] | None = None
    #: Text columns the list's search box looks in (besides the link columns).
    search: tuple[str, ...] = ()
    #: What a user reads about the ledger on its page (what it is for, the policy behind it).
    help: str = ""
    #: Figures of its own beyond formats.md §7's (e.g. employment's by_month): called with the
    #: ledger, its rows of the region and year, the region and the year; merged into the figures.
    more_figures: Callable[..., dict[str, Any]] | None = None
    #: A region ledger whose key columns are unique in the county (问题编号) says False: the row's
    #: region is then not part of its key, and a key used outside the user's region is an error.
    scoped_key: bool = True
    #: Called in the same transaction after rows were imported, saved or deleted by the kit:
    #: `after_write(actor=…, values=[{key: value, "region_id": …}…], how="import" | "save" |
    #: "delete")` (what the ledger keeps beside its rows follows them, e.g. the problems of the
    #: measures); `values` is an iterable, to be read once.
    after_write: Callable[..., None] | None = None
    #: `links`: [(label, url name)] shown on the list page; `row_link`: (label, url name,
    #: attribute) shown on a row's page (the url takes the row's attribute).
    extra: dict[str, Any] = field(default_factory=dict)
    #: A region ledger without 乡镇/行政村 whose rows take their region from another table (a
    #: payment from its project): `link(importer, rows)` sets each row's `links` ({"region_id":
    #: …}, and any other field of the model to set on creation) or reports the row with
    #: `importer.report.error(row, key, value, message)`; `importer.allowed` is the path of the
    #: user's region. The import and the form both resolve rows through it.
    link: Callable[[Any, list[Any]], None] | None = None
    #: Text columns the list also filters by, by exact value (批次), beside the "by" columns.
    filters: tuple[str, ...] = ()
    #: The region level (regions.models.Region.Level) whose users keep the ledger: below it a
    #: user may read it but not add, change, delete or import rows (the 村干部名单: the town).
    kept_by: int | None = None

    def refusal(self, user: Any) -> str:
        """Why `user` may not change this ledger's rows ("" when the level allows it; a command
        acts for the county)."""
        region = getattr(user, "region", None)
        if self.kept_by is None or region is None or region.level <= self.kept_by:
            return ""
        from regions.models import Region

        return f"{self.name}由{Region.Level(self.kept_by).label}维护，您只能查看"

    @property
    def kind(self) -> str:
        return self.layout.kind

    @property
    def name(self) -> str:
        return self.layout.name

    @property
    def level(self) -> str:
        return self.layout.level

    @cached_property
    def links(self) -> tuple[str, ...]:
        return LINKS[self.level]

    @cached_property
    def fields(self) -> list[Column]:
        """The columns stored as model fields of the same name."""
        return [c for c in self.layout.columns if c.key not in self.links]

    @cached_property
    def key_fields(self) -> list[str]:
        """The model fields (attnames) of the key: exactly the declared key columns (✓ in
        formats.md §6), a link column standing for its link (乡镇 and 行政村 are the region)."""
        out: list[str] = []
        for c in self.layout.unique:
            name = LINK_FIELD.get(c.key, c.key)
            if name not in out:
                out.append(name)
        return out

    def values(self, row: LedgerRow) -> dict[str, Any]:
        """{key: value} of one row for every column, the link columns from what it links to."""
        out = {c.key: getattr(row, c.key) for c in self.fields}
        if self.level == "person":
            person = row.person
            out["id_number"] = person.id_number if person else ""
            out["name"] = person.name if person else ""
        elif self.level == "household":
            household = row.household
            out["number"] = household.number if household else ""
            out["head_name"] = household.head_name if household else ""
        else:
            out |= region_names(row.region)
        return out

    def export_values(self, qs: QuerySet) -> Iterator[dict[str, Any]]:
        """`values(row)` of each row of `qs` in entry order, read as plain values: an export of
        a county's 1.4 million 务工 rows builds no model objects (six per row through
        select_related: 86 s → 10 s)."""
        keys = [c.key for c in self.fields]
        concrete = {f.name for f in self.model._meta.concrete_fields}
        if not set(keys) <= concrete:  # a column that is not a plain field: read the rows
            for row in qs.select_related(*self.related()).order_by("pk").iterator(2000):
                yield self.values(row)
            return
        links = {
            "person": {"id_number": "person__id_number", "name": "person__name"},
            "household": {"number": "household__number", "head_name": "household__head_name"},
            "region": {},
        }[self.level]
        places = ("region__level", "region__name", "region__parent__name")
        names = [*keys, *links.values(), *(places if self.level == "region" else ())]
        width = len(keys)
        for values in qs.order_by("pk").values_list(*names).iterator(chunk_size=2000):
            out = dict(zip(keys, values, strict=False))
            for i, key in enumerate(links, width):
                out[key] = values[i] or ""
            if self.level == "region":
                out |= _place_names(*values[width:])
            yield out

    def related(self) -> tuple[str, ...]:
        """select_related() for a list of its rows."""
        if self.level == "person":
            return ("person__household__region", "household", "region")
        if self.level == "household":
            return ("household__region", "region")
        return ("region", "region__parent")


def region_names(region: Any) -> dict[str, str]:
    """乡镇 and 行政村 of a region row's region: a village, a town (行政村 blank) or the county."""
    if region is None:
        return {"town": "", "village": ""}
    return _place_names(region.level, region.name, region.parent.name if region.level == 3 else "")


def _place_names(level: int | None, name: str | None, parent: str | None) -> dict[str, str]:
    if level == 3:
        return {"town": parent or "", "village": name or ""}
    if level == 2:
        return {"town": name or "", "village": ""}
    return {"town": "", "village": ""}


def person_columns() -> tuple[Column, ...]:
    """证件号码 and 姓名: the link columns of a person ledger."""
    return (
        Column(
            "id_number",
            "证件号码",
            IdNumber(),
            required=True,
            unique=True,
            sensitive=True,
            level="person",
        ),
        Column("name", "姓名", Text(60), required=True, level="person"),
    )


def household_columns() -> tuple[Column, ...]:
    """户编号 and 户主姓名: the link columns of a household ledger."""
    return (
        Column(
            "number", "户编号", HouseholdNumber(), required=True, unique=True, level="household"
        ),
        Column("head_name", "户主姓名", Text(60), required=True, level="household"),
    )


def region_columns(*, unique: bool = True, required: bool = True) -> tuple[Column, ...]:
    """乡镇 and 行政村: the link columns of a region ledger, with the register's header aliases
    (formats.md §1: 乡(镇), 乡镇(街道); 村). Their cells may be blank: a blank 行政村 means the
    乡镇, a blank 乡镇 too the county (formats.md §6); so may the headers be when not `required`
    (a file without them is about the county)."""
    return tuple(
        Column(
            key,
            header,
            RegionName(level),
            aliases,
            required=required,
            blank=True,
            unique=unique,
            level="region",
        )
        for key, header, level, aliases in (
            ("town", "乡镇", 2, ("乡(镇)", "乡镇(街道)")),
            ("village", "行政村", 3, ("村",)),
        )
    )


def foreign_template(
    layout: Layout, headers: list[str], unknown: list[str]
) -> tuple[Layout, list[str]] | None:
    """Another ledger whose file this is, and the headers that say so: `headers` hold every
    required column of that ledger, and among the columns `layout` does not know (`unknown`) one
    of its own key columns (not a link: 证件号码 or 户编号 may be a file's context). 教育资助's file
    has all of 雨露计划's required columns and 资助项目 besides, and would import as 雨露计划
    rows without their amounts (formats.md §6: a file from another template is refused). A file
    of `layout`'s own template never is: another's key columns are then its own."""
    if not unknown:
        return None
    strange = {fold(h) for h in unknown}
    for ledger in _LEDGERS.values():
        other = ledger.layout
        if other.kind == layout.kind:
            continue
        mapped = other.map_headers(headers)
        if mapped.missing or mapped.twice:
            continue
        given = [
            c.header
            for c in other.unique
            if c.level == "row"
            and c.key in mapped.written
            and fold(mapped.written[c.key]) in strange
        ]
        if given:
            return other, given
    return None


def describe() -> list[dict[str, Any]]:
    """Every ledger as `fangpin ledger kinds` and the API list them (formats.md §7)."""
    return [
        {
            "kind": kind,
            "name": ledger.name,
            "level": ledger.level,
            "key": [c.header for c in ledger.layout.unique],
            "headers": ledger.layout.headers,
        }
        for kind, ledger in _LEDGERS.items()
    ]


_LEDGERS: dict[str, Ledger] = {}


def _agrees(ledger: Ledger) -> list[str]:
    """Where the ledger's model disagrees with its layout (each would fail at a write)."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db import models

    from core.layout import Money, Number

    problems = []
    attnames = {f.attname for f in ledger.model._meta.concrete_fields}
    for key in ledger.links:
        if key in attnames:  # the import writes a row's values and links by name
            problems.append(f"{key}是链接列，模型中不应有同名字段")
    for column in ledger.fields:
        try:
            field = ledger.model._meta.get_field(column.key)
        except FieldDoesNotExist:
            problems.append(f"{column.header}（{column.key}）没有对应的模型字段")
            continue
        kind = column.kind
        if isinstance(kind, Text) and getattr(field, "max_length", 10**6) < kind.max_length:
            problems.append(f"{column.key}：模型长度小于版式的{kind.max_length}")
        if isinstance(kind, Money | Number) and isinstance(field, models.DecimalField):
            places = 2 if isinstance(kind, Money) else kind.places
            if field.decimal_places != places or (field.max_digits or 0) < 12:
                problems.append(f"{column.key}：金额或数量字段应为 DECIMAL(≥12, {places})")
        text_like = isinstance(field, models.CharField | models.TextField)
        if not text_like and not getattr(field, "null", True) and not column.needs_value:
            problems.append(f"{column.key}：可以不填的非文本字段须 null=True")
    for key in (*ledger.search, *ledger.filters):
        # A search or a filter by a full number tells whoever sees it masked that a guess is
        # right (the list's sort asks core.permissions.Cap.REVEAL for the same reason).
        if ledger.layout.has(key) and ledger.layout.column(key).sensitive:
            header = ledger.layout.column(key).header
            problems.append(f"{header}是打码列，不能用于查询或筛选")
    return problems


def _declare_codes(ledger: Ledger) -> None:
    """Tell core.codes what the model allows of each code column: its length, and whether it
    takes only the model's choices (then an office may not edit the table)."""
    for column in ledger.fields:
        if isinstance(column.kind, Code):
            field = ledger.model._meta.get_field(column.key)
            codes.declare(
                column.kind.table,
                max_length=getattr(field, "max_length", None),
                fixed=bool(getattr(field, "choices", None)),
            )


def register(ledger: Ledger) -> Ledger:
    """Make a ledger known to the kit and its kind importable (core.pipeline); its model must
    agree with its layout (checked here, so a mismatch fails at start-up, not at a write)."""
    from django.core.exceptions import ImproperlyConfigured

    from ledgers.importer import LayoutImporter

    problems = _agrees(ledger)
    if problems:
        raise ImproperlyConfigured(f"台账{ledger.kind}的模型与版式不一致：" + "；".join(problems))

    _LEDGERS[ledger.kind] = ledger
    _declare_codes(ledger)

    def factory(*, actor: Any, today: Any) -> LayoutImporter:
        return LayoutImporter(ledger, actor=actor, today=today)

    def template(out: IO[bytes]) -> None:
        book = StreamWorkbook(out, sheet=ledger.name[:31])
        book.write_row(ledger.layout.headers, header=True)
        book.print_setup(header_row=0)
        book.close()

    pipeline.register(ledger.kind, ledger.name, factory, template=template, refuse=ledger.refusal)
    return ledger


_FIGURES: dict[str, Callable[[Any, int], dict[str, Any]]] = {}


def add_figures(name: str, fn: Callable[[Any, int], dict[str, Any]]) -> None:
    """Figures beside the ledgers' in `fangpin ledger stats` (formats.md §7), under `name`:
    `fn(region, year)` (e.g. benefits' 医保 and 民政 figures of the department batches)."""
    _FIGURES[name] = fn


def more_figures() -> dict[str, Callable[[Any, int], dict[str, Any]]]:
    return dict(_FIGURES)


def discover() -> None:
    """Import every app's `layouts` module (which registers its ledgers)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("layouts")


def ledgers() -> dict[str, Ledger]:
    """Every registered ledger, by kind, in registration order."""
    return dict(_LEDGERS)


def ledger(kind: str) -> Ledger:
    """The ledger of `kind`; KeyError with a Chinese message for an unknown one."""
    try:
        return _LEDGERS[kind]
    except KeyError as exc:
        raise KeyError(f"没有这种台账：{kind}") from exc
