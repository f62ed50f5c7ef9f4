"""Allocations whose audit was reopened (a draft again) were left "completed" before the
programme app listened for reopening: they are started."""

from django.db import migrations


def reopened_started(apps, schema_editor):
    Allocation = apps.get_model("programme", "Allocation")
    Allocation.objects.filter(status="completed", audit__status="draft").update(status="started")


class Migration(migrations.Migration):
    dependencies = [
        ("programme", "0001_initial"),
        ("audits", "0002_audit_best_first_index"),
    ]

    operations = [migrations.RunPython(reopened_started, migrations.RunPython.noop)]
