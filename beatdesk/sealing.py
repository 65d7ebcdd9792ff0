"""Secrets at rest: platform credentials and staff TOTP secrets are stored as Fernet tokens.

The keys come from configuration (``ENCRYPTION_KEYS``: comma-separated Fernet keys, the first
one encrypts, every one decrypts, so a new key can be put first and old tokens re-sealed with
``flask secrets rotate``). ``configure`` is called once by the application factory.
"""
from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SealingError(RuntimeError):
    """No key is configured, a key is malformed, or a token does not open with any key."""


_box: MultiFernet | None = None


def parse_keys(value: str | Sequence[str]) -> list[Fernet]:
    raw = value.split(",") if isinstance(value, str) else list(value)
    keys = [key.strip() for key in raw if key and key.strip()]
    if not keys:
        raise SealingError("ENCRYPTION_KEYS is empty: set at least one Fernet key "
                           "(flask secrets new-key prints one).")
    fernets = []
    for number, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError) as exc:
            raise SealingError(f"ENCRYPTION_KEYS: key {number} is not a Fernet key "
                               "(32 url-safe base64-encoded bytes).") from exc
    return fernets


def configure(keys: str | Sequence[str]) -> None:
    global _box
    _box = MultiFernet(parse_keys(keys))


def configured() -> bool:
    return _box is not None


def _current() -> MultiFernet:
    if _box is None:
        raise SealingError("No encryption key is configured (ENCRYPTION_KEYS).")
    return _box


def seal(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SealingError("A stored secret does not open with any configured key "
                           "(ENCRYPTION_KEYS is wrong or incomplete).") from exc


def reseal(token: str) -> str:
    """The same secret under the first key (for rotation)."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SealingError("A stored secret does not open with any configured key.") from exc


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
