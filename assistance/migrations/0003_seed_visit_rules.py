"""Default visit frequencies: monthly for 未消除风险 监测对象, quarterly otherwise (editable)."""

from django.db import migrations

DEFAULTS = {"monitored": 30, "eliminated": 90, "alleviated": 90}


def seed(apps, schema_editor):
    VisitRule = apps.get_model("assistance", "VisitRule")
    for target, days in DEFAULTS.items():
        VisitRule.objects.get_or_create(target=target, defaults={"interval_days": days})


def unseed(apps, schema_editor):
    apps.get_model("assistance", "VisitRule").objects.filter(target__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0002_contacts_visits_campaigns")]

    operations = [migrations.RunPython(seed, unseed)]
