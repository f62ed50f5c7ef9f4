from django.db import migrations, models


class Migration(migrations.Migration):
    """Closure audits pending (the compliance report, the due page) find the cases that have a
    Closure Record from this index alone, not from the audit rows."""

    dependencies = [
        ("audits", "0004_sectionanswer_section_scale"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="audit",
            index=models.Index(fields=["tool_version", "case"], name="audit_tool_case"),
        ),
    ]
