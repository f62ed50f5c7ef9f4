"""Issue an API token to a service account from the command line: prints the secret once.

Tokens act as their account, so the command line issues them to service accounts only
(`create_service_account`); a person issues their own on the API tokens page."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caseaudit.api.services import api_token_issue, api_user_find


class Command(BaseCommand):
    help = "Issue an API token to a service account (by username) and print it once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("account", help="The service account's username.")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Days until it expires (API_TOKEN_DAYS)."
        )

    def handle(self, *args: Any, account: str, name: str, days: int | None, **options: Any) -> None:
        user = api_user_find(identifier=account)
        if user is None:
            raise CommandError(f'No account has the username or email "{account}".')
        try:
            token, secret = api_token_issue(
                user=user, name=name or "Issued from the command line", by=None, days=days
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(
            f"Token {token.prefix}… issued to {user.get_username()} ({token.name}), expiring "
            f"{token.expires_at:%Y-%m-%d}. It is shown once, below: keep it in a secret store."
        )
        self.stdout.write(secret)
