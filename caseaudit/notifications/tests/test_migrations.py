"""0003: stored dotted paths become named attachment kinds."""

import importlib

from caseaudit.factories import StaffFactory
from caseaudit.notifications.models import Notification

migration = importlib.import_module(
    "caseaudit.notifications.migrations.0003_attachment_kinds_from_dotted_paths"
)


class OldRow:
    """A row as 0002 left it: the old columns beside the new ones."""

    def __init__(self, pk, factory, args):
        self.pk, self.attachment_factory, self.attachment_args = pk, factory, args


class FakeQuerySet:
    def __init__(self, rows):
        self.rows = rows

    def exclude(self, **kwargs):
        return self

    def only(self, *names):
        return self

    def iterator(self):
        return iter(self.rows)


class FakeApps:
    def __init__(self, rows):
        self.rows = rows

    def get_model(self, app, name):
        rows = self.rows

        class Manager:
            def exclude(self, **kwargs):
                return FakeQuerySet([r for r in rows if r.attachment_factory])

            def filter(self, **kwargs):
                return Notification.objects.filter(**kwargs)

        class Model:
            objects = Manager()

        return Model


def test_the_old_dotted_path_becomes_the_audit_pdf_kind(db):
    staff = StaffFactory()
    made = [
        Notification.objects.create(
            recipient=staff, kind="response_required", subject="s", body="b", idempotency_key=k
        )
        for k in ("pdf", "unknown", "none")
    ]
    rows = [
        OldRow(made[0].pk, "caseaudit.responses.attachments.audit_pdf", {"audit_id": 42}),
        OldRow(made[1].pk, "os.system", {"command": "rm -rf /"}),
        OldRow(made[2].pk, "", {}),
    ]
    migration.forwards(FakeApps(rows), None)
    got = {
        n.idempotency_key: (n.attachment_kind, n.attachment_object_id)
        for n in Notification.objects.all()
    }
    assert got == {"pdf": ("audit_pdf", 42), "unknown": ("", None), "none": ("", None)}
