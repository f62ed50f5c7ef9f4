import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Issue 16: an auditor discards a draft started by mistake (kept, read-only, with the
    reason); completion rules need a reason when family contact was not appropriate, and a
    restorative action names the section it answers."""

    dependencies = [
        ("audit_tools", "0004_completion_rules"),
        ("audits", "0005_audit_tool_case"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="audit",
            name="audit_completed_has_time",
        ),
        migrations.AddField(
            model_name="audit",
            name="contact_not_appropriate_reason",
            field=models.TextField(blank=True, verbose_name="why contact was not appropriate"),
        ),
        migrations.AddField(
            model_name="audit",
            name="discard_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="audit",
            name="discarded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="audit",
            name="discarded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="restorativeaction",
            name="section",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="audit_tools.section",
            ),
        ),
        migrations.AlterField(
            model_name="audit",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("completed", "Completed"),
                    ("discarded", "Discarded"),
                ],
                default="draft",
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="audit",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "completed"), _negated=True)
                | models.Q(("completed_at__isnull", False)),
                name="audit_completed_has_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="audit",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "discarded"), _negated=True)
                | models.Q(("discarded_at__isnull", False)),
                name="audit_discarded_has_time",
            ),
        ),
    ]
