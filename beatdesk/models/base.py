"""Declarative base, naming convention and column types shared by every model."""
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from beatdesk import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on both PostgreSQL and SQLite (which stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        return clock.as_utc(value).astimezone(UTC) if value is not None else None


class StrEnumType(TypeDecorator):
    """Stores a ``StrEnum`` as its string value and loads it back as the enum member."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum]):
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_cls(value)


def now_utc() -> datetime:
    """Column default: called on every insert, never evaluated once at import."""
    return clock.utcnow()


def sql_in(values) -> str:
    """Render a list of enum values for a CHECK constraint."""
    return ", ".join(f"'{v}'" for v in sorted(str(v) for v in values))
