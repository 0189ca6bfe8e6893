"""Forms of the assistance pages; choices always come from what the user may see."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from accounts.models import User
from assistance.models import Measure, Visit
from assistance.services import SCREEN_SCOPES
from core import codes
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


ANSWER_TYPES = {
    "yesno": ("是 / 否", ["是", "否"]),
    "havenot": ("有 / 无", ["有", "无"]),
    "choices": ("自定义选项", []),
}


def split_options(text: str) -> list[str]:
    """Options typed as 甲、乙、丙 (or with commas, semicolons or spaces)."""
    for sep in (",", "，", ";", "；", " ", "/"):
        text = text.replace(sep, "、")
    return [o.strip() for o in text.split("、") if o.strip()]


class QuestionForm(StyledForm):
    """One question of a 集中排查 questionnaire: its part, wording, answer type and which answer
    raises a lead (and of which risk)."""

    section = forms.CharField(label="部分", max_length=40)
    text = forms.CharField(label="问题", max_length=200)
    answer_type = forms.ChoiceField(
        label="答案类型", choices=[(k, v[0]) for k, v in ANSWER_TYPES.items()], initial="yesno"
    )
    options = forms.CharField(
        label="选项", required=False, max_length=200, help_text="自定义选项时填写，用“、”分隔"
    )
    risk = forms.ChoiceField(
        label="风险类型",
        required=False,
        choices=[("", "（不产生线索）")],  # with the values in effect: __init__
    )
    risk_answer = forms.CharField(label="产生线索的答案", required=False, max_length=40)
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A question saved with a since-retired risk keeps it (codes.choices).
        held = self.initial.get("risk")
        risk = self.fields["risk"]
        assert isinstance(risk, forms.ChoiceField)
        risk.choices = [("", "（不产生线索）"), *codes.choices("risk", held)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("answer_type")
        options = ANSWER_TYPES[kind][1] if kind in ANSWER_TYPES else []
        if kind == "choices":
            options = split_options(data.get("options", ""))
            if len(options) < 2:
                self.add_error("options", "自定义选项至少需要两个，用“、”分隔")
        data["option_list"] = options
        answer = (data.get("risk_answer") or "").strip()
        if data.get("risk"):
            if not answer:
                answer = options[0] if options else ""
            if options and answer not in options:
                self.add_error("risk_answer", f"产生线索的答案应为选项之一：{'、'.join(options)}")
        data["risk_answer"] = answer
        return data


def _deleted(form: forms.Form) -> bool:
    return bool(getattr(form, "cleaned_data", {}).get("DELETE"))


class BaseQuestionFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        kept = [
            f
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("text") and not _deleted(f)
        ]
        if not kept:
            raise forms.ValidationError("问卷至少需要一个问题")

    def refuse(self, messages: list[str]) -> None:
        """Show a service's refusal above the rows."""
        self._non_form_errors = self.error_class(messages)

    def questionnaire(self) -> dict[str, Any]:
        """The questionnaire as stored: parts in their first order, questions in row order."""
        sections: dict[str, list[dict[str, Any]]] = {}
        used = {f.cleaned_data.get("key") for f in self.forms if f.cleaned_data}
        n = 0
        for f in self.forms:
            d = f.cleaned_data
            if not d or _deleted(f) or not d.get("text"):
                continue
            key = d.get("key") or ""
            if not key:
                n += 1
                while f"q{n}" in used:
                    n += 1
                key = f"q{n}"
                used.add(key)
            question = {"key": key, "text": d["text"].strip(), "options": d["option_list"]}
            if d.get("risk"):
                question |= {"risk": d["risk"], "risk_answer": d["risk_answer"]}
            sections.setdefault(d["section"].strip(), []).append(question)
        return {"sections": [{"title": t, "questions": qs} for t, qs in sections.items()]}


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=3, can_delete=True
)


def questionnaire_initial(questionnaire: dict[str, Any]) -> list[dict[str, Any]]:
    """The formset's rows for a stored questionnaire."""
    rows = []
    for section in questionnaire.get("sections", []):
        for q in section.get("questions", []):
            options = list(q.get("options") or [])
            kind = next(
                (k for k, (_, opts) in ANSWER_TYPES.items() if opts and opts == options),
                "choices",
            )
            rows.append(
                {
                    "section": section.get("title", ""),
                    "key": q.get("key", ""),
                    "text": q.get("text", ""),
                    "answer_type": kind,
                    "options": "、".join(options) if kind == "choices" else "",
                    "risk": q.get("risk", ""),
                    "risk_answer": q.get("risk_answer", "") if q.get("risk") else "",
                }
            )
    return rows


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
