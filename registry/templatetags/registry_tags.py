"""Template helpers of the register: the region tree navigator."""

from __future__ import annotations

from typing import Any

from django import template

from regions.models import Region

register = template.Library()


@register.inclusion_tag("includes/region_nav.html", takes_context=True)
def region_nav(
    context: dict[str, Any], regions: list[Region], selected: Region | None = None
) -> dict[str, Any]:
    """A collapsible town › village tree of `regions` (loaded once, in path order).

    Each link keeps the page's other filters (`?region=<pk>&…`, without `page`); the branch holding
    the selected region starts open.
    """
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    if query is not None:
        query.pop("page", None)
        query.pop("region", None)
    base = query.urlencode() if query else ""
    root = regions[0] if regions else None
    children: dict[int | None, list[Region]] = {}
    for r in regions[1:]:
        children.setdefault(r.parent_id, []).append(r)
    branches = [
        {
            "region": branch,
            "children": children.get(branch.pk, []),
            "open": selected is not None and selected.path.startswith(branch.path),
        }
        for branch in (children.get(root.pk, []) if root else [])
    ]
    return {"root": root, "branches": branches, "selected": selected, "base": base}
