"""行政区划: 县(市、区) › 乡镇 › 行政村 › 村民小组 as one tree with materialised paths."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> RegionQuerySet:
        """The user's region and everything below it."""
        region = getattr(user, "region", None) if getattr(user, "is_authenticated", False) else None
        if region is None:
            return self.none()
        return self.filter(path__startswith=region.path)

    def active(self) -> RegionQuerySet:
        return self.filter(retired=False)

    def below(self, region: Region) -> RegionQuerySet:
        """The region and all its descendants."""
        return self.filter(path__startswith=region.path)

    def counties_of(self, region: Region | None) -> RegionQuerySet:
        """The active counties `region` belongs to: the county at or above it, or every county
        below a region above county level (every county for None: a command acts for all)."""
        counties = self.filter(level=Region.Level.COUNTY, retired=False)
        if region is None:
            return counties
        above = [int(x) for x in region.path.strip("/").split("/") if x]
        return counties.filter(models.Q(pk__in=above) | models.Q(path__startswith=region.path))

    def scopes(self, region: Region | None) -> list[Region]:
        """[`region`], or every county for None: a check over the whole server (a command)
        reads county by county where it needs one region (a county's figures, its tree)."""
        return [region] if region is not None else list(self.counties_of(None).order_by("pk"))

    def villages(self) -> RegionQuerySet:
        """Active 行政村 (village level, not a 社区)."""
        return self.filter(level=Region.Level.VILLAGE, retired=False, is_community=False)

    def communities(self) -> RegionQuerySet:
        """Active 社区 (village level)."""
        return self.filter(level=Region.Level.VILLAGE, retired=False, is_community=True)


class Region(models.Model):
    """One node of the region tree. `path` is the chain of ids ("/1/4/17/") for subtree queries."""

    class Level(models.IntegerChoices):
        COUNTY = 1, _("县(市、区)")
        TOWN = 2, _("乡镇")
        VILLAGE = 3, _("行政村")
        GROUP = 4, _("村民小组")

    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        blank=True,
        default="",
        validators=[RegexValidator(r"^\d{12}$", "区划代码应为12位数字")],
    )
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    # The (parent, name) index serves a lookup by parent: none of its own.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False, default="")
    retired = models.BooleanField(_("已撤销"), default=False)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    # Village-level attributes (the reports: "22个村（其中有三个脱贫村…），2个社区").
    is_community = models.BooleanField(
        _("社区"), default=False, help_text=_("村级的社区（居委会），不计入行政村数")
    )
    is_alleviated_village = models.BooleanField(_("脱贫村"), default=False)
    is_key_village = models.BooleanField(_("重点帮扶村"), default=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="region_code_unique"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="region_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is None and self.level != self.Level.COUNTY:
            raise ValidationError({"parent": "只有县(市、区)可以没有上级"})
        if self.parent is not None and self.level != self.parent.level + 1:
            raise ValidationError(
                {
                    "level": f"{self.parent.get_level_display()}的下级应为"
                    f"{self.Level(self.parent.level + 1).label}"
                }
            )

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def path_ids(self) -> list[int]:
        """The ids from the root down to this region's own."""
        return [int(x) for x in self.path.strip("/").split("/") if x]

    def ancestors(self) -> list[Region]:
        """From the root down to the parent (one query)."""
        ids = self.path_ids[:-1]
        by_id = Region.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def full_name(self) -> str:
        """金山店镇/朝阳村 style path of names (from the county)."""
        return "/".join([r.name for r in self.ancestors()] + [self.name])

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)

    def place(self) -> str:
        """Where a household is, as people name it: 乡镇/行政村 (/组 when known), never the 组
        alone and without the county everyone shares."""
        return place_names([self])[self.pk]


def place_names(regions: Iterable[Region]) -> dict[int, str]:
    """`Region.place()` for many regions with one query for all their ancestors (list pages)."""
    regions = [r for r in regions if r is not None]
    ids = {int(x) for r in regions for x in r.path.strip("/").split("/") if x}
    known = {r.pk: (r.name, r.level) for r in regions}
    missing = ids - set(known)
    if missing:
        known.update(
            (pk, (name, level))
            for pk, name, level in Region.objects.filter(pk__in=missing).values_list(
                "pk", "name", "level"
            )
        )
    names = {}
    for r in regions:
        chain = [known.get(int(x)) for x in r.path.strip("/").split("/") if x] or [
            (r.name, r.level)
        ]
        parts = [name for name, level in filter(None, chain) if level > Region.Level.COUNTY]
        names[r.pk] = "/".join(parts) or r.name
    return names


def own_region(user: Any) -> Region:
    """The user's own region; 404 for a user without one."""
    from django.http import Http404

    region = getattr(user, "region", None)
    if region is None:
        raise Http404("未找到")
    return region


def requested_region(request: Any) -> Region:
    """`?region=pk` among the regions the user may see, else the user's own region."""
    if request.GET.get("region"):
        return get_visible_region_or_404(request.user, request.GET["region"])
    return own_region(request.user)


def visible_parent(user: Any, region: Region) -> Region | None:
    """The region's parent when the user may see it (a "上级" link), else None: a town or
    village user's page must not link to the county, which answers 404."""
    if region.parent_id is None:
        return None
    return Region.objects.visible_to(user).filter(pk=region.parent_id).first()


def get_visible_region_or_404(user: Any, pk: Any) -> Region:
    """A region the user may see, or 404."""
    from django.http import Http404

    try:
        region = Region.objects.visible_to(user).filter(pk=pk).first()
    except (ValueError, TypeError):  # ?region=abc
        region = None
    if region is None:
        raise Http404("未找到区划")
    return region
