"""W_EDU_DROPOUT warned of 16-year-olds: policy.md §6 counts 义务教育阶段适龄儿童少年 as aged 6–15.
A rule whose ages are still the old default takes the new one; ages a county set are kept."""

from django.db import migrations

OLD, NEW = {"min_age": 6, "max_age": 16}, {"min_age": 6, "max_age": 15}


def forwards(apps, schema_editor):
    Rule = apps.get_model("exchange", "Rule")
    for rule in Rule.objects.filter(code="W_EDU_DROPOUT"):
        if rule.parameters == OLD:
            rule.parameters = NEW
            rule.save(update_fields=["parameters"])


def backwards(apps, schema_editor):
    Rule = apps.get_model("exchange", "Rule")
    for rule in Rule.objects.filter(code="W_EDU_DROPOUT"):
        if rule.parameters == NEW:
            rule.parameters = OLD
            rule.save(update_fields=["parameters"])


class Migration(migrations.Migration):
    dependencies = [("exchange", "0007_batch_matched_regions")]

    operations = [migrations.RunPython(forwards, backwards)]
