"""Forms of the exchange pages: upload, filters, assignment, result, rule parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings

from accounts.models import User
from core import labels as core_labels
from core.dates import not_future
from core.forms import StyledForm, style
from core.tabular import unsupported_type
from exchange import parameters
from exchange.models import SOURCE_CHOICES, Item, Kind, Rule, Severity
from exchange.readers import SOURCES

ALLOWED_SUFFIXES = (".csv", ".xlsx")


class UploadForm(StyledForm):
    source = forms.ChoiceField(label="数据来源", choices=SOURCE_CHOICES[:-1])
    file = forms.FileField(
        label="数据文件", help_text="CSV（UTF-8 或 GB18030）或 .xlsx，首行为表头"
    )
    as_of = forms.DateField(label="比对基准日", required=False, help_text="默认今天")

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not name.endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(unsupported_type(Path(name).suffix))
        if f.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"文件超过上限 {settings.UPLOAD_MAX_BYTES // 1024 // 1024} MB"
            )
        return f

    def clean_as_of(self) -> Any:
        as_of = self.cleaned_data["as_of"]
        if as_of is not None:
            try:
                not_future(as_of, "比对基准日", "比对")
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return as_of

    def clean_source(self) -> str:
        source = self.cleaned_data["source"]
        if source not in SOURCES:
            raise forms.ValidationError("未知的数据来源")
        return source


class FilterForm(StyledForm):
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *Kind.choices])
    rule = forms.ModelChoiceField(
        label="规则", required=False, queryset=Rule.objects.all(), empty_label="全部规则"
    )
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *SOURCE_CHOICES]
    )
    severity = forms.ChoiceField(
        label="级别", required=False, choices=[("", "全部级别"), *Severity.choices]
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "未办结"), ("all", "全部"), *Item.Status.choices],
    )
    village = forms.ChoiceField(label="村", required=False)

    def __init__(
        self, *args: Any, villages: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "全部村"), *[(str(k), v) for k, v in villages or []]]
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ModelChoiceField)
        words = core_labels.for_year().words  # the rules' names in this year's words
        rule.label_from_instance = lambda r: words(f"{r.code} {r.name}")  # type: ignore[method-assign,assignment]


class AssignForm(StyledForm):
    assignee = forms.ModelChoiceField(
        label="分派给", queryset=User.objects.none(), empty_label="请选择核实人"
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.visible_to(user).filter(is_active=True).order_by("username")


class ResultForm(StyledForm):
    result = forms.ChoiceField(label="核实结果", choices=Item.Result.choices)
    note = forms.CharField(
        label="处理说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    changed_fields = forms.CharField(
        label="修正内容",
        required=False,
        help_text="已修正时填写，每行一项，如：健康状况：健康→残疾",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RuleForm(StyledForm):
    """A rule's parameters for a year: one field per parameter, labelled in Chinese with its
    unit (the JSON is only how they are stored)."""

    year = forms.IntegerField(label="年度", min_value=2020, max_value=2100)
    enabled = forms.BooleanField(label="启用", required=False)

    def __init__(self, *args: Any, defaults: dict[str, Any], current: dict[str, Any], **kw: Any):
        super().__init__(*args, **kw)
        self.defaults = defaults
        for key, default in defaults.items():
            name = f"p_{key}"
            self.fields[name] = parameters.field_for(key, default)
            self.initial.setdefault(name, parameters.initial(default, current.get(key, default)))
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        values: dict[str, Any] = {}
        for key, default in self.defaults.items():
            name = f"p_{key}"
            if name not in data:
                continue
            try:
                values[key] = parameters.parse(key, default, data[name])
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        if {"min_age", "max_age"} <= values.keys() and values["min_age"] > values["max_age"]:
            self.add_error("p_max_age", "年龄上限不能小于年龄下限")
        data["parameters"] = values
        return data
