from django.db import migrations, models


class Migration(migrations.Migration):
    """The findings report finds the few answers at the ends of a theme's scale by this."""

    dependencies = [
        ("audits", "0003_audit_completed_cover"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="sectionanswer",
            index=models.Index(fields=["section", "scale"], name="sectionanswer_section_scale"),
        ),
    ]
