"""Changes beside the project ledgers: the households a project benefits (联农带农) and the
approvals of changes to its 建设内容 or budget (变更批复). Audited, scoped, by capability."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from core import audit
from core.batching import chunks
from core.models import AuditRecord
from core.permissions import Cap, require
from projects.models import (
    PLAN_FIELDS,
    PLAN_LABELS,
    Approval,
    Beneficiary,
    Project,
    ProjectPayment,
)
from registry.models import Household


def _reach(project: Project) -> Any:
    """Where a project's beneficiaries may live: its town (a village project helps its
    neighbours too), or the county for a county project."""
    region = project.region
    return region.parent if region.level == 3 and region.parent_id else region


@transaction.atomic
def add_beneficiary(
    *, actor: Any, project: Project, household: Household, how: str = ""
) -> Beneficiary:
    """Record that `project` benefits `household` (联农带农)."""
    require(actor, Cap.EDIT_LEDGER, project.region)
    if not household.region.path.startswith(_reach(project).path):
        raise ValidationError(
            {"household": f"户{household.number}不在项目所在乡镇，不能登记为联农带农户"}
        )
    if Beneficiary.objects.filter(project=project, household=household).exists():
        raise ValidationError({"household": f"户{household.number}已登记为本项目的联农带农户"})
    row = Beneficiary.objects.create(project=project, household=household, how=how, added_by=actor)
    audit.record(
        actor=actor,
        action="create",
        obj=row,
        object_repr=f"项目{project.project_no}联农带农户{household.number}",
        after=audit.snapshot(row),
        household_id=household.pk,
        region_id=project.region_id,
    )
    return row


@transaction.atomic
def remove_beneficiary(*, actor: Any, row: Beneficiary) -> None:
    require(actor, Cap.EDIT_LEDGER, row.project.region)
    audit.record(
        actor=actor,
        action="delete",
        obj=row,
        object_repr=f"项目{row.project.project_no}联农带农户",
        before=audit.snapshot(row),
        household_id=row.household_id,
        region_id=row.project.region_id,
    )
    row.delete()


@transaction.atomic
def record_approval(
    *,
    actor: Any,
    project: Project,
    change_id: int,
    document_no: str,
    approved_on: dt.date,
    note: str = "",
) -> Approval:
    """Record the 变更批复 of one change of the project's 建设内容 or budget."""
    require(actor, Cap.EDIT_LEDGER, project.region)
    change = AuditRecord.objects.filter(
        pk=change_id,
        object_type=Project._meta.label_lower,
        object_id=str(project.pk),
        action="update",
    ).first()
    after = (change.after or {}) if change else {}
    if change is None or not any(k in after for k in PLAN_FIELDS):
        raise ValidationError("没有这条建设内容或资金的变更记录")
    if Approval.objects.filter(project=project, change_id=change_id).exists():
        raise ValidationError("这条变更已登记变更批复")
    if not document_no.strip():
        raise ValidationError({"document_no": "请填写批复文号"})
    row = Approval.objects.create(
        project=project,
        change_id=change_id,
        document_no=document_no.strip(),
        approved_on=approved_on,
        note=note,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=row,
        object_repr=f"项目{project.project_no}变更批复{row.document_no}",
        after=audit.snapshot(row),
        region_id=project.region_id,
    )
    return row


def plan_changes(projects: QuerySet) -> list[dict[str, Any]]:
    """Every change of 建设内容 or a fund column of these projects after they were recorded:
    [{id, project_id, at, actor, fields: {中文列名: (before, after)}, approval}] from the audit
    trail (imports keep only what changed, edits whole rows; both say before and after)."""
    ids = {str(pk): pk for pk in projects.values_list("pk", flat=True)}
    if not ids:
        return []
    records: list[AuditRecord] = []
    approvals: dict[int, Approval] = {}
    for chunk in chunks(list(ids)):
        records += AuditRecord.objects.filter(
            object_type=Project._meta.label_lower, action="update", object_id__in=chunk
        ).select_related("actor")
        approvals |= {
            a.change_id: a for a in Approval.objects.filter(project_id__in=[ids[k] for k in chunk])
        }
    records.sort(key=lambda r: (r.at, r.pk))
    out = []
    for r in records:
        before, after = r.before or {}, r.after or {}
        changed = {
            PLAN_LABELS[k]: (before.get(k), after.get(k))
            for k in PLAN_FIELDS
            if k in after and str(before.get(k) or "") != str(after.get(k) or "")
        }
        if changed:
            out.append(
                {
                    "id": r.pk,
                    "project_id": ids[r.object_id],
                    "at": r.at,
                    "actor": r.actor,
                    "fields": changed,
                    "approval": approvals.get(r.pk),
                }
            )
    return out


def after_project_write(*, actor: Any, values: Iterable[dict[str, Any]], how: str = "save") -> None:
    """The kit's hook after projects were imported or saved: a project moved to another region
    takes its payments along (a payment's region is its project's: formats.md §6), else they
    would stay visible, and counted, in the region it left."""
    numbers = {v["project_no"] for v in values if v.get("project_no")}
    label = ProjectPayment._meta.label_lower
    for chunk in chunks(sorted(numbers)):
        stale = ProjectPayment.objects.filter(project__project_no__in=chunk).exclude(
            region_id=F("project__region_id")
        )
        moved = list(stale.values_list("pk", "region_id", "project__region_id", "voucher_no"))
        to: dict[int, list[int]] = {}
        for pk, _, after, _ in moved:
            to.setdefault(after, []).append(pk)
        for region_id, pks in to.items():
            ProjectPayment.objects.filter(pk__in=pks).update(
                region_id=region_id, updated_at=timezone.now()
            )
        audit.audit_objects(
            actor,
            "update",
            [
                AuditRecord(
                    object_type=label,
                    object_id=str(pk),
                    object_repr=f"项目资金支付 {voucher}（随项目改变区划）",
                    before={"region_id": before},
                    after={"region_id": after},
                    region_id=after,
                )
                for pk, before, after, voucher in moved
            ],
        )
