from django.db import migrations, models


class Migration(migrations.Migration):
    """The case history records a draft audit discarded by its auditor."""

    dependencies = [
        ("cases", "0003_case_event_import_kinds"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("closed", "Closed"),
                    ("imported", "Added by an import"),
                    ("updated", "Changed by an import"),
                    ("audit_discarded", "Draft audit discarded"),
                ],
                max_length=24,
            ),
        ),
    ]
