"""Who may see what: one rule, applied by every model's `visible_to(user)`.

A user bound to a region sees that region and everything below it. Objects outside answer 404
(`get_visible_or_404`), so nobody can probe which ids exist elsewhere.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.http import Http404


def whole_tree(region: Any) -> bool:
    """Whether `region` is the whole region tree: a root (a county) with no other beside it.

    Asked once per region object (a request's user's region, a job's actor's): a database that
    holds a second county makes each county admin's region a subtree like any other."""
    if region.parent_id is not None:
        return False
    alone = region.__dict__.get("_whole_tree")
    if alone is None:
        roots = type(region)._default_manager.filter(parent__isnull=True)
        alone = region.__dict__["_whole_tree"] = not roots.exclude(pk=region.pk).exists()
    return alone


def narrow(qs: Any, region: Any, field: str = "region") -> Any:
    """`qs` cut to the rows whose `field` (a region) lies in `region` or below: None and the whole
    tree cut nothing (commands, the one county), a county beside another cuts to itself."""
    if region is None or whole_tree(region):
        return qs
    return qs.filter(**{f"{field}__path__startswith": region.path})


def region_q(user: Any, field: str = "region") -> Q:
    """A filter matching objects whose `field` lies in the user's region or below.

    Anonymous users and users without a region match nothing.
    """
    region = getattr(user, "region", None) if getattr(user, "is_authenticated", False) else None
    if region is None:
        return Q(pk__in=[])
    if whole_tree(region):
        # Everything. Skipping the join keeps county lists fast. Not Q(): an empty Q vanishes
        # when OR-ed (`region_q(u) | Q(x)` would mean only x); the negated empty IN is "always
        # true" and compiles to no condition at all.
        return ~Q(pk__in=[])
    # The region's own model (regions.Region) finds the subtree; core names no app.
    inside = type(region)._default_manager.filter(path__startswith=region.path).values("pk")
    return Q(**{f"{field}__in": inside})


class ScopedQuerySet(models.QuerySet):
    """QuerySet with `visible_to(user)`; subclasses name the path to the region."""

    region_field = "region"

    def visible_to(self, user: Any) -> Self:
        """Only the rows the user's region covers."""
        return self.filter(region_q(user, self.region_field))


def get_visible_or_404(queryset: ScopedQuerySet, user: Any, **lookup: Any) -> Any:
    """Fetch one object the user may see, or 404 (never 403)."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到") from exc
