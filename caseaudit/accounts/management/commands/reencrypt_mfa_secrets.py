"""Store every TOTP secret and recovery-code seed encrypted with the current key."""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from caseaudit.accounts.mfa_secrets import authenticators_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt the MFA secrets (authenticator apps, recovery codes) with the current key: "
        "after a new MFA_ENCRYPTION_KEY (the old one in MFA_ENCRYPTION_KEYS_OLD) or SECRET_KEY "
        "(the old one in SECRET_KEY_FALLBACKS), and for any secret still in plaintext. Then the "
        "old key can be removed. Safe to run again."
    )

    def handle(self, *args, **options):
        changed, unreadable = authenticators_reencrypt(authenticator_model=Authenticator)
        self.stdout.write(f"{changed} authenticators re-encrypted with the current key.")
        if unreadable:
            raise CommandError(
                f"{unreadable} authenticators could not be decrypted with any configured key "
                "and were left as they were: put the key they were encrypted with in "
                "MFA_ENCRYPTION_KEYS_OLD (or SECRET_KEY_FALLBACKS), or their users must set up "
                "their authenticator again."
            )
