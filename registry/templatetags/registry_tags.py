"""Template helpers of the register: the region tree navigator and the list's filter selects.

Both build their markup in Python with the standard library's escape: a county has hundreds of
villages, and a template loop (or format_html) over them costs more than the page's database work.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

from registry.forms import AnyRegion

register = template.Library()


@register.inclusion_tag("includes/region_nav.html", takes_context=True)
def region_nav(
    context: dict[str, Any], regions: Sequence[AnyRegion], selected: AnyRegion | None = None
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
    base = escape(f"?{query.urlencode()}&region=" if query else "?region=")

    def link(r: AnyRegion) -> str:
        css = "fw-bold text-danger" if selected is not None and selected.pk == r.pk else ""
        return f'<a href="{base}{r.pk}" class="{css}">{escape(r.name)}</a>'

    root = regions[0] if regions else None
    children: dict[int | None, list[AnyRegion]] = {}
    for r in regions[1:]:
        children.setdefault(r.parent_id, []).append(r)
    branches = [
        {
            "link": mark_safe(link(branch)),
            "children": mark_safe(
                "".join(f"<li>{link(c)}</li>" for c in children.get(branch.pk, []))
            ),
            "open": selected is not None and selected.path.startswith(branch.path),
        }
        for branch in (children.get(root.pk, []) if root else [])
    ]
    # Every interpolated part above is escaped, so the joined markup is safe.
    return {"root": root, "root_link": mark_safe(base), "branches": branches, "selected": selected}


@register.simple_tag
def filter_select(field: BoundField) -> SafeString:
    """A <select> that submits its form on change; the empty choice reads「label：全部」."""
    current = "" if field.value() is None else str(field.value())
    options = "".join(
        f'<option value="{escape(str(value))}"{" selected" if str(value) == current else ""}>'
        f"{escape(str(label if value else f'{field.label}：{label}'))}</option>"
        for value, label in field.field.choices  # type: ignore[attr-defined]
    )
    # Every interpolated value is escaped.
    return mark_safe(
        f'<select name="{escape(field.html_name)}" id="{escape(field.id_for_label)}"'
        f' class="form-select form-select-sm" title="{escape(str(field.label))}"'
        f" data-autosubmit>{options}</select>"
    )
