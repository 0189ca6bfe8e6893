"""Forms of the assistance pages; choices always come from what the user may see."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms

from accounts.models import User
from assistance.models import Measure, Visit
from assistance.services import SCREEN_SCOPES
from core.dates import today
from core.forms import StyledForm, StyledModelForm
from core.layout import valid_phone
from ledgers import kit
from regions.models import Region
from registry.models import Household


def _limit(form: forms.BaseForm, name: str, queryset: Any) -> None:
    """Restrict a model choice field to what the viewer may see."""
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}（{obj.get_role_display()}，{obj.region}）"


def _users(user: Any) -> Any:
    return User.objects.visible_to(user).filter(is_active=True).select_related("region")


def _villages(user: Any) -> Any:
    return Region.objects.visible_to(user).filter(level=Region.Level.VILLAGE, retired=False)


class ContactForm(StyledForm):
    """帮扶联系人: a system user, or an external cadre's name, unit and phone."""

    user = UserChoice(label="系统用户", queryset=User.objects.none(), required=False)
    name = forms.CharField(label="姓名（非系统用户时填写）", max_length=60, required=False)
    unit = forms.CharField(label="帮扶(选派)单位", max_length=100, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    start_date = forms.DateField(label="帮扶开始时间", initial=today)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, "user", _users(viewer))

    def clean_phone(self) -> str:
        return valid_phone(self.cleaned_data.get("phone"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("user") and not (data.get("name") or "").strip():
            self.add_error("name", "请选择系统用户，或填写帮扶联系人姓名")
        return data


class BulkContactForm(ContactForm):
    """One contact for the monitored households of a village."""

    village = forms.ModelChoiceField(label="村", queryset=Region.objects.none())
    scope = forms.ChoiceField(
        label="范围",
        choices=[("monitored", "监测对象"), ("key", "脱贫户和监测对象")],
        initial="monitored",
    )
    field_order = ["village", "scope", "user", "name", "unit", "phone", "start_date"]

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, viewer=viewer, **kwargs)
        _limit(self, "village", _villages(viewer))


def ledger_choices(household: Household, per_ledger: int = 50) -> list[tuple[str, str]]:
    """The household's ledger records a measure may stand for ("kind:id", label): its posts,
    loans, 奖补 and subsidy payments (every person or household ledger, newest first)."""
    out = []
    for kind, ledger in kit.ledgers().items():
        if ledger.level not in ("person", "household"):
            continue
        rows = ledger.model.objects.filter(household=household).select_related("person")
        for row in rows.order_by("-pk")[:per_ledger]:
            label = f"{ledger.name}：{row}"
            if row.person is not None:
                label += f"（{row.person.name}）"
            amount = getattr(row, "amount", None)
            if amount is not None:
                label += f"，{amount}元"
            out.append((f"{kind}:{row.pk}", label))
    return out


class MeasureForm(StyledModelForm):
    """一户一策 measure; the beneficiary is one of the household's members (一人一措施); the
    ledger record it stands for (a post, a loan, an 奖补 payment) may be linked."""

    ledger_link = forms.ChoiceField(
        label="关联台账记录",
        required=False,
        help_text="措施对应的公益性岗位、小额信贷、产业奖补或务工补贴等台账记录（该户的）",
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = household.persons.filter(is_member=True).order_by("pk")
        person.empty_label = "全户"
        link = cast(forms.ChoiceField, self.fields["ledger_link"])
        link.choices = [("", "—"), *ledger_choices(household)]
        kind, row_id = self.instance.ledger_kind, self.instance.ledger_row_id
        if kind and row_id:
            self.initial["ledger_link"] = f"{kind}:{row_id}"

    def ledger_fields(self) -> dict[str, Any]:
        """ledger_kind and ledger_row_id from the chosen record (both empty for none)."""
        kind, _, pk = (self.cleaned_data.get("ledger_link") or "").partition(":")
        return {"ledger_kind": kind, "ledger_row_id": int(pk) if pk else None}

    class Meta:
        model = Measure
        fields = [
            "category",
            "subtype",
            "person",
            "amount",
            "responsible",
            "start_date",
            "end_date",
            "status",
            "outcome",
            "continues_after_elimination",
        ]
        help_texts = {
            "subtype": "如 小额信贷、公益岗位、雨露计划、低保、特困供养、残疾人补贴",
            "continues_after_elimination": "小额信贷合同、公益岗位协议、雨露计划学段未到期时勾选，"
            "并填写结束日期",
        }


class VisitForm(StyledForm):
    """The mobile visit form; `household` is chosen on the search step and must be visible."""

    household = forms.ModelChoiceField(
        label="农户", queryset=Household.objects.none(), widget=forms.HiddenInput
    )
    date = forms.DateField(label="走访日期", initial=today)
    kind = forms.ChoiceField(label="走访类型", choices=Visit.Kind.choices)
    talked = forms.BooleanField(label="谈一次心", required=False)
    measures_reviewed = forms.BooleanField(label="梳理一遍帮扶措施", required=False)
    data_verified = forms.BooleanField(label="核实一遍基础数据", required=False)
    environment_tidied = forms.BooleanField(label="整治一次人居环境", required=False)
    notes = forms.CharField(
        label="走访情况", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    latitude = forms.DecimalField(
        label="纬度", max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        label="经度", max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, "household", Household.objects.visible_to(viewer))
        self.fields["household"].error_messages["invalid_choice"] = "请选择本辖区内的农户"


class CampaignForm(StyledForm):
    name = forms.CharField(label="排查名称", max_length=100)
    start_date = forms.DateField(label="开始日期", initial=today)
    end_date = forms.DateField(label="结束日期")
    regions = forms.ModelMultipleChoiceField(
        label="排查范围（乡镇或村）",
        queryset=Region.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(
            self,
            "regions",
            Region.objects.visible_to(viewer).filter(
                level__in=[Region.Level.COUNTY, Region.Level.TOWN, Region.Level.VILLAGE],
                retired=False,
            ),
        )


class AssignForm(StyledForm):
    village = forms.ModelChoiceField(label="村", queryset=Region.objects.none())
    scope = forms.ChoiceField(label="农户范围", choices=list(SCREEN_SCOPES.items()))
    cadre = UserChoice(label="排查人", queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, "village", _villages(viewer))
        _limit(self, "cadre", _users(viewer))


class QuestionnaireForm(StyledForm):
    questionnaire = forms.CharField(
        label="问卷（JSON）", widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace"})
    )

    def clean_questionnaire(self) -> Any:
        try:
            return json.loads(self.cleaned_data["questionnaire"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"JSON格式错误：第{exc.lineno}行第{exc.colno}列，{exc.msg}"
            ) from exc


def section_form(section: dict, data: Any = None, initial: dict | None = None) -> forms.Form:
    """A form with one radio group per question of a questionnaire section."""
    form = forms.Form(data=data, initial=initial)
    for q in section["questions"]:
        form.fields[q["key"]] = forms.ChoiceField(
            label=q["text"],
            choices=[(o, o) for o in q["options"]],
            widget=forms.RadioSelect,
            error_messages={"required": f"请回答“{q['text']}”"},
        )
    return form
