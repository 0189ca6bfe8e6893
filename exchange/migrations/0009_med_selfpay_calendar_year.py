"""W_MED_SELFPAY added up 自付 over a rolling 12 months; policy.md §7 says "cumulative this year",
so it now counts from 1 January of the comparison date's year and has no 统计期间 (months) any
more. A stored rule drops that parameter (also from every year a county set) and takes the new
explanation if it still had the old one."""

from django.db import migrations

CODE = "W_MED_SELFPAY"
OLD = "近{months}个月个人自付医疗费用合计 {amount} 元，超过{grp}阈值 {threshold} 元"
NEW = "{year}年累计个人自付医疗费用 {amount} 元，超过{grp}阈值 {threshold} 元"


def forwards(apps, schema_editor):
    Rule = apps.get_model("exchange", "Rule")
    RuleYear = apps.get_model("exchange", "RuleYear")
    for rule in Rule.objects.filter(code=CODE):
        rule.parameters.pop("months", None)
        if rule.explanation == OLD:
            rule.explanation = NEW
        rule.save(update_fields=["parameters", "explanation"])
    for setting in RuleYear.objects.filter(rule__code=CODE):
        if "months" in setting.parameters:
            setting.parameters.pop("months")
            setting.save(update_fields=["parameters"])


def backwards(apps, schema_editor):
    Rule = apps.get_model("exchange", "Rule")
    for rule in Rule.objects.filter(code=CODE):
        rule.parameters = {"months": 12, **rule.parameters}
        if rule.explanation == NEW:
            rule.explanation = OLD
        rule.save(update_fields=["parameters", "explanation"])


class Migration(migrations.Migration):
    dependencies = [("exchange", "0008_dropout_ages_6_to_15")]

    operations = [migrations.RunPython(forwards, backwards)]
