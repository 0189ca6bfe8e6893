"""Audit records, written by services inside the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models

from core.middleware import current_request
from core.models import AuditRecord


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


def audit_objects(actor: Any, action: str, rows: list[AuditRecord]) -> None:
    """Bulk-insert prepared audit records (imports write thousands at once)."""
    info = current_request()
    for row in rows:
        row.actor = actor if getattr(actor, "pk", None) else None
        row.action = row.action or action
        if info:
            row.request_id, row.ip = info.request_id, info.ip
    AuditRecord.objects.bulk_create(rows, batch_size=2000)
