"""Forms of the project pages: a household to benefit, a 变更批复, the progress filters."""

from __future__ import annotations

from django import forms

from core.forms import StyledForm
from projects.models import CATEGORIES


class BeneficiaryForm(StyledForm):
    number = forms.CharField(label="户编号", max_length=30)
    how = forms.CharField(
        label="带动方式",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：务工、土地流转、分红"}),
    )


class ApprovalForm(StyledForm):
    change = forms.IntegerField(widget=forms.HiddenInput)
    document_no = forms.CharField(label="批复文号", max_length=100)
    approved_on = forms.DateField(label="批复日期")
    note = forms.CharField(label="说明", max_length=500, required=False)


class ProgressFilter(StyledForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    batch = forms.CharField(label="批次", required=False, max_length=40)
    category = forms.ChoiceField(
        label="项目类别",
        required=False,
        choices=[("", "全部类别"), *((c, c) for c in CATEGORIES)],
    )
