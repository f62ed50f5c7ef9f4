"""Feedback link tokens: short enough to type from a letter, too many to guess.

A token is 20 characters of Crockford's base32 (100 random bits), shown in groups of four
("7KQM-2XWD-..."). Typing is forgiving: case, spaces and hyphens do not matter, and O, I and L
read as 0, 1 and 1. Only `token_digest` of the normalised token is stored.
"""

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20
GROUP = 4
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def token_new() -> str:
    """A new token, normalised (no hyphens)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def token_normalise(raw: str) -> str:
    """The token as typed, normalised; "" when it cannot be one (wrong length or letters)."""
    token = "".join(ch for ch in (raw or "").upper() if ch not in " -").translate(_TYPOS)
    if len(token) != LENGTH or any(ch not in ALPHABET for ch in token):
        return ""
    return token


def token_display(token: str) -> str:
    """The token in groups of four, for reading and typing."""
    return "-".join(token[i : i + GROUP] for i in range(0, len(token), GROUP))


def token_digest(token: str) -> str:
    """What is stored and looked up: the SHA-256 of the normalised token, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
