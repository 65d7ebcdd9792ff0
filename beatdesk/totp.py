"""Time-based one-time passwords (RFC 6238) for the staff second factor."""
from datetime import datetime

import pyotp
import segno

INTERVAL = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, login_id: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login_id, issuer_name=issuer)


def qr_code_data_uri(uri: str) -> str:
    """An SVG QR code as a data: URI (allowed by the CSP's img-src)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an authenticator app."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_counter(secret: str, code: str, at: datetime, last_counter: int | None) -> int | None:
    """The time step ``code`` is valid for (allowing one step of clock drift), or None.

    A code for a step at or before ``last_counter`` is refused, so a code can be used only once.
    """
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    current = int(at.timestamp()) // INTERVAL
    for counter in (current, current - 1, current + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(counter), code):
            return counter
    return None
