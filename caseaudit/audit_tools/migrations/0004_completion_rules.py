from django.db import migrations, models


class Migration(migrations.Migration):
    """Completion rules as data: a question may have to be answered before an audit can be
    completed, and a scaling band may need restorative actions."""

    dependencies = [
        ("audit_tools", "0003_toolchange"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="required",
            field=models.BooleanField(
                default=False,
                help_text="The audit cannot be completed until this question is answered.",
            ),
        ),
        migrations.AddField(
            model_name="scalingband",
            name="actions_required",
            field=models.BooleanField(
                default=False,
                help_text="A section scaled in this band needs at least one restorative action "
                "before the audit can be completed.",
            ),
        ),
        migrations.AlterField(
            model_name="toolchange",
            name="action",
            field=models.CharField(
                choices=[
                    ("draft_created", "Draft created"),
                    ("draft_discarded", "Draft discarded"),
                    ("section_added", "Section added"),
                    ("section_updated", "Section changed"),
                    ("section_deleted", "Section deleted"),
                    ("section_moved", "Section moved"),
                    ("question_added", "Question added"),
                    ("question_updated", "Question changed"),
                    ("question_deleted", "Question deleted"),
                    ("question_moved", "Question moved"),
                    ("published", "Published"),
                    ("retired", "Retired"),
                    ("imported", "Imported as a draft"),
                    ("bands_updated", "Scaling bands changed"),
                    ("completion_rules", "Completion rules added"),
                ],
                max_length=20,
            ),
        ),
    ]
