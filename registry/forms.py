"""Register forms: list filters, household, member, member removal and yearly income.

The forms check the shape of the input; the register's rules (registry.rules, via the services) are
the single source of the consistency checks, and `attach_errors` puts their messages on the fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.functional import lazy

from core import codes
from core.dates import today
from core.forms import StyledForm, style
from core.labels import Labels
from regions.models import Region
from registry import services
from registry.layouts import PERSON_KEYS, REGISTER
from registry.models import Membership


def _blank(choices: list[tuple[str, Any]], label: str = "全部") -> list[tuple[str, Any]]:
    return [("", label), *choices]


def attach_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's {field: message} errors on the form's fields (others on the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        target = FIELD_ALIASES.get(name, name)
        if target not in form.fields and f"head_{target}" in form.fields:
            target = f"head_{target}"  # a new household's 户主 (its fields are prefixed)
        if target in form.fields:
            for message in errors:
                form.add_error(target, message)
        else:
            label = FIELD_LABELS.get(name, "")
            for message in errors:
                form.add_error(None, f"{label}：{message}" if label else message)


# Service/rule field names that a form calls differently.
FIELD_ALIASES = {"risk_list": "risks"}
# Labels of the fields a service may name: the layout's headers, plus the few form-only fields.
FIELD_LABELS = {c.key: c.header for c in REGISTER.columns} | {
    "region": "所在区划",
    "birth_date": "出生日期",
    "members_counted": "计算人口数",
    "head": "户主",
}


class RegisterForm(StyledForm):
    """Register forms: sensitive fields masked for users who may not see them in full."""

    def __init__(self, *args: Any, masked: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.masked = {name: shown for name, shown in (masked or {}).items() if shown}
        self._mask_fields()

    def _mask_fields(self) -> None:
        """A user who may not see full ID numbers and phones gets them masked in the form too:
        left blank, the stored value stays. (Forms that add their layout's fields call it
        again once the fields exist.)"""
        for name, shown in self.masked.items():
            if name not in self.fields:
                continue
            self.initial.pop(name, None)
            field = self.fields[name]
            field.required = False
            field.widget.attrs["placeholder"] = shown
            field.help_text = "为保护隐私不显示完整号码；留空则保持不变"

    def without_kept(self, data: dict[str, Any]) -> dict[str, Any]:
        """Drop the masked fields the user left blank (the stored values stay)."""
        return {k: v for k, v in data.items() if not (k in self.masked and not v)}


@dataclass(frozen=True)
class RegionNode:
    """The region columns a tree, a picker and row labels need: far cheaper than model rows."""

    pk: int
    name: str
    level: int
    parent_id: int | None
    path: str

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


AnyRegion = Region | RegionNode


def region_choices(regions: Sequence[AnyRegion], max_level: int = Region.Level.GROUP) -> list:
    """Indented (pk, name) choices of a region list already loaded in path order."""
    top = min((r.depth for r in regions), default=0)
    return [
        (str(r.pk), "\u3000" * (r.depth - top) + r.name) for r in regions if r.level <= max_level
    ]


def region_names(regions: Sequence[AnyRegion]) -> dict[int, str]:
    """金山店镇/朝阳村 names for regions loaded in path order (no query per region)."""
    names: dict[int, str] = {}
    for r in regions:
        parent = names.get(r.parent_id) if r.parent_id else None
        names[r.pk] = f"{parent}/{r.name}" if parent and r.level > Region.Level.TOWN else r.name
    return names


class HouseholdFilterForm(StyledForm):
    """The list's search box and filters (GET); invalid values are simply not applied."""

    SORTS = {
        "number": "户编号",
        "head_name": "户主",
        "member_count": "人数",
        "identified_date": "识别时间",
    }

    q = forms.CharField(label="查询", required=False, max_length=40)
    region = forms.ChoiceField(label="区划", required=False)
    household_type = forms.ChoiceField(
        label="户类型",
        required=False,
        choices=_blank([("脱贫户", "脱贫户"), ("一般农户", "一般农户")]),
    )
    category = forms.ChoiceField(
        label=REGISTER.column("category").header,
        required=False,
        choices=_blank(
            [
                ("monitored", "全部监测对象"),
                *(REGISTER.column("category").kind.choices() or []),
                ("none", "非监测对象"),
            ]
        ),
    )
    risk = forms.ChoiceField(
        label=REGISTER.column("risks").header,
        required=False,
        choices=lambda: _blank(REGISTER.column("risks").kind.choices() or []),
    )
    eliminated = forms.ChoiceField(
        label="风险是否消除", required=False, choices=_blank([("是", "是"), ("否", "否")])
    )
    health = forms.ChoiceField(
        label=REGISTER.column("health").header,
        required=False,
        choices=lambda: _blank(REGISTER.column("health").kind.choices() or []),
    )
    labour = forms.ChoiceField(
        label=REGISTER.column("labour_skill").header,
        required=False,
        choices=lambda: _blank(REGISTER.column("labour_skill").kind.choices() or []),
    )
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[(f"{sign}{key}", key) for key in SORTS for sign in ("", "-")],
    )

    def described(self) -> str:
        """The filters applied, as a reader of 查阅记录 reads them: 区划=金山店镇，户类型=脱贫户，
        排序=户编号（倒序）; what was not valid (and so not applied) is left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        parts = []
        for name, field in self.fields.items():
            value = data.get(name)
            if not value:
                continue
            if name == "region":
                shown = f"{value.name}（{value.code}）" if value.code else value.name
            elif name == "sort":
                key = str(value).lstrip("-")
                shown = self.SORTS[key] + ("（倒序）" if str(value).startswith("-") else "")
            elif isinstance(field, forms.ChoiceField):
                shown = dict(field.choices).get(value, value)  # type: ignore[arg-type]
            else:
                shown = value
            parts.append(f"{field.label}={shown}")
        return "，".join(parts)

    def __init__(
        self, *args: Any, regions: Sequence[AnyRegion], labels: Labels | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {str(r.pk): r for r in regions}
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = _blank(region_choices(regions), "全部区划")
        self.fields["q"].widget.attrs["placeholder"] = "姓名、户编号或证件号码"
        if labels is not None:
            # The year's words (core.labels), read when the options are drawn: `labels` is the
            # page's own lazy object, so the badges and the options cost one query together.
            category = self.fields["category"]
            assert isinstance(category, forms.ChoiceField)
            word = lazy(lambda code: labels.category(code), str)
            population = lazy(lambda prefix: prefix + labels.population, str)
            category.choices = _blank(
                [
                    ("monitored", population("全部")),
                    *(
                        (code, word(code))
                        for code, _ in REGISTER.column("category").kind.choices() or []
                    ),
                    ("none", population("非")),
                ]
            )

    def clean_region(self) -> AnyRegion | None:
        value = self.cleaned_data.get("region") or ""
        return self.regions.get(value)


class RegionChoiceField(forms.ModelChoiceField):
    """Regions labelled 金山店镇/朝阳村 from names computed once, not one query per option."""

    names: dict[int, str]

    def label_from_instance(self, obj: Any) -> str:
        return getattr(self, "names", {}).get(obj.pk, obj.name)


def _yes_no_initial(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


# The household columns the household form edits (the region has its own picker; the phone is
# the 户主's, edited on the member; the income comes from the yearly income records).
# The status fields are shown read-only: only the procedures, an import or a county correction
# change them (registry.services.PROCEDURE_FIELDS, enforced there).
PROCEDURE_FIELDS = services.PROCEDURE_FIELDS
HOUSEHOLD_FORM_KEYS = (
    "number",
    "address",
    "is_alleviated",
    "alleviated_year",
    *PROCEDURE_FIELDS,
    "no_labour",
)
HEAD_FORM_KEYS = ("name", "id_number", "phone")


class HouseholdForm(RegisterForm):
    """户: its columns of the register's layout (registry.layouts), with a region picker; a new
    household is registered together with its 户主. The status fields are read-only."""

    region = RegionChoiceField(
        label="所在区划", queryset=Region.objects.none(), empty_label="请选择村或村民小组"
    )

    def __init__(self, *args: Any, viewer: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(REGISTER.form_fields(HOUSEHOLD_FORM_KEYS, self.initial))
        if not editing:
            for key, field in REGISTER.form_fields(HEAD_FORM_KEYS).items():
                field.label = f"户主{field.label}"
                field.required = key != "phone"
                self.fields[f"head_{key}"] = field
        self.order_fields(["number", "region", *HOUSEHOLD_FORM_KEYS])
        region = self.fields["region"]
        assert isinstance(region, RegionChoiceField)
        # Active regions, plus the household's own even if since retired, so it stays editable.
        current = self.initial.get("region")
        visible = Region.objects.visible_to(viewer).filter(Q(retired=False) | Q(pk=current))
        names = region_names(list(visible))
        region.queryset = visible.filter(level__gte=Region.Level.VILLAGE)
        region.names = names
        if editing:
            # The 户编号 is the household's identity in the national system: fixed once created.
            self.fields["number"].disabled = True
        for name in PROCEDURE_FIELDS:
            self.fields[name].disabled = True
            self.fields[name].help_text = "由监测程序变更（只读）"
        style(self)

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as `registry.services` keyword arguments."""
        data = self.without_kept(dict(self.cleaned_data))
        for name in PROCEDURE_FIELDS:
            data.pop(name)
        data["no_labour"] = bool(data.get("no_labour"))
        head = {k[5:]: data.pop(k) for k in list(data) if k.startswith("head_")}
        if head:
            data["head"] = head
        if self.fields["number"].disabled:
            data.pop("number")
        return data

    @staticmethod
    def initial_for(h: Any) -> dict[str, Any]:
        data = {key: getattr(h, key) for key in HOUSEHOLD_FORM_KEYS}
        data |= {"region": h.region_id, "risks": h.risk_list}
        for flag in ("is_alleviated", "risk_eliminated", "no_labour"):
            data[flag] = _yes_no_initial(data[flag])
        return data


