# "By when" is gone: an answer says when the action was done (0004 kept every "by when" that
# was not the date done in the answer's text).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0004_merge_what_was_done"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="actionresponse",
            name="planned_by",
        ),
        migrations.AlterField(
            model_name="actionresponse",
            name="what_done",
            field=models.TextField(verbose_name="what was done"),
        ),
    ]
