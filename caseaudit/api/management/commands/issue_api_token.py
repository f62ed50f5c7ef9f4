"""Issue an API token from the command line (for automation): prints the secret once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from caseaudit.api.services import api_token_issue, api_user_find


class Command(BaseCommand):
    help = "Issue an API token to an account (by username or email) and print it once."

    def add_arguments(self, parser):
        parser.add_argument("account", help="The account's username or email address.")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, account, name, **options):
        user = api_user_find(identifier=account)
        if user is None:
            raise CommandError(f'No account has the username or email "{account}".')
        try:
            token, secret = api_token_issue(
                user=user, name=name or "Issued from the command line", by=None
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(
            f"Token {token.prefix}… issued to {user.get_username()} ({token.name}). "
            "It is shown once, below: keep it in a secret store."
        )
        self.stdout.write(secret)
