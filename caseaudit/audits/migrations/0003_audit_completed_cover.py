from django.db import migrations, models


class Migration(migrations.Migration):
    """A covering index of completed audits (PostgreSQL builds it with INCLUDE; elsewhere a
    plain partial index): the reports count a period's audits from it alone."""

    dependencies = [
        ("audits", "0002_audit_best_first_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="audit",
            index=models.Index(
                condition=models.Q(("status", "completed")),
                fields=["completed_at"],
                include=(
                    "id",
                    "case",
                    "auditor",
                    "overall_scale",
                    "tool_version",
                    "contact_made",
                    "satisfaction",
                ),
                name="audit_completed_cover",
            ),
        ),
    ]
