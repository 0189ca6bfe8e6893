"""Audit records, written by services inside the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from core.masking import mask_numbers
from core.middleware import current_request
from core.models import AuditRecord
from core.permissions import Cap, can


def plain(value: Any) -> Any:
    """A value as the audit trail keeps it: dates and decimals as text, objects by id."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, exclude: Iterable[str] = ("created_at", "updated_at")) -> dict:
    """The object's concrete field values as JSON-ready data (foreign keys as ids)."""
    skip = set(exclude)
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in skip:
            continue
        data[f.name] = plain(getattr(obj, f.attname))
    return data


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    household_id: int | None = None,
    region_id: int | None = None,
    note: str = "",
) -> AuditRecord:
    """Write one audit record; call it inside the transaction that makes the change."""
    info = current_request()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditRecord.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=before,
        after=after,
        household_id=household_id,
        region_id=region_id,
        note=note[:500],
        request_id=info.request_id if info else "",
        ip=info.ip if info else "",
    )


def log_full_numbers(
    *,
    actor: Any,
    obj: models.Model,
    texts: Iterable[Any],
    note: str,
    region_id: int | None,
    household_id: int | None = None,
) -> None:
    """Record that a page showed `actor` full ID or mobile numbers (a 查阅记录 entry), when any
    of `texts` (the cells it showed in full) holds one."""
    if any(isinstance(t, str) and mask_numbers(t) != t for t in texts):
        record(
            actor=actor,
            action="view_sensitive",
            obj=obj,
            household_id=household_id,
            region_id=region_id,
            note=note,
        )


def shows_full_numbers(
    *,
    actor: Any,
    obj: models.Model,
    texts: Iterable[Any],
    note: str,
    region_id: int | None,
    household_id: int | None = None,
) -> bool:
    """Whether a page prints the numbers in its free `texts` in full for `actor` (the template's
    `|mask_numbers:full_numbers`): only for a user who may see full numbers, and the sight is
    logged (`log_full_numbers`) as the API's and the 显示 button's are."""
    if not can(actor, Cap.REVEAL):
        return False
    log_full_numbers(
        actor=actor,
        obj=obj,
        texts=texts,
        note=note,
        region_id=region_id,
        household_id=household_id,
    )
    return True


def audit_objects(actor: Any, action: str, rows: list[AuditRecord]) -> None:
    """Bulk-insert prepared audit records (imports write thousands at once)."""
    info = current_request()
    for row in rows:
        row.actor = actor if getattr(actor, "pk", None) else None
        row.action = row.action or action
        if info:
            row.request_id, row.ip = info.request_id, info.ip
    AuditRecord.objects.bulk_create(rows, batch_size=2000)


# --- Reading audit records: Chinese labels and values (变更记录) -------------------------------

# Full ID numbers, phones and birth dates (which rebuild a masked number) never appear in a
# change log; reveal them on the object instead. Any other value is shown with the numbers in it
# masked (core.masking.mask_numbers), and so are a record's `object_repr` and `note` on the pages
# that list records (`|mask_numbers`).
MASKED_FIELDS = frozenset({"id_number", "phone", "birth_date"})


@dataclass
class Change:
    """One changed field of an audit record, as a reader sees it."""

    label: str
    before: str
    after: str


@dataclass
class Described:
    """An audit record with its changes described in Chinese."""

    record: AuditRecord
    changes: list[Change] = field(default_factory=list)

    @property
    def object_label(self) -> str:
        """The model's verbose name (线索, 识别案件, 户…) or the stored type."""
        model = _model(self.record.object_type)
        return str(model._meta.verbose_name) if model else self.record.object_type


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # an old record may name a field that no longer exists
        return None


def _label(f: Any, name: str, model: Any = None) -> str:
    """A field's Chinese name; a reverse relation a record counts (a visit's `photos`) is named by
    its model (走访照片), as it has no verbose name of its own. A model names the values it logs
    that are not fields, or fields better named than their verbose name, in `audit_labels`; a
    foreign key left with Django's English default (`resolved by`) is named by its model."""
    own = getattr(model, "audit_labels", None) or {}
    if name in own:
        return str(own[name])
    if f is None:
        return name
    if f.auto_created and not f.concrete:
        return str(f.related_model._meta.verbose_name)
    if f.is_relation and str(f.verbose_name) == name.replace("_", " "):
        return str(f.related_model._meta.verbose_name)
    return str(f.verbose_name)


def show_value(value: Any, f: Any = None, related: dict | None = None) -> str:
    """A stored audit value as a reader sees it: choices by label, 是/否, dates, lists."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if f is not None and getattr(f, "choices", None) and not isinstance(value, list | dict):
        labels = {str(k): str(v) for k, v in f.flatchoices}
        if str(value) in labels:
            return labels[str(value)] or "—"
    if related is not None and f is not None and f.is_relation:
        obj = related.get(value)
        return str(obj) if obj is not None else f"（编号{value}，已删除）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, str):
        if value.startswith(",") and value.endswith(",") and len(value) > 1:
            return "、".join(v for v in value.split(",") if v)  # the register's multi-values
        if len(value) >= 19 and value[4] == "-" and value[10] == "T":
            return f"{value[:10]} {value[11:16]}"  # an ISO datetime
        return value
    if isinstance(value, list):
        return "、".join(show_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{show_value(v)}" for k, v in value.items())
    return str(value)


def _shown(model: Any, name: str, value: Any, f: Any, related: dict | None) -> str:
    """A model may name its own codes (`audit_value(field, value)` → text, or None)."""
    own = getattr(model, "audit_value", None)
    text = own(name, value) if own is not None and value not in (None, "") else None
    return text if text is not None else show_value(value, f, related)


def describe(
    records: Iterable[AuditRecord],
    *,
    hidden: Iterable[str] = ("id",),
    masked: Iterable[str] = MASKED_FIELDS,
) -> list[Described]:
    """变更记录 of any models: each record's changed fields with the model's Chinese field names
    and values (choices by label, foreign keys by the object's name, 是/否, dates).

    One query per related model on the page, whatever the number of records.
    """
    rows = list(records)
    hide, mask = set(hidden), set(masked)
    wanted: dict[type[models.Model], set[Any]] = {}
    for r in rows:
        model = _model(r.object_type)
        for name, before, after in r.changed_fields():
            f = _field(model, name)
            if f is not None and f.is_relation and f.many_to_one and name not in hide:
                wanted.setdefault(f.related_model, set()).update(
                    v for v in (before, after) if v is not None
                )
    related = {
        target: target._default_manager.in_bulk([v for v in ids if isinstance(v, int)])
        for target, ids in wanted.items()
    }
    described = []
    for r in rows:
        model = _model(r.object_type)
        order = {f.name: i for i, f in enumerate(model._meta.fields)} if model else {}
        changes = []
        for name, before, after in sorted(r.changed_fields(), key=lambda c: order.get(c[0], 999)):
            if name in hide:
                continue
            f = _field(model, name)
            label = _label(f, name, model)
            if name in mask:
                shown = ("（已隐藏）" if before else "—", "（已隐藏）" if after else "—")
            else:
                rel = related.get(f.related_model) if f is not None and f.is_relation else None
                # A free text (困难情况, 走访情况, a file's name) may hold a number in full.
                shown = (
                    mask_numbers(_shown(model, name, before, f, rel)),
                    mask_numbers(_shown(model, name, after, f, rel)),
                )
            if shown[0] != shown[1]:
                changes.append(Change(label, *shown))
        described.append(Described(r, changes))
    return described
