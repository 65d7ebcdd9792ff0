import pytest

from beatdesk import passwords
from beatdesk.errors import ValidationFailed


@pytest.mark.parametrize("password,message", [
    ("short1!", "at least 8"),
    ("x" * 129, "at most 128"),
    ("jdoe.smith", "log-on ID"),
    ("JDOE.SMITH", "log-on ID"),
    ("password", "commonly used"),
    ("Password1", "commonly used"),
    ("qwertyuiop", "commonly used"),
    ("letmein1", "commonly used"),
])
def test_refused(password, message):
    with pytest.raises(ValidationFailed, match=message) as info:
        passwords.check_password_policy(password, "jdoe.smith")
    assert info.value.field == "password"


@pytest.mark.parametrize("password", ["Beat-desk-2026!", "correct horse battery", "Zq8#mW2p"])
def test_accepted(password):
    passwords.check_password_policy(password, "jdoe.smith")


def test_hash_and_verify():
    hashed = passwords.hash_password("Beat-desk-2026!")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "Beat-desk-2026!")
    assert not passwords.verify_password(hashed, "beat-desk-2026!")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not-a-hash", "anything")
