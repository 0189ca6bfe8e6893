"""Register forms: list filters, household, member, member removal and yearly income.

The forms check the shape of the input; the register's rules (registry.rules, via the services) are
the single source of the consistency checks, and `attach_errors` puts their messages on the fields.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from core import codes, phone
from core.dates import today
from core.forms import StyledForm, style
from regions.models import Region
from registry import services
from registry.models import Membership

YES_NO_BLANK = [("", "未填"), ("1", "是"), ("0", "否")]


def _blank(choices: list[tuple[str, Any]], label: str = "全部") -> list[tuple[str, Any]]:
    return [("", label), *choices]


def attach_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's {field: message} errors on the form's fields (others on the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        target = FIELD_ALIASES.get(name, name)
        if target in form.fields:
            for message in errors:
                form.add_error(target, message)
        else:
            label = FIELD_LABELS.get(name, "")
            for message in errors:
                form.add_error(None, f"{label}：{message}" if label else message)


# Service/rule field names that a form calls differently.
FIELD_ALIASES = {"risk_list": "risks"}
FIELD_LABELS = {
    "number": "户编号",
    "region": "所在区划",
    "category": "监测对象类别",
    "risks": "风险类型",
    "identified_date": "识别监测时间",
    "risk_eliminated": "风险是否消除",
    "eliminated_date": "风险消除时间",
    "elimination_method": "风险消除方式",
    "alleviated_year": "脱贫年度",
    "id_number": "证件号码",
    "relation": "与户主关系",
    "sex": "性别",
    "birth_date": "出生日期",
    "members_counted": "计算人口数",
}


class RegisterForm(StyledForm):
    """Register forms: sensitive fields masked for users who may not see them in full."""

    def __init__(self, *args: Any, masked: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A user who may not see full ID numbers and phones gets them masked in the form too:
        # left blank, the stored value stays.
        self.masked = {name: shown for name, shown in (masked or {}).items() if shown}
        for name, shown in self.masked.items():
            self.initial.pop(name, None)
            field = self.fields[name]
            field.required = False
            field.widget.attrs["placeholder"] = shown
            field.help_text = "为保护隐私不显示完整号码；留空则保持不变"

    def without_kept(self, data: dict[str, Any]) -> dict[str, Any]:
        """Drop the masked fields the user left blank (the stored values stay)."""
        return {k: v for k, v in data.items() if not (k in self.masked and not v)}


def _bool_or_none(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


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
        label="监测对象类别",
        required=False,
        choices=_blank(
            [("monitored", "全部监测对象"), *codes.choices("category"), ("none", "非监测对象")]
        ),
    )
    risk = forms.ChoiceField(
        label="风险类型", required=False, choices=_blank(codes.choices("risk"))
    )
    eliminated = forms.ChoiceField(
        label="风险是否消除", required=False, choices=_blank([("是", "是"), ("否", "否")])
    )
    health = forms.ChoiceField(
        label="健康状况", required=False, choices=_blank(codes.choices("health"))
    )
    labour = forms.ChoiceField(
        label="劳动技能", required=False, choices=_blank(codes.choices("labour"))
    )
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[(f"{sign}{key}", key) for key in SORTS for sign in ("", "-")],
    )

    def __init__(self, *args: Any, regions: Sequence[AnyRegion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {str(r.pk): r for r in regions}
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = _blank(region_choices(regions), "全部区划")
        self.fields["q"].widget.attrs["placeholder"] = "姓名、户编号或证件号码"

    def clean_region(self) -> AnyRegion | None:
        value = self.cleaned_data.get("region") or ""
        return self.regions.get(value)


class RegionChoiceField(forms.ModelChoiceField):
    """Regions labelled 金山店镇/朝阳村 from names computed once, not one query per option."""

    names: dict[int, str]

    def label_from_instance(self, obj: Any) -> str:
        return getattr(self, "names", {}).get(obj.pk, obj.name)


# Shown read-only on the household form: only the procedures, an import or a county correction
# change them (registry.services.PROCEDURE_FIELDS, enforced there).
PROCEDURE_FIELDS = services.PROCEDURE_FIELDS


class HouseholdForm(RegisterForm):
    """户: identification, region, contact and status (脱贫户, 监测对象, risks, elimination)."""

    number = forms.CharField(label="户编号", max_length=40)
    region = RegionChoiceField(
        label="所在区划", queryset=Region.objects.none(), empty_label="请选择村或村民小组"
    )
    address = forms.CharField(label="家庭住址", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    is_alleviated = forms.TypedChoiceField(
        label="户类型",
        choices=[("0", "一般农户"), ("1", "脱贫户")],
        coerce=lambda v: v == "1",
        initial="0",
    )
    alleviated_year = forms.IntegerField(
        label="脱贫年度", required=False, help_text="2014—2020，只有脱贫户填写"
    )
    category = forms.ChoiceField(
        label="监测对象类别",
        required=False,
        choices=_blank(codes.choices("category"), "非监测对象"),
    )
    risks = forms.MultipleChoiceField(
        label="风险类型",
        required=False,
        choices=codes.choices("risk"),
        widget=forms.CheckboxSelectMultiple,
        help_text="最多5项",
    )
    identified_date = forms.DateField(label="识别监测时间", required=False)
    risk_eliminated = forms.BooleanField(label="风险已消除", required=False)
    eliminated_date = forms.DateField(label="风险消除时间", required=False)
    elimination_method = forms.ChoiceField(
        label="风险消除方式",
        required=False,
        choices=_blank(codes.choices("elimination_method"), "—"),
    )
    no_labour = forms.BooleanField(label="整户无劳动能力", required=False)

    def __init__(self, *args: Any, viewer: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
        _inline_checkboxes(self, "risks")

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""))

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as `registry.services` keyword arguments."""
        data = self.without_kept(dict(self.cleaned_data))
        for name in PROCEDURE_FIELDS:
            data.pop(name)
        if self.fields["number"].disabled:
            data.pop("number")
        return data

    @staticmethod
    def initial_for(h: Any) -> dict[str, Any]:
        return {
            "number": h.number,
            "region": h.region_id,
            "address": h.address,
            "phone": h.phone,
            "is_alleviated": "1" if h.is_alleviated else "0",
            "alleviated_year": h.alleviated_year,
            "category": h.category,
            "risks": h.risk_list,
            "identified_date": h.identified_date,
            "risk_eliminated": h.risk_eliminated,
            "eliminated_date": h.eliminated_date,
            "elimination_method": h.elimination_method,
            "no_labour": h.no_labour,
        }


