"""Encrypt the TOTP secrets and recovery-code seeds stored in plaintext before
caseaudit.accounts.adapter.EncryptingMFAAdapter (with the key the settings give: run `migrate`
with the same MFA_ENCRYPTION_KEY / SECRET_KEY as the server). Backwards, decrypt them."""

from django.db import migrations

from caseaudit.accounts.mfa_secrets import authenticators_reencrypt


def encrypt(apps, schema_editor):
    authenticators_reencrypt(authenticator_model=apps.get_model("mfa", "Authenticator"))


def decrypt(apps, schema_editor):
    authenticators_reencrypt(
        authenticator_model=apps.get_model("mfa", "Authenticator"), plaintext=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_cache_table"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
