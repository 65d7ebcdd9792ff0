"""Time for the domain and for people.

``utcnow`` is the one source of "now", so tests can move time instead of sleeping. ``local_text``
is the one way a person is shown a time: in the department's zone, with the zone's abbreviation
("Nov 30, 2026, 8:46 AM CST"). Machines get ``iso`` (ISO 8601 with the offset). ``from_local``
reads a time a person typed in the department's zone and settles the daylight-saving edges: a
time the clocks skipped is refused, a time they repeated is taken at its first occurrence (and
the caller is told, so it can say so).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    from flask import current_app, has_app_context
except ImportError:  # pragma: no cover - the domain can run without Flask
    current_app = has_app_context = None

DEFAULT_ZONE = "America/Chicago"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Names people know the common US zones by; other zones are named by their abbreviations.
ZONE_NAMES = {
    "America/Chicago": "Central Time", "America/New_York": "Eastern Time",
    "America/Denver": "Mountain Time", "America/Phoenix": "Mountain Time",
    "America/Los_Angeles": "Pacific Time", "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time", "UTC": "UTC",
}

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


def zone(name: str | ZoneInfo | None = None) -> ZoneInfo:
    """The zone called ``name`` (the department's default when empty)."""
    if isinstance(name, ZoneInfo):
        return name
    return _zone_named(name or DEFAULT_ZONE)


@lru_cache(maxsize=64)
def _zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"not a known time zone: {name!r}") from exc


def department_zone() -> ZoneInfo:
    """The department's zone: config ``TIMEZONE`` of the running app (the default outside one).
    A page asks for it once per time it shows, so this is kept cheap."""
    if has_app_context is not None and has_app_context():
        return zone(current_app.config.get("TIMEZONE"))
    return zone(None)


def department_text(value: datetime | None, *, empty: str = "—") -> str:
    """``local_text`` in the department's zone: what code puts in messages people read."""
    return local_text(value, department_zone(), empty=empty)


def local(value: datetime | str, tz: str | ZoneInfo | None = None) -> datetime:
    """``value`` (aware, naive UTC as SQLite returns it, or an ISO 8601 text such as a signed
    document carries) in the zone ``tz``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return as_utc(value).astimezone(zone(tz))


def local_text(value: datetime | str | None, tz: str | ZoneInfo | None = None, *,
               empty: str = "—") -> str:
    """The one person-readable form of a time: "Nov 30, 2026, 8:46 AM CST" in the zone ``tz``.

    Written out by hand rather than with ``%b``/``%-I``/``%p`` so it reads the same under any C
    library and locale.
    """
    if value is None:
        return empty
    moment = local(value, tz)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return (f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}, "
            f"{hour}:{moment.minute:02d} {half} {moment.tzname()}")


def local_date_text(value: datetime | date | None, tz: str | ZoneInfo | None = None, *,
                    empty: str = "—", weekday: bool = False) -> str:
    """The date part of ``local_text``: "Nov 30, 2026" ("Monday, Nov 30, 2026" with
    ``weekday``). A ``date`` is already the department's and is shown as it is."""
    if value is None:
        return empty
    day = local(value, tz).date() if isinstance(value, datetime) else value
    text = f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{WEEKDAYS[day.weekday()]}, {text}" if weekday else text


def iso(value: datetime | None) -> str:
    """ISO 8601 with the offset, for machines (``""`` when there is no time)."""
    return as_utc(value).isoformat() if value is not None else ""


def iso_local(value: datetime | None, tz: str | ZoneInfo | None = None) -> str:
    """ISO 8601 with the zone's own offset (for a ``<time datetime>`` next to local text)."""
    return local(value, tz).isoformat() if value is not None else ""


def zone_label(tz: str | ZoneInfo | None = None, *, when: datetime | None = None) -> str:
    """How an input names its zone: "Central Time, CST/CDT" (both abbreviations if it has DST)."""
    tz = zone(tz)
    year = (when or utcnow()).year
    names = []
    for month in (1, 7):
        name = datetime(year, month, 15, 12, tzinfo=tz).tzname()
        if name not in names:
            names.append(name)
    abbreviations = "/".join(names)
    known = ZONE_NAMES.get(tz.key)
    if known == abbreviations or not known:
        return abbreviations if abbreviations != tz.key else tz.key
    return f"{known}, {abbreviations}"


class SkippedTime(ValueError):
    """A wall-clock time that never happened in the zone (clocks jumped over it)."""


@dataclass(frozen=True)
class LocalReading:
    """A typed wall-clock time read in a zone: the instant, and a note when it was ambiguous."""
    instant: datetime  # aware, UTC
    note: str = ""  # set when the time happened twice and the first was taken


def from_local(wall: datetime, tz: str | ZoneInfo | None = None) -> LocalReading:
    """Read a naive wall-clock time typed by a person in the zone ``tz``.

    The rule is the one calendar and scheduling tools follow, stated to the person: a time the
    clocks skipped (spring forward) is refused with the times either side, since publishing an
    hour off is worse than asking again; a time the clocks repeated (fall back) is taken at its
    first occurrence, and ``note`` says so with the other choice spelt out.
    """
    tz = zone(tz)
    if wall.tzinfo is not None:
        return LocalReading(wall.astimezone(UTC))
    wall = wall.replace(tzinfo=None)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != wall:
        last = _last_before_gap(wall, tz)
        before = _wall_text(last)
        after = _wall_text((last.replace(tzinfo=tz).astimezone(UTC) + timedelta(minutes=1))
                           .astimezone(tz))
        raise SkippedTime(
            f"{_wall_text(wall)} did not happen on {local_date_text(first, tz)} in "
            f"{zone_label(tz, when=first)}: the clocks moved forward an hour. "
            f"Choose {before} or earlier, or {after} or later.")
    if first.utcoffset() != second.utcoffset():
        return LocalReading(first.astimezone(UTC), note=(
            f"{_wall_text(wall)} happened twice on {local_date_text(first, tz)} because the "
            f"clocks moved back an hour; Beatdesk used the first, {local_text(first, tz)}, not "
            f"the second, {local_text(second.astimezone(UTC), tz)}."))
    return LocalReading(first.astimezone(UTC))


def _wall_text(wall: datetime) -> str:
    hour = wall.hour % 12 or 12
    return f"{hour}:{wall.minute:02d} {'AM' if wall.hour < 12 else 'PM'}"


def _last_before_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The last whole minute that happened before the gap that swallowed ``wall``."""
    probe = wall.replace(minute=0, second=0, microsecond=0)
    while probe.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != probe:
        probe -= timedelta(hours=1)
    return probe + timedelta(minutes=59)
