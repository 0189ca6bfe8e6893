"""`{{ code|year_category:labels }}`: a 监测对象类别 code in the year's words (core.labels);
`{{ text|year_words:labels }}`: a fixed text (a ledger's help) in them (监测户 → 防止返贫致贫对象).

`labels` is the request's (core.labels.context): read once per request, and only when a page
shows a category, so a list of many households costs no query per row.
"""

from __future__ import annotations

from django import template

from core.labels import Labels

register = template.Library()


@register.filter
def year_category(code: str, labels: Labels | str) -> str:
    """The code itself where a page has no `labels` (rendered without a request)."""
    return labels.category(code) if code and isinstance(labels, Labels) else code


@register.filter
def year_words(text: str, labels: Labels | str) -> str:
    """The text itself where a page has no `labels` (rendered without a request)."""
    return labels.words(text) if text and isinstance(labels, Labels) else text
