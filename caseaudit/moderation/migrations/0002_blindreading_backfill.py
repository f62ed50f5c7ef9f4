"""Hide the auditor's scales from the moderators already named (docs/moderation.md, "Blind
moderation"): one `audits.BlindReading` for each moderation proposed or assigned with a
moderator, as `services.blind_readings_sync` keeps them from now on."""

from django.db import migrations


def backfill(apps, schema_editor):
    Moderation = apps.get_model("moderation", "Moderation")
    BlindReading = apps.get_model("audits", "BlindReading")
    BlindReading.objects.bulk_create(
        [
            BlindReading(audit_id=audit_id, staff_id=moderator_id)
            for audit_id, moderator_id in Moderation.objects.filter(
                status__in=("proposed", "assigned"), moderator__isnull=False
            ).values_list("audit_id", "moderator_id")
        ],
        ignore_conflicts=True,
    )


def remove(apps, schema_editor):
    apps.get_model("audits", "BlindReading").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0009_blindreading"),
        ("moderation", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, remove)]
