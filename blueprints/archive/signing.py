"""The application's archive signing key, read (or created) once per process."""
from pathlib import Path

from flask import current_app

from beatdesk.checkpoints import ArchiveKey


def key_path() -> Path:
    """``ARCHIVE_KEY_FILE``, or ``archive_signing_key.pem`` in the instance folder."""
    configured = current_app.config.get("ARCHIVE_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "archive_signing_key.pem"


def archive_key() -> ArchiveKey:
    """The key that signs checkpoints; created with mode 0600 on first use."""
    path = key_path()
    cached = current_app.extensions.get("beatdesk.archive_key")
    if cached is None or cached[0] != path:
        cached = (path, ArchiveKey.load_or_create(path))
        current_app.extensions["beatdesk.archive_key"] = cached
    return cached[1]
