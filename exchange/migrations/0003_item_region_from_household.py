"""Items found before items had a region take their household's."""

from django.db import migrations


def forwards(apps, schema_editor):
    schema_editor.execute(
        "UPDATE exchange_item SET region_id = (SELECT h.region_id FROM registry_household h"
        " WHERE h.id = exchange_item.household_id) WHERE region_id IS NULL"
    )


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_item_region"), ("registry", "0006_household_number_digits")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
