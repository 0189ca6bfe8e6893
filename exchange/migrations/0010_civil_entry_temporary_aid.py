"""W_CIVIL_ENTRY did not warn of 临时救助, which policy.md §7 lists among what 民政 pushes (new
低保, 特困, 临时救助). A rule whose types are still the old default takes the new one, and its
old name the new; types a county chose are kept."""

from django.db import migrations

CODE = "W_CIVIL_ENTRY"
OLD_TYPES = ["农村低保", "农村特困", "低保边缘", "刚性支出困难"]
NEW_TYPES = ["农村低保", "农村特困", "临时救助", "低保边缘", "刚性支出困难"]
OLD_NAME = "新纳入低保/特困/低保边缘/刚性支出困难"
NEW_NAME = "新纳入低保/特困/临时救助/低保边缘/刚性支出困难"


def _move(apps, types, name, to_types, to_name):
    Rule = apps.get_model("exchange", "Rule")
    for rule in Rule.objects.filter(code=CODE):
        if rule.parameters.get("aid_types") == types:
            rule.parameters["aid_types"] = to_types
        if rule.name == name:
            rule.name = to_name
        rule.save(update_fields=["parameters", "name"])


def forwards(apps, schema_editor):
    _move(apps, OLD_TYPES, OLD_NAME, NEW_TYPES, NEW_NAME)


def backwards(apps, schema_editor):
    _move(apps, NEW_TYPES, NEW_NAME, OLD_TYPES, OLD_NAME)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0009_med_selfpay_calendar_year")]

    operations = [migrations.RunPython(forwards, backwards)]
