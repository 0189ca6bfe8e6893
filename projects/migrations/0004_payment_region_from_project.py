"""Payments of a project moved to another region before they went along take its region."""

from django.db import migrations


def forwards(apps, schema_editor):
    schema_editor.execute(
        "UPDATE projects_projectpayment SET region_id = (SELECT p.region_id FROM projects_project p"
        " WHERE p.id = projects_projectpayment.project_id) WHERE project_id IS NOT NULL"
        " AND region_id <> (SELECT p.region_id FROM projects_project p"
        " WHERE p.id = projects_projectpayment.project_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_ledger_import_record")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
