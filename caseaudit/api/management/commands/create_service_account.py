"""Create a service account: an account for a system (not a person) that API tokens may be
issued to. It cannot sign in to the pages; it sees what Performance Assurance sees."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caseaudit.api.services import service_account_create


class Command(BaseCommand):
    help = "Create a service account for a system that uses the API."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="Letters, digits and hyphens, e.g. bi-export.")
        parser.add_argument("--name", required=True, help="The system that uses it.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        try:
            account = service_account_create(username=username, name=name, by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Service account {account.user.username} ({account.name}) created. Issue it a "
            f"token with: manage.py issue_api_token {account.user.username} --name ..."
        )
