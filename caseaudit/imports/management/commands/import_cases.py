from django.core.management.base import BaseCommand

from caseaudit.imports.models import ImportVia
from caseaudit.imports.services import case_file_import

from ._common import read_file, report


class Command(BaseCommand):
    help = (
        "Import a case list: the CSV template, an Ofsted Annex A workbook or SSDA903 tables. "
        "All or nothing: any error and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the case list (SSDA903: the header table)")
        parser.add_argument(
            "--format",
            dest="source_format",
            choices=["csv", "annex-a", "ssda903"],
            default="",
            help="the file's format (worked out from the file when left out)",
        )
        parser.add_argument("--episodes", help="SSDA903: the episodes table")
        parser.add_argument(
            "--team",
            default="",
            help="team (name or code) for new cases the file gives no team: required for "
            "SSDA903, used by Annex A rows whose team is empty or #N/A",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, but write nothing"
        )

    def handle(self, *args, file, source_format, episodes, team, dry_run, **options):
        data, name = read_file(file)
        episodes_data, episodes_name = read_file(episodes) if episodes else (None, "")
        report(
            self,
            lambda: case_file_import(
                file=data,
                file_name=name,
                by=None,
                source_format=source_format,
                episodes=episodes_data,
                episodes_name=episodes_name or "episodes.csv",
                default_team=team,
                dry_run=dry_run,
                via=ImportVia.COMMAND,
            ),
        )
