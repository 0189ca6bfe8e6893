"""A phone is each member's own (formats.md §1): the household's phone, kept until now on the
household, becomes its 户主's where the head has none, so exports and re-imports keep it."""

from django.db import migrations


def forwards(apps, schema_editor):
    schema_editor.execute(
        "UPDATE registry_person SET phone = (SELECT h.phone FROM registry_household h"
        " WHERE h.id = registry_person.household_id)"
        " WHERE relation = '户主' AND is_member AND phone = ''"
        " AND household_id IN (SELECT id FROM registry_household WHERE phone <> '')"
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_household_exit_events")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
