"""`{{ text|mask_numbers }}`: a free text, a file name or a record's note with every ID number
(a 残疾人证号 too) and mobile number in it masked as the register masks them (core.masking).

For what people type or upload and pages show as it is: a lead's 困难情况, a visit's notes, a
step's opinion, an evidence file's name, a change log's values. A page shows the register's
numbers masked to everyone (full ones only through the logged 显示 button or an audited export),
so a number inside such a text is masked for everyone too. Mask before cutting a text short
(`|mask_numbers|truncatechars:30`): a number cut in two is no longer recognised as one.

`{{ text|mask_numbers:full_numbers }}` keeps the numbers where `full_numbers` is true: a page
whose view asked `core.audit.shows_full_numbers` (the viewer's right, the sight logged) for the
texts it prints — a household's 家庭住址, a pairing's 联系人 — as the API and exports do.
"""

from __future__ import annotations

from typing import Any

from django import template

from core.masking import mask_numbers as mask

register = template.Library()


@register.filter
def mask_numbers(value: Any, full: bool = False) -> str:
    if value is None or value == "":
        return ""
    return str(value) if full else mask(str(value))
