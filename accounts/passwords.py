"""Password hashing (argon2id, argon2-cffi's defaults) and the rule a new password must meet."""

from __future__ import annotations

import functools
import re
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work one request can ask for
COMMON_FILE = Path(__file__).with_name("common-passwords.txt")

# argon2id at argon2-cffi's defaults (RFC 9106's second recommendation: 64 MiB, 3 passes).
DEFAULT_HASHER = PasswordHasher()
_hasher = DEFAULT_HASHER


class WeakPassword(ValueError):
    """A password the rule refuses; the message is a sentence for the person choosing it."""


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check(password: str, email: str = "") -> None:
    """Raise WeakPassword unless `password` is long enough and not a common one.

    "Common" also catches a common password with digits or signs added at the end
    ("password1234!"), one character repeated, and the e-mail address or its name part.
    """
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password must be at least {MIN_LENGTH} characters long.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"The password must be at most {MAX_LENGTH} characters long.")
    lowered = password.lower()
    stem = re.sub(r"[\d\W_]+$", "", lowered)
    common = common_passwords()
    name = email.lower().partition("@")[0]
    if (
        lowered in common
        or (stem and stem in common)
        or len(set(lowered)) <= 2
        or lowered in {email.lower(), name}
        or (name and stem == name)
    ):
        raise WeakPassword("This password is too common or too easy to guess; choose another.")


def generate() -> str:
    """A random password for `user add` and `reset-password` (20 characters, about 120 bits)."""
    return secrets.token_urlsafe(15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verified against when no account has the e-mail tried, so an unknown address costs the
# same time as a wrong password and timing does not tell whether an account exists.
@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def verify_nobody(password: str) -> bool:
    verify(_dummy_hash(), password)
    return False
