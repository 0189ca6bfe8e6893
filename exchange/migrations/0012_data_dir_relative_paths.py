"""A department batch's rows file is kept relative to the data dir (core.models.DataFileField): a
backup restored into another data dir finds it there. The paths recorded whole before become
relative too."""

from django.db import migrations

import core.models


def relative(apps, schema_editor):
    batch = apps.get_model("exchange", "Batch")
    core.models.relative_data_files(batch, "rows_file", folder="exchange")


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0011_rule_settings_per_county"),
    ]

    operations = [
        migrations.AlterField(
            model_name="batch",
            name="rows_file",
            field=core.models.DataFileField(blank=True, max_length=300, verbose_name="明细文件"),
        ),
        migrations.RunPython(relative, migrations.RunPython.noop),
    ]