class CorrectionForm(RegisterForm):
    """手工更正 (county admin): the household form's status fields, and the reason."""

    reason = forms.CharField(
        label="更正原因", max_length=150, help_text="如：识别时间录入错误，以审定文件为准"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(REGISTER.form_fields(PROCEDURE_FIELDS, self.initial))
        self.order_fields([*PROCEDURE_FIELDS, "reason"])
        style(self)

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in PROCEDURE_FIELDS}
        data["risk_list"] = codes.split_multi(data.pop("risks") or "")
        data["risk_eliminated"] = bool(data["risk_eliminated"])
        return data


class PersonForm(RegisterForm):
    """成员: the person columns of the register's layout (证件号码 with derived sex and birth
    date)."""

    birth_date = forms.DateField(label="出生日期", required=False, help_text="留空则按证件号码")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(REGISTER.form_fields(PERSON_KEYS, self.initial))
        self.fields["sex"].help_text = "留空则按证件号码"
        self.order_fields(["name", "id_number", "relation", "sex", "birth_date"])
        style(self)
        self._mask_fields()

    def clean_birth_date(self) -> dt.date | None:
        value = self.cleaned_data.get("birth_date")
        if value and value > today():
            raise ValidationError("出生日期不能晚于今天")
        return value

    def clean_health(self) -> str:
        value = self.cleaned_data.get("health") or ""
        values = codes.split_multi(value)
        if "健康" in values and len(values) > 1:
            raise ValidationError("选择了“健康”就不能同时选择疾病或残疾")
        return value

    def service_fields(self) -> dict[str, Any]:
        names = (*PERSON_KEYS, "birth_date")
        return {k: v for k, v in self.without_kept(self.cleaned_data).items() if k in names}

    @staticmethod
    def initial_for(p: Any) -> dict[str, Any]:
        data = {name: getattr(p, name) for name in (*PERSON_KEYS, "birth_date")}
        data["health"] = p.health_list
        for name in ("medical_insurance", "dibao", "tekun"):
            data[name] = _yes_no_initial(data[name])
        return data


