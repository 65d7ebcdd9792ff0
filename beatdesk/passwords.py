"""Password hashing (Argon2id) and the department's password rules."""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from beatdesk.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verified against when no account matches, so an unknown log-on ID costs the same time.
_DUMMY_HASH = _hasher.hash("unused-placeholder-password")


@cache
def common_passwords() -> frozenset[str]:
    """The ~30,000 most common passwords from leaked-password corpora, lower-cased."""
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, login_id: str = "") -> None:
    """Raise ValidationFailed (field ``password``) if ``password`` breaks a rule."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"Use at least {MIN_LENGTH} characters.", field="password")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"Use at most {MAX_LENGTH} characters.", field="password")
    if login_id and password.strip().lower() == login_id.strip().lower():
        raise ValidationFailed("The password must not be your log-on ID.", field="password")
    if password.lower() in common_passwords():
        raise ValidationFailed(
            "That password is on a list of commonly used passwords; choose another.",
            field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always spends the same work, even without a hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
