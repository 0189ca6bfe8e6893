"""Region tree changes (create, rename, move, retire), each audited, and name resolution."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from core import audit
from core.audit import snapshot
from core.fastinsert import Inserter
from regions.models import Region


def _check_unique(region: Region) -> None:
    """Clear Chinese messages for the uniqueness rules (Django's generic one names nothing)."""
    siblings = Region.objects.filter(parent=region.parent, name=region.name).exclude(pk=region.pk)
    if siblings.exists():
        where = region.parent.name if region.parent else "顶层"
        raise ValidationError({"name": f"{where}下已有名为“{region.name}”的区划"})
    if region.code:
        clash = Region.objects.filter(code=region.code).exclude(pk=region.pk).first()
        if clash:
            raise ValidationError({"code": f"区划代码{region.code}已被“{clash.full_name()}”使用"})


@transaction.atomic
def create_region(
    *, actor: Any, name: str, level: int, parent: Region | None = None, code: str = ""
) -> Region:
    """Create a region under `parent` (None only for a county)."""
    region = Region(name=name.strip(), level=level, parent=parent, code=code.strip())
    _check_unique(region)
    region.full_clean()
    region.save()
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    region.save(update_fields=["path"])
    audit.record(
        actor=actor, action="create", obj=region, after=snapshot(region), region_id=region.pk
    )
    return region


@transaction.atomic
def create_tree(
    *, actor: Any, paths: list[tuple[str, ...]], known: dict[tuple[str, ...], int], note: str = ""
) -> dict[tuple[str, ...], int]:
    """Create many regions at once (a county's first import): `paths` are name paths from the
    county down (a path's parent is in `known` or in `paths`), written with reserved ids and their
    `path` already known, in one batch of INSERTs, with one audit record naming them all. Returns
    every path's id.

    Names are checked like `create_region`'s (no empty or over-long name); two siblings of the same
    name cannot arise, since each path is created once.
    """
    ids = dict(known)
    # Parents before children; within a level, in the order given.
    new = sorted(dict.fromkeys(p for p in paths if p not in ids), key=len)
    for path in new:
        name = path[-1].strip()
        if not name or len(name) > 60:
            raise ValidationError({"name": f"区划名称“{name}”为空或超过60个字"})
    parents = {ids[p[:-1]] for p in new if p[:-1] in ids}
    tree_path = dict(Region.objects.filter(pk__in=parents).values_list("pk", "path"))
    inserter = Inserter(Region)
    rows = []
    for path, pk in zip(new, inserter.reserve(len(new)), strict=True):
        parent = ids.get(path[:-1])
        ids[path] = pk
        tree_path[pk] = f"{tree_path[parent] if parent else '/'}{pk}/"
        rows.append(
            {
                "id": pk,
                "name": path[-1].strip(),
                "level": len(path),
                "parent_id": parent,
                "path": tree_path[pk],
            }
        )
    inserter.insert(rows)
    if new:
        audit.record(
            actor=actor,
            action="create",
            object_type="regions.region",
            object_repr=f"批量新建区划{len(new)}个",
            after={"regions": ["/".join(p) for p in new]},
            note=(note or "批量新建区划")[:500],
        )
    return ids


@transaction.atomic
def update_region(
    *,
    actor: Any,
    region: Region,
    name: str,
    code: str = "",
    is_community: bool | None = None,
    is_alleviated_village: bool | None = None,
    is_key_village: bool | None = None,
) -> Region:
    """Rename a region, change its code or its village attributes (社区, 脱贫村, 重点帮扶村;
    None leaves one as it is; only a village-level region carries them)."""
    before = snapshot(region)
    region.name, region.code = name.strip(), code.strip()
    flags = {
        "is_community": is_community,
        "is_alleviated_village": is_alleviated_village,
        "is_key_village": is_key_village,
    }
    for field, value in flags.items():
        if value is not None:
            if value and region.level != Region.Level.VILLAGE:
                raise ValidationError({field: "只有村级区划可以标注社区、脱贫村或重点帮扶村"})
            setattr(region, field, value)
    _check_unique(region)
    region.full_clean()
    region.save(update_fields=["name", "code", *flags])
    audit.record(
        actor=actor,
        action="update",
        obj=region,
        before=before,
        after=snapshot(region),
        region_id=region.pk,
    )
    return region


@transaction.atomic
def move_region(*, actor: Any, region: Region, new_parent: Region) -> Region:
    """Move a region (and its subtree) under another parent of the level above."""
    if new_parent.path.startswith(region.path):
        raise ValidationError({"parent": "不能移动到自身或其下级之下"})
    if new_parent.level != region.level - 1:
        raise ValidationError({"parent": "新的上级级别不对"})
    if Region.objects.filter(parent=new_parent, name=region.name).exclude(pk=region.pk).exists():
        raise ValidationError({"parent": f"{new_parent.name}下已有同名区划“{region.name}”"})
    before = snapshot(region)
    old_path = region.path
    new_path = f"{new_parent.path}{region.pk}/"
    Region.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    Region.objects.filter(pk=region.pk).update(parent=new_parent)
    region.refresh_from_db()
    audit.record(
        actor=actor,
        action="update",
        obj=region,
        before=before,
        after=snapshot(region),
        region_id=region.pk,
        note="移动区划",
    )
    return region


@transaction.atomic
def set_retired(*, actor: Any, region: Region, retired: bool) -> Region:
    """Retire (撤销) or restore a region and its subtree; records stay, pickers hide it."""
    before = snapshot(region)
    Region.objects.filter(path__startswith=region.path).update(retired=retired)
    region.refresh_from_db()
    audit.record(
        actor=actor,
        action="update",
        obj=region,
        before=before,
        after=snapshot(region),
        region_id=region.pk,
        note="撤销区划" if retired else "恢复区划",
    )
    return region


def resolve(ref: str, within: Region | None = None) -> Region:
    """Find a region by 12-digit code, unique name, or a path of names like 大冶市/金山店镇/朝阳村.

    Raises Region.DoesNotExist or ValidationError (ambiguous) with a Chinese message.
    """
    ref = ref.strip()
    qs = Region.objects.all()
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    if ref.isdigit() and len(ref) == 12:
        found = qs.filter(code=ref).first()
        if found:
            return found
    parts = [p for p in ref.replace("\\", "/").split("/") if p.strip()]
    if not parts:
        raise Region.DoesNotExist("区划为空")
    candidates = list(qs.filter(name=parts[-1].strip()))
    if len(parts) > 1:
        wanted = [p.strip() for p in parts]
        candidates = [c for c in candidates if _names(c)[-len(wanted) :] == wanted]
    if not candidates:
        raise Region.DoesNotExist(f"找不到区划“{ref}”")
    if len(candidates) > 1:
        names = ", ".join(c.full_name() for c in candidates[:5])
        # A county has hundreds of 一组: say how many the five named stand for.
        more = f"等{len(candidates)}处" if len(candidates) > 5 else ""
        raise ValidationError(f"区划“{ref}”不唯一（{names}{more}），请写出上级名称")
    return candidates[0]


def _names(region: Region) -> list[str]:
    return region.full_name().split("/")
