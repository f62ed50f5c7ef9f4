# One answer per restorative action: "date done" and "evidence" join
# "what was done". Migration 0004 fills them from the old answers; 0005 drops "by when".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0002_response_draft"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionresponse",
            name="done_on",
            field=models.DateField(blank=True, null=True, verbose_name="date done"),
        ),
        migrations.AddField(
            model_name="actionresponse",
            name="evidence",
            field=models.TextField(
                blank=True,
                help_text="Where the work can be seen: the record entry, document or meeting.",
            ),
        ),
    ]
