import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caseaudit.audit_tools.services import tools_import, tools_import_band_notes


class Command(BaseCommand):
    help = (
        "Load a tools file (as printed by export_tools) as new draft versions. "
        "If anything is wrong, every problem is listed and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON tools file.")
        parser.add_argument(
            "--by",
            metavar="EMAIL",
            help="Record this user (by email) as the one who imported the tools.",
        )

    def handle(self, *args, file, by=None, **options):
        path = Path(file)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from error
        user = None
        if by:
            user = get_user_model().objects.filter(email__iexact=by).first()
            if user is None:
                raise CommandError(f"No user with the email {by}.")
        try:
            versions = tools_import(data=data, by=user, source=path.name)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(f"- {message}")
            count = len(error.messages)
            raise CommandError(
                f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was imported."
            ) from error
        for version in versions:
            self.stdout.write(
                f"{version.tool.code}: draft version {version.number} of {version.tool.name}"
            )
        self.stdout.write(f"Imported {len(versions)} tool(s) as drafts: review, then publish.")
        for note in tools_import_band_notes(data=data):
            self.stdout.write(f"Scaling bands not applied (change them on the bands page): {note}")
