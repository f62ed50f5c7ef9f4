from django.db import migrations


class Migration(migrations.Migration):
    """The dotted path and its arguments are gone: attachments are named kinds (0003)."""

    dependencies = [
        ("notifications", "0003_attachment_kinds_from_dotted_paths"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="notification",
            name="attachment_args",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="attachment_factory",
        ),
    ]
