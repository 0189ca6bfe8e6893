"""Forms of the monitoring pages; services do the checking that touches several rows."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from core import codes, idnumber
from core.dates import today
from core.forms import StyledForm, StyledModelForm, style
from core.layout import valid_phone
from monitoring.models import (
    INCOME_FIELDS,
    MATERIALS,
    OPTIONAL,
    REQUIRED,
    Case,
    DeadlinePolicy,
    EliminationPolicy,
    Holiday,
    Lead,
    NoticeContact,
    PolicyThreshold,
    StepCode,
)
from monitoring.services import check_green_start
from regions.models import Region
from registry.models import Household

YES_NO = [("", "—"), ("1", "是"), ("0", "否")]


def _bool(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


class LeadFilterForm(StyledForm):
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *codes.choices("lead_source")]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Lead.Status.choices]
    )
    village = forms.ModelChoiceField(label="村", required=False, queryset=Region.objects.none())
    date_from = forms.DateField(label="发现日期自", required=False, widget=forms.DateInput)
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Region.objects.visible_to(user).filter(level=Region.Level.VILLAGE)
        field.empty_label = "全部村"


def find_household(user: Any, q: str) -> tuple[Household | None, list[Household], str]:
    """The one household of the user's region that `q` names — by 户编号, a member's or the
    head's name, or a full ID number (for users who may see full numbers; the search is logged)
    — else (None, the candidates when several, the message to show)."""
    from registry.services import search_households

    found, notice = search_households(Household.objects.visible_to(user), q, actor=user)
    hits = list(found.select_related("region").order_by("number")[:21])
    if len(hits) == 1:
        return hits[0], [], ""
    if not hits:
        missing = f"未找到“{q}”（户编号、姓名或证件号码），或该户不在您的管辖范围"
        return None, [], f"{missing}；{notice}" if notice else missing
    shown = "、".join(f"{h.head_name}（{h.number}，{h.region.name}）" for h in hits[:5])
    more = f"等{len(hits) if len(hits) <= 20 else '20多'}户" if len(hits) > 5 else ""
    return None, hits[:20], f"“{q}”找到多户：{shown}{more}，请填写户编号"


class LeadForm(StyledForm):
    """A cadre's report: a household of the register, or a person not yet in it."""

    source = forms.ChoiceField(label="线索来源", choices=codes.choices("lead_source"))
    household = forms.CharField(
        label="农户（已在户籍台账的：户编号、户主或成员姓名、证件号码）",
        required=False,
        max_length=40,
        help_text="同名的有多户时请填户编号；不在台账中的人员请留空，并填写下方所在村、姓名、"
        "证件号码",
    )
    village = forms.ModelChoiceField(
        label="所在村（新登记人员）", required=False, queryset=Region.objects.none()
    )
    person_name = forms.CharField(label="姓名", required=False, max_length=60)
    id_number = forms.CharField(label="证件号码", required=False, max_length=22)
    phone = forms.CharField(label="联系电话", required=False, max_length=20)
    risks = forms.MultipleChoiceField(
        label="反映风险",
        required=False,
        choices=partial(codes.choices, "risk"),
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label="困难情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reporter_name = forms.CharField(label="报告人", required=False, max_length=60)
    reported_date = forms.DateField(label="发现日期", widget=forms.DateInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        village = self.fields["village"]
        assert isinstance(village, forms.ModelChoiceField)
        village.queryset = Region.objects.visible_to(user).filter(level=Region.Level.VILLAGE)
        style_checkboxes(self)

    def clean_household(self) -> Household | None:
        """Only households the user may see: the picker is a read of people's data too."""
        q = (self.cleaned_data.get("household") or "").strip()
        if not q:
            return None
        found, _others, problem = find_household(self.user, q)
        if found is None:
            raise ValidationError(problem)
        return found

    def clean_reported_date(self) -> Any:
        return not_future(self.cleaned_data["reported_date"], "发现日期")

    def clean_phone(self) -> str:
        return valid_phone(self.cleaned_data.get("phone"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("risks") and not (data.get("description") or "").strip():
            self.add_error("risks", "请至少选择一项反映风险，或填写困难情况")
        if data.get("household") is None and not self.has_error("household"):
            if not data.get("village"):
                self.add_error("village", "不在台账中的人员请选择所在村")
            if not data.get("person_name"):
                self.add_error("person_name", "请填写姓名")
            raw = data.get("id_number") or ""
            if raw:
                check = idnumber.check(raw)
                if check.errors:
                    self.add_error("id_number", "；".join(check.errors))
                else:
                    data["id_number"] = check.value
        return data


class DismissForm(StyledForm):
    reason = forms.CharField(label="不予纳入原因", max_length=300)


class UploadForm(StyledForm):
    file = forms.FileField(label="材料文件")
    kind = forms.ChoiceField(label="材料类型", choices=list(MATERIALS.items()), initial="evidence")

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = f"照片（JPG、PNG）或PDF，{settings.FANGPIN_ATTACHMENT_MAX_MB} MB 以内"
        if kinds:
            field = self.fields["kind"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(k, MATERIALS[k]) for k in dict.fromkeys([*kinds, "evidence"])]
            field.initial = kinds[0]


def not_future(value: Any, label: str) -> Any:
    """A date of something that happened: never after today."""
    if value and value > today():
        raise ValidationError(f"{label}不能晚于今天")
    return value


class AckField(forms.MultipleChoiceField):
    """The warnings a reviewer ticks. A ticked warning that no longer applies (the facts just
    entered removed it) is dropped, not refused: the service asks again for any new one."""

    def to_python(self, value: Any) -> list[str]:
        return [v for v in super().to_python(value) if self.valid_value(v)]

    def validate(self, value: Any) -> None:
        """Every remaining value is a current warning (to_python dropped the others)."""


class CaseFilterForm(StyledForm):
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部类型"), *Case.Kind.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Case.Status.choices]
    )
    step = forms.ChoiceField(
        label="环节", required=False, choices=[("", "全部环节"), *StepCode.choices]
    )
    alert = forms.ChoiceField(
        label="时限",
        required=False,
        choices=[("", "全部"), ("orange", "即将到期"), ("red", "已逾期"), ("late", "逾期办结")],
    )


class StepForm(StyledForm):
    """The open step's form; fields depend on the step and the kind of case."""

    decision = forms.ChoiceField(label="办理结论", choices=[("通过", "通过"), ("不通过", "不通过")])
    note = forms.CharField(
        label="意见", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    MONEY = INCOME_FIELDS
    TRISTATE = ("housing_unsafe", "dropout", "water_unsafe", "uninsured")

    def __init__(
        self,
        *args: Any,
        case: Case,
        warnings: list[str],
        consent_required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        step = case.current_step
        f = self.fields
        f["done_on"] = forms.DateField(
            label="办理日期",
            initial=today,
            widget=forms.DateInput,
            help_text=f"不早于起算日期{case.start_date:%Y-%m-%d}和上一环节的办理日期，不晚于今天",
        )
        if step == StepCode.COMPARE:
            f["note"].label = "比对结果"
            f["note"].help_text = "写明比对了哪些部门数据和发现的情况；未加载的写明手工比对结果"
        if step == StepCode.VISIT:
            if case.kind == Case.Kind.IDENTIFY and not consent_required:
                f["consent"] = forms.ChoiceField(
                    label="承诺授权",
                    required=False,
                    choices=[
                        ("", "—"),
                        ("file", "已上传签字承诺授权书"),
                        ("confirmed", "已当面确认（记录在案）"),
                    ],
                    initial=case.consent,
                )
            if case.kind == Case.Kind.IDENTIFY:
                f["is_alleviated"] = forms.BooleanField(
                    label="是否脱贫户", required=False, initial=case.is_alleviated
                )
                f["sudden_hardship"] = forms.BooleanField(
                    label="收入骤减或刚性支出骤增", required=False, initial=case.sudden_hardship
                )
            for name in self.MONEY:
                label = _label(name)
                f[name] = forms.DecimalField(
                    label=f"{label}（元）",
                    required=False,
                    min_value=0,
                    max_digits=12,
                    decimal_places=2,
                    initial=getattr(case, name),
                )
            f["members_counted"] = forms.IntegerField(
                label="计算人口数",
                required=False,
                min_value=1,
                max_value=50,
                initial=case.members_counted,
            )
            for name in self.TRISTATE:
                value = getattr(case, name)
                f[name] = forms.ChoiceField(
                    label=_label(name),
                    required=False,
                    choices=YES_NO,
                    initial="" if value is None else str(int(value)),
                )
            f["risks"] = forms.MultipleChoiceField(
                label="风险类型（最多5项）",
                required=False,
                choices=partial(codes.choices, "risk", case.risk_list),
                widget=forms.CheckboxSelectMultiple,
                initial=case.risk_list,
            )
            if case.kind == Case.Kind.ELIMINATE:
                f["rigid_spending_resolved"] = forms.BooleanField(
                    label="大额刚性支出已稳定解决",
                    required=False,
                    initial=bool(case.rigid_spending_resolved),
                )
                f["elimination_method"] = forms.ChoiceField(
                    label="风险消除方式",
                    required=False,
                    choices=[("", "—"), *[(v, v) for v in codes.ELIMINATION_METHODS]],
                    initial=case.elimination_method,
                )
        if step == StepCode.NOTICE:
            days = DeadlinePolicy.for_year(case.start_date.year).notice_days
            f["notice_start"] = forms.DateField(
                label="公示开始", widget=forms.DateInput, initial=case.notice_start
            )
            f["notice_end"] = forms.DateField(
                label="公示结束",
                widget=forms.DateInput,
                initial=case.notice_end,
                help_text=f"公示不少于{days}天（含首尾）；期满次日起才能办结本环节",
            )
        if step == StepCode.COUNTY and case.kind == Case.Kind.ELIMINATE:
            f["monitor_contact"] = forms.CharField(
                label="风险消除后的监测联系人", max_length=60, initial=case.monitor_contact
            )
            f["monitor_phone"] = forms.CharField(
                label="监测联系人电话", max_length=20, initial=case.monitor_phone
            )
        if step == StepCode.COUNTY and case.kind == Case.Kind.IDENTIFY:
            f["category"] = forms.ChoiceField(
                label="认定类别",
                required=False,
                choices=[("", "—"), *codes.choices("category")],
                initial=case.category,
            )
        if warnings:
            f["ack"] = AckField(
                label="已逐条核实以下提示",
                required=False,
                choices=[(w, w) for w in warnings],
                widget=forms.CheckboxSelectMultiple,
            )
        self.order_fields(["done_on", "decision", "note"])  # the rest after, as added
        style_checkboxes(self)

    def facts(self) -> dict[str, Any]:
        """The case fields this form sets."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for name in (
            *self.MONEY,
            "members_counted",
            "consent",
            "is_alleviated",
            "sudden_hardship",
            "rigid_spending_resolved",
            "elimination_method",
            "notice_start",
            "notice_end",
            "category",
            "monitor_contact",
            "monitor_phone",
        ):
            if name in self.fields:
                out[name] = data.get(name)
        for name in self.TRISTATE:
            if name in self.fields:
                out[name] = _bool(data.get(name) or "")
        if "consent" in out:
            out["consent"] = out["consent"] or ""
        for name in ("elimination_method", "category"):
            if name in out:
                out[name] = out[name] or ""
        return out

    def risks(self) -> list[str] | None:
        return list(self.cleaned_data["risks"]) if "risks" in self.fields else None

    def clean_done_on(self) -> Any:
        return not_future(self.cleaned_data["done_on"], "办理日期")

    def clean_monitor_phone(self) -> str:
        return valid_phone(self.cleaned_data.get("monitor_phone"))


def _label(name: str) -> str:
    """The Chinese verbose name of a Case field."""
    field = Case._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def style_checkboxes(form: forms.BaseForm) -> None:
    """CheckboxSelectMultiple renders a list; Bootstrap's form-select class would break it."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxSelectMultiple):
            field.widget.attrs["class"] = "fp-checklist"


class ReturnForm(StyledForm):
    to_step = forms.ChoiceField(label="退回到", choices=StepCode.choices)
    reason = forms.CharField(label="退回原因", max_length=300)


class GreenMeasureForm(StyledForm):
    category = forms.ChoiceField(label="措施类别", choices=codes.choices("measure"))
    subtype = forms.CharField(label="具体措施", required=False, max_length=60)
    responsible = forms.CharField(label="责任人", required=False, max_length=60)
    start_date = forms.DateField(label="开始日期", required=False, widget=forms.DateInput)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        field = self.fields["start_date"]
        field.widget.attrs["min"] = case.start_date.isoformat()
        field.help_text = f"留空为今天；不能早于本案起算日期{case.start_date:%Y-%m-%d}"

    def clean_start_date(self) -> Any:
        value = not_future(self.cleaned_data.get("start_date"), "开始日期")
        if value:
            check_green_start(self.case, value)
        return value


class StartForm(StyledForm):
    """When a household's procedure began (default today; an earlier start may be recorded)."""

    start_date = forms.DateField(
        label="起算日期",
        required=False,
        widget=forms.DateInput,
        help_text="程序开始之日（如入户核查之日），留空为今天；不能晚于今天",
    )

    def clean_start_date(self) -> Any:
        return not_future(self.cleaned_data.get("start_date"), "起算日期")


class ExitForm(StyledForm):
    """Propose 剔除 / 识别不精准退出 of a monitored household (the county decides)."""

    exit_reason = forms.ChoiceField(
        label="退出原因", choices=[(v, v) for v in codes.MONITORING_EXIT_REASONS]
    )
    description = forms.CharField(
        label="事实和依据",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如：经核实该户不符合纳入条件（识别时收入计算有误）；或户籍已注销、整户迁出",
    )


class OverrideForm(StyledForm):
    reason = forms.CharField(
        label="放行理由",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="写明不满足条件而仍予放行的依据，将记入办理记录和放行清单",
    )


class ThresholdForm(StyledModelForm):
    class Meta:
        model = PolicyThreshold
        fields = ["province", "region", "year", "amount", "effective_date", "basis"]
        widgets = {"effective_date": forms.DateInput}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = Region.objects.visible_to(user).filter(level=Region.Level.COUNTY)


class LabelForm(StyledForm):
    """The year's words (core.labels): 防止返贫致贫对象 from 2026 unless set otherwise."""

    year = forms.IntegerField(label="年度", min_value=2014, max_value=2100)
    population = forms.CharField(label="对象名称", max_length=20, initial="防止返贫致贫对象")
    household = forms.CharField(
        label="按户计数时的名称", max_length=20, required=False, help_text="留空同对象名称"
    )
    categories = forms.CharField(
        label="类别改名",
        max_length=200,
        required=False,
        help_text="如：边缘易致贫户=易致贫户；每项用分号隔开，未列出的类别沿用原名",
    )
    basis = forms.CharField(label="文件依据", max_length=200, required=False)

    def clean_categories(self) -> dict[str, str]:
        out: dict[str, str] = {}
        raw = self.cleaned_data.get("categories", "")
        for part in raw.replace("；", ";").split(";"):
            if not part.strip():
                continue
            code, sep, label = part.replace("＝", "=").partition("=")
            if not sep or not code.strip() or not label.strip():
                raise forms.ValidationError(f"“{part.strip()}”应写成 原类别=新名称")
            out[code.strip()] = label.strip()
        return out


class DeadlineForm(StyledForm):
    """The time limits: the default row, or (with 适用年度) those of procedures started from a
    year on. The income formula is one for every year (it is kept on the default row)."""

    year = forms.IntegerField(
        label="适用年度（留空为默认时限）",
        required=False,
        min_value=2021,
        max_value=2100,
        help_text="填写年度的，该年度起算的程序按此时限（如本省自该年起改为20个工作日）",
    )
    name = forms.CharField(label="名称", max_length=60)
    working_days = forms.BooleanField(label="按工作日计算（否则按自然日）", required=False)
    warn_days = forms.IntegerField(label="预警提前天数", min_value=0, max_value=30)
    notice_days = forms.IntegerField(
        label="公示天数（不少于，含首尾）", min_value=1, max_value=30, initial=5
    )
    after_spending_formula = forms.CharField(label="扣除刚性支出后人均收入公式", max_length=120)

    def __init__(self, *args: Any, policy: DeadlinePolicy, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "year": policy.year,
                "name": policy.name,
                "working_days": policy.working_days,
                "warn_days": policy.warn_days,
                "notice_days": policy.notice_days,
                "after_spending_formula": policy.after_spending_formula,
                **{f"days_{s}": policy.days_for(s) for s in StepCode.values},
            },
        )
        super().__init__(*args, **kwargs)
        for code, label in StepCode.choices:
            self.fields[f"days_{code}"] = forms.IntegerField(
                label=f"{label}：自发现线索起第几天前完成", min_value=0, max_value=120
            )
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        days = [data.get(f"days_{s}") for s in StepCode.values]
        if all(d is not None for d in days) and days != sorted(days):  # type: ignore[type-var]
            raise ValidationError("各环节的时限应按办理顺序递增")
        return data

    def step_days(self) -> dict[str, int]:
        return {s: self.cleaned_data[f"days_{s}"] for s in StepCode.values}


MATERIAL_LEVELS = [("", "不需要"), (OPTIONAL, "可选"), (REQUIRED, "必需")]


class MaterialsForm(StyledForm):
    """Which materials each step asks for, required or optional (承诺授权书 only at the 入户核查
    of an identification)."""

    def __init__(self, *args: Any, policy: DeadlinePolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for step, step_label in StepCode.choices:
            current = policy.materials_for(step)
            for kind, label in MATERIALS.items():
                if kind == "evidence" or (kind == "consent" and step != StepCode.VISIT):
                    continue
                self.fields[f"{step}__{kind}"] = forms.ChoiceField(
                    label=f"{step_label}：{label}",
                    choices=MATERIAL_LEVELS,
                    required=False,
                    initial=current.get(kind, ""),
                )
        style(self)

    def grid(self) -> tuple[list[str], list[tuple[str, list[Any]]]]:
        """Material labels, and per step its label with a bound field per material (or None)."""
        kinds = [k for k in MATERIALS if k != "evidence"]
        rows = [
            (
                str(label),
                [self[f"{step}__{k}"] if f"{step}__{k}" in self.fields else None for k in kinds],
            )
            for step, label in StepCode.choices
        ]
        return [MATERIALS[k] for k in kinds], rows

    def materials(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {step: {} for step in StepCode.values}
        for name, value in self.cleaned_data.items():
            step, kind = name.split("__")
            if value:
                out[step][kind] = value
        return out


class EliminationPolicyForm(StyledModelForm):
    class Meta:
        model = EliminationPolicy
        fields = [
            "year",
            "min_months",
            "green_min_months",
            "natural_min_months",
            "min_measures",
            "natural_min_measures",
            "stable_months",
        ]

    def validate_unique(self) -> None:
        """An existing year is updated by the service, not refused."""


class NoticeContactForm(StyledModelForm):
    class Meta:
        model = NoticeContact
        fields = ["region", "unit", "phone"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = Region.objects.visible_to(user).filter(
            level__in=[Region.Level.COUNTY, Region.Level.TOWN]
        )

    def clean_phone(self) -> str:
        return valid_phone(self.cleaned_data.get("phone"))

    def validate_unique(self) -> None:
        """An existing region is updated by the service, not refused."""


class HolidayForm(StyledModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name"]
        widgets = {"date": forms.DateInput}

    def validate_unique(self) -> None:
        """An existing date is updated by the service, not refused."""


class DeclarationForm(StyledForm):
    """The public form (rule 30): the minimum fields, proxies allowed."""

    name = forms.CharField(label="户主姓名", max_length=60)
    id_number = forms.CharField(label="身份证号", max_length=22)
    phone = forms.RegexField(
        label="手机号码",
        regex=r"^1\d{10}$",
        max_length=11,
        error_messages={"invalid": "请填写11位手机号码"},
    )
    risks = forms.MultipleChoiceField(
        label="风险类型",
        choices=partial(codes.choices, "risk"),
        widget=forms.CheckboxSelectMultiple,
    )
    difficulty = forms.CharField(
        label="家庭困难情况", max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    proxy_name = forms.CharField(
        label="代为申报人姓名（本人申报可不填）", required=False, max_length=60
    )
    consent = forms.BooleanField(
        label="本人（或委托人）承诺所填信息真实，同意工作人员入户核实家庭经济状况",
        error_messages={"required": "请勾选承诺"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_checkboxes(self)

    def clean_id_number(self) -> str:
        check = idnumber.check(self.cleaned_data["id_number"])
        if check.errors:
            raise ValidationError("；".join(check.errors))
        return check.value

    def clean_risks(self) -> list[str]:
        risks = self.cleaned_data["risks"]
        if len(risks) > 5:
            raise ValidationError("风险类型最多选5项")
        return list(risks)


class TicketForm(StyledForm):
    ticket = forms.CharField(label="受理编号", max_length=20)
    phone = forms.CharField(label="申报时填写的手机号码", max_length=11)


class CodeYearForm(forms.Form):
    """The year the code-tables page shows (this year when blank)."""

    year = forms.IntegerField(label="年度", required=False, min_value=2021, max_value=2100)


class CodeEditForm(forms.Form):
    """One button of the code-tables page; the service checks the value and the table."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("add", "retire", "restore", "alias", "unalias")]
    )
    table = forms.CharField(max_length=60)
    value = forms.CharField(label="代码值", required=False, max_length=200, strip=False)
    alias = forms.CharField(label="别名", required=False, max_length=200, strip=False)
    year = forms.IntegerField(label="起始年度", required=False)