class CorrectionForm(StyledForm):
    """手工更正 (county admin): the household form's status fields, and the reason."""

    reason = forms.CharField(
        label="更正原因", max_length=150, help_text="如：识别时间录入错误，以审定文件为准"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PROCEDURE_FIELDS:
            self.fields[name] = copy.deepcopy(HouseholdForm.base_fields[name])
        self.order_fields([*PROCEDURE_FIELDS, "reason"])
        style(self)
        _inline_checkboxes(self, "risks")

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in PROCEDURE_FIELDS}
        data["risk_list"] = data.pop("risks")
        return data


def _clean_phone(value: str) -> str:
    return phone.clean(value)


def _inline_checkboxes(form: forms.Form, *names: str) -> None:
    """Checkbox groups as plain inline boxes (form-check-input floats out of its label)."""
    for name in names:
        form.fields[name].widget.attrs["class"] = "me-1"


class PersonForm(RegisterForm):
    """成员: identity (证件号码 with derived sex and birth date) and situation."""

    name = forms.CharField(label="姓名", max_length=60)
    id_number = forms.CharField(label="证件号码", max_length=22)
    relation = forms.ChoiceField(
        label="与户主关系", choices=_blank(codes.choices("relation"), "请选择")
    )
    sex = forms.ChoiceField(
        label="性别", required=False, choices=_blank(codes.choices("sex"), "按证件号码")
    )
    birth_date = forms.DateField(label="出生日期", required=False, help_text="留空则按证件号码")
    ethnicity = forms.ChoiceField(
        label="民族", required=False, choices=_blank(codes.choices("ethnicity"), "—")
    )
    education = forms.ChoiceField(
        label="文化程度", required=False, choices=_blank(codes.choices("education"), "—")
    )
    schooling = forms.ChoiceField(
        label="在校生状况", required=False, choices=_blank(codes.choices("schooling"), "—")
    )
    health = forms.MultipleChoiceField(
        label="健康状况",
        required=False,
        choices=codes.choices("health"),
        widget=forms.CheckboxSelectMultiple,
    )
    labour_skill = forms.ChoiceField(
        label="劳动技能", required=False, choices=_blank(codes.choices("labour"), "—")
    )
    employment = forms.ChoiceField(
        label="务工状况", required=False, choices=_blank(codes.choices("employment"), "—")
    )
    work_place = forms.CharField(label="务工地点", max_length=100, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    medical_insurance = forms.ChoiceField(
        label="是否参加城乡居民基本医疗保险", required=False, choices=YES_NO_BLANK
    )
    dibao = forms.ChoiceField(label="是否享受低保", required=False, choices=YES_NO_BLANK)
    tekun = forms.ChoiceField(label="是否特困供养", required=False, choices=YES_NO_BLANK)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _inline_checkboxes(self, "health")

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""))

    def clean_birth_date(self) -> dt.date | None:
        value = self.cleaned_data.get("birth_date")
        if value and value > today():
            raise ValidationError("出生日期不能晚于今天")
        return value

    def clean_health(self) -> str:
        values = self.cleaned_data.get("health") or []
        if "健康" in values and len(values) > 1:
            raise ValidationError("选择了“健康”就不能同时选择疾病或残疾")
        return codes.join_multi(values)

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.without_kept(self.cleaned_data).items() if k in PERSON_FIELDS}
        for name in ("medical_insurance", "dibao", "tekun"):
            data[name] = _bool_or_none(data[name])
        return data

    @staticmethod
    def initial_for(p: Any) -> dict[str, Any]:
        def yes_no(v: bool | None) -> str:
            return "" if v is None else ("1" if v else "0")

        data = {name: getattr(p, name) for name in PERSON_FIELDS}
        data["health"] = p.health_list
        for name in ("medical_insurance", "dibao", "tekun"):
            data[name] = yes_no(getattr(p, name))
        return data


PERSON_FIELDS = (
    "name",
    "id_number",
    "relation",
    "sex",
    "birth_date",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour_skill",
    "employment",
    "work_place",
    "phone",
    "medical_insurance",
    "dibao",
    "tekun",
)


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
