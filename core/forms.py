"""Form helpers: Bootstrap classes on every widget, and Chinese messages naming the field."""

from __future__ import annotations

from typing import Any

from django import forms


class StyledForm(forms.Form):
    """A Form whose widgets carry Bootstrap classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class StyledModelForm(forms.ModelForm):
    """A ModelForm whose widgets carry Bootstrap classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes per widget type; dates as <input type=date> in ISO form."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            # The group is a list of inputs; a class on the group would float over the labels.
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        if isinstance(widget, forms.DateInput):
            # <input type=date> shows only YYYY-MM-DD; the zh-hans format (2026/11/23) reads blank.
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
