"""Attachments named by kind: the stored dotted path of the maker becomes `attachment_kind`,
its `{"audit_id": N}` argument `attachment_object_id`. A path not in the mapping (none was
ever used but the audit PDF) loses its attachment; the email goes without it."""

from django.db import migrations

# Old dotted path -> (kind, the argument that is the object's id).
OLD_PATHS = {
    "caseaudit.responses.attachments.audit_pdf": ("audit_pdf", "audit_id"),
}


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.exclude(attachment_factory="").only(
        "pk", "attachment_factory", "attachment_args"
    )
    for row in rows.iterator():
        kind, argument = OLD_PATHS.get(row.attachment_factory, ("", None))
        object_id = (row.attachment_args or {}).get(argument) if argument else None
        if not kind or object_id is None:
            kind, object_id = "", None
        Notification.objects.filter(pk=row.pk).update(
            attachment_kind=kind, attachment_object_id=object_id
        )


def backwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for path, (kind, argument) in OLD_PATHS.items():
        for row in Notification.objects.filter(attachment_kind=kind).only(
            "pk", "attachment_object_id"
        ):
            Notification.objects.filter(pk=row.pk).update(
                attachment_factory=path, attachment_args={argument: row.attachment_object_id}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_email_once_digest_named_attachments"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
