"""TOTP secrets and recovery-code seeds, encrypted at rest.

allauth keeps an authenticator app's shared secret, and the seed the recovery codes are made
from, in `mfa_authenticator.data`, passing them through its MFA adapter's encrypt()/decrypt()
hooks (`caseaudit.accounts.adapter.EncryptingMFAAdapter` here). They are Fernet tokens
(AES-128-CBC with HMAC-SHA256, from `cryptography`), so a copy of the database or a backup
alone does not give anyone the codes.

Keys (`MultiFernet`: the first encrypts, every one decrypts):
- `MFA_ENCRYPTION_KEY`, a Fernet key (`Fernet.generate_key()`); then any `MFA_ENCRYPTION_KEYS_OLD`;
- then keys derived with HKDF-SHA256 from `SECRET_KEY` and each of `SECRET_KEY_FALLBACKS`. Without
  `MFA_ENCRYPTION_KEY` the first of these encrypts, so changing SECRET_KEY without keeping the
  old one in SECRET_KEY_FALLBACKS would make every secret unreadable (everyone re-enrols): set
  `MFA_ENCRYPTION_KEY` in production. Setting it later needs nothing more: the secrets already
  stored are still read with the SECRET_KEY key.
`manage.py reencrypt_mfa_secrets` rewrites every secret with the current key, after which an old
key can be removed.

A value that is not a Fernet token is a plaintext secret stored before encryption was turned on
(or by a process still running the old code during a deploy): it is used as it is. Migration
accounts.0006 encrypted every such secret, and the command encrypts any written since.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

# Every Fernet token starts so: the version byte 0x80 and the top bytes of its timestamp (zero
# until the year 4147). allauth's plaintext values never can: TOTP secrets are base32
# (A-Z, 2-7) and recovery-code seeds hexadecimal. (The start of a token, not a password.)
TOKEN_PREFIX = "gAAAAA"  # noqa: S105  # nosec B105
HKDF_INFO = b"caseaudit mfa secrets v1"
# Where the secrets are, by authenticator type: single values, and lists of values.
SECRET_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SECRET_LIST_FIELDS = {"recovery_codes": ("migrated_codes",)}


class MFASecretUnreadable(ImproperlyConfigured):
    """A stored secret is encrypted with none of the configured keys."""


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from a Django SECRET_KEY (HKDF-SHA256, 32 bytes)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def _keys() -> tuple[bytes, ...]:
    explicit = [settings.MFA_ENCRYPTION_KEY, *settings.MFA_ENCRYPTION_KEYS_OLD]
    derived = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    keys = [key.encode() for key in explicit if key] + [derived_key(key) for key in derived]
    return tuple(dict.fromkeys(keys))  # in order, without repeats


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[bytes, ...]) -> MultiFernet:
    fernets = []
    for key in keys:
        try:
            fernets.append(Fernet(key))
        except ValueError:
            raise ImproperlyConfigured(
                "MFA_ENCRYPTION_KEY and MFA_ENCRYPTION_KEYS_OLD must be Fernet keys (32 bytes, "
                "URL-safe base64), as Fernet.generate_key() makes."
            ) from None
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    return _fernet_for(_keys())


def is_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def secret_encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def secret_decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value  # stored in plaintext before encryption was turned on
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise MFASecretUnreadable(
            "An MFA secret cannot be decrypted with MFA_ENCRYPTION_KEY, MFA_ENCRYPTION_KEYS_OLD, "
            "SECRET_KEY or SECRET_KEY_FALLBACKS: put back the key it was encrypted with (as an old "
            "key), or the user must set up their authenticator again."
        ) from None


def _current(value: str, *, plaintext: bool) -> str | None:
    """`value` as it should be stored (None: it already is)."""
    if plaintext:
        return secret_decrypt(value) if is_encrypted(value) else None
    if is_encrypted(value):
        try:
            Fernet(_keys()[0]).decrypt(value.encode())
            return None  # already under the current key
        except InvalidToken:
            pass
    return secret_encrypt(secret_decrypt(value))


def authenticators_reencrypt(*, authenticator_model, plaintext: bool = False) -> tuple[int, int]:
    """Store every TOTP secret and recovery-code seed encrypted with the current key (plaintext
    ones and those under an old key); with `plaintext`, decrypt them all instead (to go back to
    code without encryption). `authenticator_model` is allauth's Authenticator (the historical
    model in a migration). Returns (authenticators changed, authenticators left as they were
    because no configured key reads them). Rows are locked while rewritten, so a recovery code
    used meanwhile is not marked unused again."""
    changed = unreadable = 0
    types = sorted(SECRET_FIELDS.keys() | SECRET_LIST_FIELDS.keys())
    with transaction.atomic():
        rows = authenticator_model.objects.select_for_update().filter(type__in=types)
        for authenticator in rows.order_by("pk"):
            data = dict(authenticator.data)
            try:
                for field in SECRET_FIELDS.get(authenticator.type, ()):
                    if isinstance(data.get(field), str):
                        data[field] = _current(data[field], plaintext=plaintext) or data[field]
                for field in SECRET_LIST_FIELDS.get(authenticator.type, ()):
                    if isinstance(data.get(field), list):
                        data[field] = [_current(v, plaintext=plaintext) or v for v in data[field]]
            except MFASecretUnreadable:
                unreadable += 1
                continue
            if data != authenticator.data:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed, unreadable
