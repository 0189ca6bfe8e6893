"""Forms of the 责任落实 pages (the ledgers' own forms come from their layouts)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.dates import today
from core.forms import StyledForm
from duty.models import SOURCES, GridRole, Pairing, Review, Status, WorkTeamMember
from regions.models import Region


def region_choices(viewer: Any, *, deepest: int, shallowest: int = 1) -> list[tuple[str, str]]:
    """The viewer's regions between two levels, indented, in tree order."""
    rows = (
        Region.objects.visible_to(viewer)
        .active()
        .filter(level__gte=shallowest, level__lte=deepest)
        .order_by("path")
        .values_list("pk", "name", "level")
    )
    return [(str(pk), "\u3000" * (level - 1) + name) for pk, name, level in rows]


class RegionField(forms.ChoiceField):
    """A region the viewer may see, as a Region (choices set by the form)."""

    def clean(self, value: Any) -> Region | None:  # type: ignore[override]
        value = super().clean(value)
        return Region.objects.filter(pk=value).first() if value else None


class ProblemFilter(StyledForm):
    q = forms.CharField(label="查询", required=False, max_length=40)
    region = RegionField(label="区划", required=False)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Status.choices]
    )
    source = forms.ChoiceField(
        label="问题来源", required=False, choices=[("", "全部"), *[(s, s) for s in SOURCES]]
    )
    alert = forms.ChoiceField(
        label="时限", required=False, choices=[("", "全部"), ("orange", "临期"), ("red", "逾期")]
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", "全部区划"), *region_choices(viewer, deepest=3)]


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(
        label="审核结论",
        choices=[(Review.Action.CLOSE, "同意销号"), (Review.Action.RETURN, "退回整改")],
    )
    note = forms.CharField(label="审核意见", max_length=500, widget=forms.Textarea({"rows": 2}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea({"rows": 2}))


class ProgressForm(StyledForm):
    text = forms.CharField(label="整改进展", max_length=500, widget=forms.Textarea({"rows": 2}))
    date = forms.DateField(label="日期", initial=today)


class EvidenceForm(StyledForm):
    file = forms.FileField(label="佐证材料", help_text="JPG、PNG照片或PDF文件")


class RuleForm(StyledForm):
    rule_code = forms.CharField(label="关联规则编码", max_length=40, required=False)
    scope = RegionField(label="规则范围", required=False)

    def __init__(self, *args: Any, viewer: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = self.fields["scope"]
        assert isinstance(scope, forms.ChoiceField)
        inside = Region.objects.below(region).active().filter(level__lte=3).order_by("path")
        scope.choices = [("", "问题所在区划")] + [
            (str(r.pk), "\u3000" * (r.level - region.level) + r.name) for r in inside
        ]


class FromItemsForm(StyledForm):
    rule_code = forms.ChoiceField(label="规则")
    region = RegionField(label="区划")
    deadline = forms.DateField(label="整改时限")
    lead_unit = forms.CharField(label="牵头单位", max_length=100, required=False)
    unit = forms.CharField(label="责任单位", max_length=100, required=False)
    responsible = forms.CharField(label="责任人", max_length=60, required=False)

    def __init__(self, *args: Any, viewer: Any, rules: list[dict], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = self.fields["rule_code"]
        assert isinstance(rule, forms.ChoiceField)
        rule.choices = [(r["code"], f"{r['code']} {r['name']}（{r['count']}条）") for r in rules]
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = region_choices(viewer, deepest=3)


class RotateForm(StyledForm):
    on = forms.DateField(label="轮换日期（接任人驻村开始）")
    name = forms.CharField(label="接任人姓名", max_length=60)
    unit = forms.CharField(label="派出单位", max_length=100, required=False)
    post = forms.ChoiceField(label="队内职务", choices=WorkTeamMember.Post.choices)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)


class GridUnitForm(StyledForm):
    region = RegionField(label="所在区划")
    name = forms.CharField(
        label="网格名称", max_length=60, required=False, help_text="空为区划名称"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = region_choices(viewer, deepest=4)


class GridRoleForm(StyledForm):
    role = forms.ChoiceField(label="职责", choices=GridRole.Role.choices)
    user: forms.ModelChoiceField = forms.ModelChoiceField(
        label="系统用户",
        queryset=None,  # type: ignore[arg-type]  # set per viewer
        required=False,
    )
    name = forms.CharField(
        label="姓名", max_length=60, required=False, help_text="不是系统用户时填写"
    )
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    start = forms.DateField(label="开始日期", initial=today)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        from accounts.models import User

        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = User.objects.visible_to(viewer).filter(is_active=True).order_by("username")


class AssignForm(StyledForm):
    member = forms.ChoiceField(label="网格员")
    households = forms.CharField(
        label="户编号",
        widget=forms.Textarea({"rows": 3}),
        help_text="每行或以逗号分隔填写户编号",
    )

    def __init__(self, *args: Any, members: list[GridRole], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        assert isinstance(member, forms.ChoiceField)
        member.choices = [(str(m.pk), m.name) for m in members]

    def numbers(self) -> list[str]:
        raw = self.cleaned_data["households"].replace("，", ",").replace("\n", ",")
        return [n.strip() for n in raw.split(",") if n.strip()]


class PairingForm(StyledForm):
    village = RegionField(label="村")
    kind = forms.ChoiceField(label="帮扶类型", choices=Pairing.Kind.choices)
    unit = forms.CharField(label="帮扶单位（或县领导）", max_length=100)
    contact = forms.CharField(label="联系人", max_length=60, required=False)
    start = forms.DateField(label="开始日期")
    end = forms.DateField(label="结束日期", required=False)
    note = forms.CharField(label="帮扶内容", max_length=300, required=False)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = [
            (pk, name.strip("\u3000"))
            for pk, name in region_choices(viewer, deepest=3, shallowest=3)
        ]
