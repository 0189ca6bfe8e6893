"""Monitoring services. `create_lead` is the one entry point every channel uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit, codes
from core.audit import snapshot
from monitoring.models import Lead
from regions.models import Region
from registry.models import Household


@transaction.atomic
def create_lead(
    *,
    actor: Any,
    source: str,
    reported_date: dt.date,
    region: Region | None = None,
    household: Household | None = None,
    risks: Iterable[str] = (),
    description: str = "",
    person_name: str = "",
    id_number: str = "",
    phone: str = "",
    reporter_name: str = "",
    origin: str = "",
) -> Lead:
    """Register a lead. A lead for a household that already has an open lead is merged into it."""
    if source not in codes.LEAD_SOURCES:
        raise ValidationError({"source": f"线索来源“{source}”不在代码表中"})
    region = household.region if household is not None else region
    if region is None:
        raise ValidationError({"region": "请选择所在村"})
    risk_values = [r for r in risks if r]
    unknown = [r for r in risk_values if r not in codes.RISKS]
    if unknown:
        raise ValidationError({"risks": f"风险类型“{'、'.join(unknown)}”不在代码表中"})
    lead = Lead(
        region=region,
        household=household,
        source=source,
        risks=codes.join_multi(risk_values),
        description=description,
        person_name=person_name,
        id_number=id_number,
        phone=phone,
        reporter=actor if getattr(actor, "pk", None) else None,
        reporter_name=reporter_name,
        reported_date=reported_date,
        origin=origin,
    )
    if household is not None:
        existing = Lead.objects.open().filter(household=household).order_by("id").first()
        if existing is not None:
            lead.status = Lead.Status.MERGED
            lead.merged_into = existing
    lead.full_clean()
    lead.save()
    audit.record(
        actor=actor,
        action="create",
        obj=lead,
        after=snapshot(lead),
        household_id=household.pk if household else None,
        region_id=region.pk,
    )
    return lead
