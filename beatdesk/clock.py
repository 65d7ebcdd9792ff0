"""The one source of "now" for the domain, so tests can move time instead of sleeping."""
from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return _source() if _source is not None else datetime.now(UTC)


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the time source (``None`` restores the system clock)."""
    global _source
    _source = source


def as_utc(value: datetime | None) -> datetime | None:
    """Treat a naive datetime read back from SQLite as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
