"""Forms of the import pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from core import pipeline
from core.forms import StyledForm
from core.tabular import unsupported_type


class UploadForm(StyledForm):
    kind = forms.ChoiceField(label="文件类型", initial="registry", required=False)
    file = forms.FileField(
        label="文件",
        help_text=".xlsx 或 .csv（UTF-8 或 GB18030）；标准户籍台账表头须含“证件号码”，"
        "各台账按其模板的表头",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(name, spec.name) for name, spec in pipeline.kinds().items()]

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or "registry"

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in {".xlsx", ".csv"}:
            raise forms.ValidationError(unsupported_type(suffix))
        limit = settings.UPLOAD_MAX_BYTES  # FANGPIN_UPLOAD_MAX_MB, as for department files
        if (upload.size or 0) > limit:
            raise forms.ValidationError(
                f"文件超过{limit // (1024 * 1024)}MB，请按乡镇拆分后分别导入"
            )
        return upload


class ConfirmForm(StyledForm):
    create_regions = forms.BooleanField(
        label="创建区划（新建文件中系统没有的区划）", required=False
    )
