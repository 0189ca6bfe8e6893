"""What exchange offers the other work apps (core.hooks), so they need not import it: the open
items (预警 and 疑点) of a rule in a region, for the rectification ledger's 关联规则."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from core.hooks import provide
from exchange.engine import ensure_rules
from exchange.models import Item, ItemQuerySet, Rule


def _open_below(region: Any) -> ItemQuerySet:
    items = Item.objects.open()
    if region is not None and region.parent_id is not None:
        items = items.filter(region__path__startswith=region.path)
    return items


@provide("exchange.open_items")
def open_items(rule_code: str, region: Any) -> int:
    """How many items of the rule `rule_code` are still open (待核实 or 已分派) in `region` and
    below (everywhere when `region` is None or the county)."""
    return _open_below(region).filter(rule__code=rule_code).count()


@provide("exchange.open_item_rules")
def open_item_rules(region: Any) -> list[dict[str, Any]]:
    """The rules with open items in `region` and below: [{code, name, rule_id, count}], by code."""
    rows = (
        _open_below(region)
        .values("rule_id", "rule__code", "rule__name")
        .annotate(count=Count("pk"))
        .order_by("rule__code")
    )
    return [
        {
            "code": r["rule__code"],
            "name": r["rule__name"],
            "rule_id": r["rule_id"],
            "count": r["count"],
        }
        for r in rows
    ]


@provide("exchange.rule")
def rule(code: str) -> dict[str, Any] | None:
    """The rule with this code as {id, code, name} (a built-in or registered check counts before
    its first run), or None when the system has no such rule."""
    found = Rule.objects.filter(code=code).first() or ensure_rules().get(code)
    return {"id": found.pk, "code": found.code, "name": found.name} if found else None
