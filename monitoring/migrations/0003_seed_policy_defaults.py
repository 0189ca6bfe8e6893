"""Seed example 监测范围 rows and the default deadline policy.

The thresholds are EXAMPLES taken from policy.md §2 (no national value was verifiable): the county
admin must check them against the province's own notice and edit them on 监测识别 › 政策设置.
Province 42 (湖北, the default FANGPIN_PROVINCE) carries the same illustrative values.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

NOTE = "示例值，请按本省当年公布的监测范围核实修改"
ROWS = [
    # province, year, amount, effective date, basis
    ("42", 2023, "7300", dt.date(2023, 3, 1), NOTE),
    ("42", 2024, "8700", dt.date(2024, 3, 1), NOTE),
    ("42", 2025, "8700", dt.date(2025, 3, 1), NOTE),
    ("42", 2026, "8700", dt.date(2026, 3, 1), NOTE),
    ("53", 2023, "8050", dt.date(2023, 3, 1), "云南省（元谋县公开文件）"),
    ("53", 2024, "8700", dt.date(2024, 3, 1), "云南省"),
    ("53", 2025, "8700", dt.date(2025, 3, 1), "云农办通〔2025〕1号"),
    ("35", 2023, "10560", dt.date(2023, 3, 1), "闽振兴函〔2023〕8号"),
    ("52", 2023, "7300", dt.date(2023, 3, 1), "贵州省（数据核查规则）"),
    ("36", 2024, "8500", dt.date(2024, 3, 1), "江西省赣州南康区公开文件"),
]
STEP_DAYS = {"visit": 3, "compare": 5, "review": 7, "notice": 12, "town": 14, "county": 15}


def seed(apps, schema_editor):
    Threshold = apps.get_model("monitoring", "PolicyThreshold")
    Policy = apps.get_model("monitoring", "DeadlinePolicy")
    for province, year, amount, effective, basis in ROWS:
        Threshold.objects.get_or_create(
            province=province,
            region=None,
            year=year,
            defaults={"amount": Decimal(amount), "effective_date": effective, "basis": basis},
        )
    if not Policy.objects.exists():
        Policy.objects.create(name="默认时限（全程15天）", working_days=False, step_days=STEP_DAYS)


def unseed(apps, schema_editor):
    apps.get_model("monitoring", "PolicyThreshold").objects.filter(basis__in=[r[4] for r in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_cases_policy_declarations")]
    operations = [migrations.RunPython(seed, unseed)]
