"""`{% benefits_by_year household %}`: the household page's 政策享受 section (a template include,
so the register's page needs no import of this app)."""

from __future__ import annotations

from typing import Any

from django import template

from benefits.services import household_benefits

register = template.Library()


@register.inclusion_tag("benefits/_household_benefits.html")
def benefits_by_year(household: Any) -> dict[str, Any]:
    return {"years": household_benefits(household)}
