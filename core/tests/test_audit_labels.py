"""变更记录 names every logged value in Chinese: never a field's English name (`section`,
`resolved by`) that a model logs without a verbose name."""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from core import audit
from core.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_logged_values_that_are_not_fields_are_named() -> None:
    screening = AuditRecord(
        action="update", object_type="assistance.screening", after={"section": 5, "done": True}
    )
    item = AuditRecord(
        action="update",
        object_type="exchange.item",
        before={"resolved_by": None, "first_batch": None},
        after={"resolved_by": 1, "first_batch": 1, "last_batch": 2, "lead": 3},
    )
    shown = {c.label: c.after for d in audit.describe([screening, item]) for c in d.changes}
    assert shown["填写问卷"] == "第6部分"
    assert {"处理人", "首次发现批次", "最近发现批次", "线索"} <= set(shown)


def test_every_field_of_every_model_has_a_chinese_name() -> None:
    ours = [
        m
        for m in apps.get_models()
        if m.__module__.split(".")[0] not in {"django", "axes"} and m._meta.app_label != "auth"
    ]
    english: list[str] = []
    for model in ours:
        names = [f.name for f in model._meta.concrete_fields if f.name != "id"]
        record = AuditRecord(
            action="update", object_type=model._meta.label_lower, after={n: "x" for n in names}
        )
        (described,) = audit.describe([record], hidden=(), masked=())
        english += [
            f"{model._meta.label_lower}.{c.label}"
            for c in described.changes
            if re.fullmatch(r"[a-z_ ]+", c.label)
        ]
    assert english == []
