"""Region forms for county admins."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import StyledForm
from regions.models import Region


class RegionForm(StyledForm):
    name = forms.CharField(label="名称", max_length=60)
    code = forms.RegexField(
        label="区划代码",
        regex=r"^\d{12}$",
        required=False,
        error_messages={"invalid": "区划代码应为12位数字"},
    )
    is_community = forms.BooleanField(label="社区（不计入行政村）", required=False)
    is_alleviated_village = forms.BooleanField(label="脱贫村", required=False)
    is_key_village = forms.BooleanField(label="重点帮扶村", required=False)


class MoveForm(StyledForm):
    parent = forms.ModelChoiceField(label="移动到", queryset=Region.objects.none())

    def __init__(self, *args: Any, region: Region, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = (
            Region.objects.visible_to(viewer)
            .active()
            .filter(level=region.level - 1)
            .exclude(pk=region.parent_id)
        )
