"""A ledger's form and its list filters, both built from its layout."""

from __future__ import annotations

from typing import Any

from django import forms

from core.dates import today
from core.forms import StyledForm, style
from core.masking import mask_numbers
from core.permissions import Cap, can
from ledgers.kit import Ledger, region_names
from regions.models import Region


def _region_choices(viewer: Any, deepest: int) -> list[tuple[str, str]]:
    """The user's regions down to `deepest`, indented, in tree order (one query)."""
    rows = list(
        Region.objects.visible_to(viewer)
        .active()
        .filter(level__lte=deepest)
        .order_by("path")
        .values_list("pk", "name", "path")
    )
    top = min((path.count("/") for _, _, path in rows), default=0)
    return [(str(pk), "\u3000" * (path.count("/") - top) + name) for pk, name, path in rows]


class LedgerForm(StyledForm):
    """One row by hand: the layout's editable columns; a region row picks its 乡镇 or 行政村."""

    def __init__(
        self, *args: Any, ledger: Ledger, viewer: Any, row: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ledger = ledger
        self.row = row
        layout = ledger.layout
        editable = [c.key for c in layout.columns if c.editable]
        if row is not None and ledger.level == "person":
            # A row keeps its person: the number is neither shown nor changed when editing.
            editable = [k for k in editable if k != "id_number"]
            self.initial.pop("id_number", None)
        if ledger.level == "region" and ledger.link is None:
            editable = [k for k in editable if k not in ("town", "village")]
            self.fields["region"] = forms.ChoiceField(
                label="乡镇或行政村",
                choices=[("", "请选择"), *_region_choices(viewer, Region.Level.VILLAGE)],
            )
        self.fields.update(layout.form_fields(editable, self.initial))
        # A user who may not see full numbers edits a row without them: a sensitive column is
        # not prefilled (its mask is the placeholder), and left blank it keeps its value.
        self.masked: dict[str, str] = {}
        # A free text is shown with the numbers in it masked, as the row's page shows it (to
        # everyone); saved, it keeps them (the masks are put back: ledgers.services.save_row).
        for column in layout.columns:
            value = self.initial.get(column.key)
            if column.is_free_text and column.key in self.fields and isinstance(value, str):
                self.initial[column.key] = mask_numbers(value)
        if row is not None and not can(viewer, Cap.REVEAL):
            for column in layout.columns:
                if column.sensitive and column.key in self.fields:
                    value = self.initial.pop(column.key, None)
                    self.masked[column.key] = column.masked(value) if value else ""
                    field = self.fields[column.key]
                    field.required = False
                    field.widget.attrs["placeholder"] = self.masked[column.key]
                    field.help_text = "为保护隐私不显示完整号码；留空则保持不变"
        style(self)

    def row_values(self) -> dict[str, Any]:
        """{column key: value} for `ledgers.services.save_row`."""
        data = dict(self.cleaned_data)
        for key in self.masked:
            if data.get(key) in (None, ""):
                data[key] = getattr(self.row, key)
        if self.row is not None and self.ledger.level == "person":
            data["id_number"] = self.row.person.id_number
        if self.ledger.level == "region" and "region" in data:
            region = Region.objects.select_related("parent").get(pk=data.pop("region"))
            data |= region_names(region)
        return data

    @staticmethod
    def initial_for(ledger: Ledger, row: Any) -> dict[str, Any]:
        data = ledger.values(row)
        if ledger.level == "region" and ledger.link is None:
            data["region"] = str(row.region_id)
        return data


class FilterForm(StyledForm):
    """The list's filters (GET): region, year, each "by" column, and a search box."""

    q = forms.CharField(label="查询", required=False, max_length=40)
    region = forms.ChoiceField(label="区划", required=False)
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "年度应为四位年份，如2026",
            "min_value": "年度应在2000—2100之间",
            "max_value": "年度应在2000—2100之间",
        },
    )

    def __init__(self, *args: Any, ledger: Ledger, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ledger = ledger
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", "全部区划"), *_region_choices(viewer, Region.Level.VILLAGE)]
        self.fields["year"].widget.attrs["placeholder"] = f"如{today().year}"
        for column in ledger.layout.by:
            if column.key in ledger.links:
                continue
            choices = column.kind.choices()
            if choices:
                self.fields[f"by_{column.key}"] = forms.ChoiceField(
                    label=column.header, required=False, choices=[("", "全部"), *choices]
                )
            else:
                # A "by" column without fixed values (月份, 职务) is filtered by what is typed,
                # checked like the column itself (a month as YYYY-MM).
                field = column.kind.form_field(column)
                field.required = False
                self.fields[f"by_{column.key}"] = field
        for key in ledger.filters:
            self.fields[f"f_{key}"] = forms.CharField(
                label=ledger.layout.column(key).header, required=False, max_length=100
            )
        self.fields["q"].widget.attrs["placeholder"] = {
            "person": "姓名或证件号码",
            "household": "户编号或户主姓名",
            "region": "名称",
        }[ledger.level]
        style(self)

    def clean_region(self) -> Region | None:
        value = self.cleaned_data.get("region")
        return Region.objects.filter(pk=value).first() if value else None
