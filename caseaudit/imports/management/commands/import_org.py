from django.core.management.base import BaseCommand

from caseaudit.imports.models import ImportVia
from caseaudit.imports.services import staff_file_import

from ._common import read_file, report


class Command(BaseCommand):
    help = (
        "Import a staff list (CSV: staff_id,name,email,role,team,service_area,line_manager_id): "
        "service areas, teams, staff, their accounts and line management. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the staff list (CSV, or an Excel workbook)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, but write nothing"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="the file is the whole workforce: mark anyone not in it as left",
        )
        parser.add_argument(
            "--allow-new-teams",
            action="store_true",
            help="create the teams and service areas the file names that do not exist yet "
            "(without it, an unknown name is refused as a likely typo)",
        )

    def handle(self, *args, file, dry_run, full, allow_new_teams, **options):
        data, name = read_file(file)
        report(
            self,
            lambda: staff_file_import(
                file=data,
                file_name=name,
                by=None,
                full=full,
                dry_run=dry_run,
                allow_new_teams=allow_new_teams,
                via=ImportVia.COMMAND,
            ),
        )
