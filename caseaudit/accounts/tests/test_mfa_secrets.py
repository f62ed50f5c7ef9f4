"""TOTP secrets and recovery-code seeds are encrypted in the database, and still work."""

import importlib
import json
from io import StringIO
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from caseaudit.accounts.mfa_secrets import MFASecretUnreadable, derived_key, secret_decrypt
from caseaudit.core.tests.test_project import run_settings

from .helpers import NOW, password_sign_in, totp_code

pytestmark = pytest.mark.usefixtures("require_mfa")

migration = importlib.import_module("caseaudit.accounts.migrations.0006_encrypt_mfa_secrets")
KEY_1 = Fernet.generate_key().decode()
KEY_2 = Fernet.generate_key().decode()


def stored_authenticator(staff, type_: str) -> Authenticator:
    return Authenticator.objects.get(user=staff.user, type=type_)


def stored(staff, type_: str) -> dict:
    return stored_authenticator(staff, type_).data


def reencrypt() -> str:
    out = StringIO()
    call_command("reencrypt_mfa_secrets", stdout=out)
    return out.getvalue()


def signs_in_with(client, staff, code: str) -> bool:
    client.post(reverse("account_logout"))
    password_sign_in(client, staff.user.email)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    return response.status_code == 302 and client.get(reverse("home")).status_code == 200


def at(monkeypatch, instant: int) -> str:
    """Move allauth's TOTP clock to `instant` (a new 30-second step: a code not used yet)."""
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: instant))
    return instant


def test_the_stored_secrets_are_encrypted_and_sign_in_still_works(client, totp_staff, settings):
    totp, recovery = stored(totp_staff, "totp"), stored(totp_staff, "recovery_codes")
    # Not the secret, nor anything that gives it away: a Fernet token under the key derived
    # from SECRET_KEY (MFA_ENCRYPTION_KEY is unset in the tests).
    assert totp_staff.totp_secret not in json.dumps(totp)
    assert totp["secret"].startswith("gAAAAA")
    fernet = Fernet(derived_key(settings.SECRET_KEY))
    assert fernet.decrypt(totp["secret"].encode()).decode() == totp_staff.totp_secret
    seed = fernet.decrypt(recovery["seed"].encode()).decode()
    assert seed not in json.dumps(recovery)
    assert not any(code in json.dumps(recovery) for code in totp_staff.recovery_codes)

    # The real sign-in: the code from the authenticator app, then a recovery code.
    assert signs_in_with(client, totp_staff, totp_code(totp_staff.totp_secret))
    assert signs_in_with(client, totp_staff, totp_staff.recovery_codes[0])
    assert not signs_in_with(client, totp_staff, totp_staff.recovery_codes[0])  # used once


def test_secrets_stored_in_plaintext_before_still_work_and_the_migration_encrypts_them(
    client, staff, frozen_totp_clock, monkeypatch
):
    # An account enrolled before encryption: allauth stored the secret and seed as they are.
    secret = totp_auth.generate_totp_secret()
    Authenticator.objects.create(user=staff.user, type="totp", data={"secret": secret})
    seed = RecoveryCodes.generate_seed()
    Authenticator.objects.create(
        user=staff.user, type="recovery_codes", data={"seed": seed, "used_mask": 0}
    )
    codes = RecoveryCodes(stored_authenticator(staff, "recovery_codes")).generate_codes()
    assert signs_in_with(client, staff, totp_code(secret))
    assert signs_in_with(client, staff, codes[0])

    migration.encrypt(apps, None)
    totp, recovery = stored(staff, "totp"), stored(staff, "recovery_codes")
    assert secret not in json.dumps(totp) and seed not in json.dumps(recovery)
    assert secret_decrypt(totp["secret"]) == secret
    assert recovery["used_mask"] == 1  # the code used before is still used
    later = at(monkeypatch, NOW + 30)
    assert signs_in_with(client, staff, totp_code(secret, later))
    assert not signs_in_with(client, staff, codes[0])
    assert signs_in_with(client, staff, codes[1])

    # Migrating back leaves plaintext that allauth's own adapter reads.
    migration.decrypt(apps, None)
    assert stored(staff, "totp") == {"secret": secret}
    assert stored(staff, "recovery_codes")["seed"] == seed


def test_a_new_key_reads_the_old_until_reencrypted(client, staff, settings, monkeypatch):
    at(monkeypatch, NOW)
    settings.MFA_ENCRYPTION_KEY = KEY_1
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(staff.user, secret)
    under_key_1 = stored(staff, "totp")["secret"]
    assert Fernet(KEY_1).decrypt(under_key_1.encode()).decode() == secret

    # A new key, the old one kept for reading: sign-in works; the command moves the secret.
    settings.MFA_ENCRYPTION_KEY, settings.MFA_ENCRYPTION_KEYS_OLD = KEY_2, [KEY_1]
    assert signs_in_with(client, staff, totp_code(secret, NOW))
    assert "1 authenticators re-encrypted" in reencrypt()
    under_key_2 = stored(staff, "totp")["secret"]
    assert Fernet(KEY_2).decrypt(under_key_2.encode()).decode() == secret
    with pytest.raises(InvalidToken):
        Fernet(KEY_1).decrypt(under_key_2.encode())
    assert "0 authenticators re-encrypted" in reencrypt()  # nothing left to do

    # The old key removed, the secret still reads.
    settings.MFA_ENCRYPTION_KEYS_OLD = []
    assert signs_in_with(client, staff, totp_code(secret, at(monkeypatch, NOW + 30)))


def test_a_secret_no_key_reads_is_reported_not_taken_as_plaintext(staff, settings):
    settings.MFA_ENCRYPTION_KEY = KEY_1
    totp_auth.TOTP.activate(staff.user, totp_auth.generate_totp_secret())
    settings.MFA_ENCRYPTION_KEY = KEY_2  # KEY_1 lost
    with pytest.raises(MFASecretUnreadable):
        secret_decrypt(stored(staff, "totp")["secret"])
    with pytest.raises(CommandError, match="1 authenticators could not be decrypted"):
        reencrypt()


def test_without_a_key_of_its_own_a_new_secret_key_needs_the_old_as_fallback(staff, settings):
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(staff.user, secret)  # under the key derived from SECRET_KEY
    token = stored(staff, "totp")["secret"]
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "y" * 40, [old]
    assert secret_decrypt(token) == secret
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(MFASecretUnreadable):
        secret_decrypt(token)
    # Setting MFA_ENCRYPTION_KEY later: the secrets under the SECRET_KEY key still read.
    settings.SECRET_KEY, settings.MFA_ENCRYPTION_KEY = old, KEY_1
    assert secret_decrypt(token) == secret


def test_production_settings_use_the_encrypting_adapter_and_refuse_a_bad_key():
    code = "from django.conf import settings as s; print(s.MFA_ADAPTER)"
    env = {"SECRET_KEY": "x" * 50}
    good = run_settings({**env, "MFA_ENCRYPTION_KEY": KEY_1}, code)
    assert good.stdout.strip() == "caseaudit.accounts.adapter.EncryptingMFAAdapter", good.stderr
    bad = run_settings({**env, "MFA_ENCRYPTION_KEY": "not-a-fernet-key"}, code)
    assert bad.returncode != 0
    assert "MFA_ENCRYPTION_KEY and MFA_ENCRYPTION_KEYS_OLD must be Fernet keys" in bad.stderr