class AddPersonForm(PersonForm):
    """A new member, with how and when they joined (出生/婚入/迁入, or an original member)."""

    reason = forms.ChoiceField(label="增加原因", choices=Membership.StartReason.choices)
    date = forms.DateField(label="增加日期", required=False, help_text="原有成员不填")

    field_order = ["reason", "date"]

    def clean_date(self) -> dt.date | None:
        value = self.cleaned_data.get("date")
        if value and value > today():
            raise ValidationError("增加日期不能晚于今天")
        return value


class RemoveMemberForm(RegisterForm):
    """成员减少: a reason and a date; the person stays in the records."""

    reason = forms.ChoiceField(
        label="减少原因", choices=_blank(Membership.EndReason.choices, "请选择")
    )
    date = forms.DateField(label="减少日期")

    def clean_date(self) -> dt.date:
        value = self.cleaned_data["date"]
        if value > today():
            raise ValidationError("减少日期不能晚于今天")
        return value


class IncomeForm(RegisterForm):
    """A year's income components; 纯收入 and 人均 are computed, never typed."""

    year = forms.IntegerField(label="年度", min_value=2014, max_value=2100)
    wage = forms.DecimalField(label="工资性收入", min_value=0, decimal_places=2, initial=0)
    business = forms.DecimalField(label="生产经营性收入", min_value=0, decimal_places=2, initial=0)
    property_income = forms.DecimalField(
        label="财产性收入", min_value=0, decimal_places=2, initial=0
    )
    transfer = forms.DecimalField(label="转移性收入", min_value=0, decimal_places=2, initial=0)
    business_cost = forms.DecimalField(
        label="生产经营性支出", min_value=0, decimal_places=2, initial=0
    )
    claims = forms.DecimalField(label="理赔收入", min_value=0, decimal_places=2, initial=0)
    compliant_spending = forms.DecimalField(
        label="合规自付支出", min_value=0, decimal_places=2, initial=0
    )
    members_counted = forms.IntegerField(
        label="计算人口数", min_value=1, max_value=99, required=False, help_text="留空则按在户人数"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > today().year:
            raise ValidationError("年度不能晚于今年")
        return year

    INITIAL_FIELDS = (
        "year",
        "wage",
        "business",
        "property_income",
        "transfer",
        "business_cost",
        "claims",
        "compliant_spending",
        "members_counted",
        "note",
    )

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        return {name: getattr(record, name) for name in cls.INITIAL_FIELDS}
