"""An uploaded file's and its error workbook's paths are kept relative to the data dir
(core.models.DataFileField): a backup restored into another data dir finds them there. The paths
recorded whole before become relative too."""

from django.db import migrations

import core.models


def relative(apps, schema_editor):
    batch = apps.get_model("imports", "ImportBatch")
    core.models.relative_data_files(batch, "stored_path", "errors_path", folder="imports")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_batch_kind"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importbatch",
            name="errors_path",
            field=core.models.DataFileField(
                blank=True, max_length=400, verbose_name="错误说明文件"
            ),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="stored_path",
            field=core.models.DataFileField(max_length=400, verbose_name="保存位置"),
        ),
        migrations.RunPython(relative, migrations.RunPython.noop),
    ]
