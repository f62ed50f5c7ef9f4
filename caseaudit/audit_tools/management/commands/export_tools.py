import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caseaudit.audit_tools.services import tools_export


class Command(BaseCommand):
    help = "Print the published audit tools as JSON (the format import_tools reads)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code",
            action="append",
            dest="codes",
            metavar="CODE",
            help="Only this tool (repeat for several), e.g. --code generic.",
        )

    def handle(self, *args, codes=None, **options):
        try:
            document = tools_export(codes=codes)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
