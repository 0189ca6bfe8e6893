"""Messages written before they were masked (a 残疾人证号 in full) are masked as new ones are."""

from django.db import migrations

from core.masking import mask_numbers


def forwards(apps, schema_editor):
    Item = apps.get_model("exchange", "Item")
    found = Item.objects.filter(message__regex=r"[0-9]{11}").values_list("pk", "message")
    for pk, message in found.iterator(chunk_size=2000):
        masked = mask_numbers(message)
        if masked != message:
            Item.objects.filter(pk=pk).update(message=masked)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_item_region_from_household")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
