"""Secrets at rest: platform credentials and staff TOTP secrets are stored as Fernet tokens.

The keys come from configuration (``ENCRYPTION_KEYS``: comma-separated Fernet keys, the first
one encrypts, every one decrypts, so a new key can be put first and old tokens re-sealed with
``flask secrets rotate``). ``configure`` is called once by the application factory.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Connection, Engine, inspect, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import SQLAlchemyError


class SealingError(RuntimeError):
    """No key is configured, a key is malformed, or a token does not open with any key."""


_box: MultiFernet | None = None
_first: Fernet | None = None


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
    global _box, _first
    fernets = parse_keys(keys)
    _box, _first = MultiFernet(fernets), fernets[0]


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
    except (InvalidToken, UnicodeError) as exc:
        raise SealingError("A stored secret does not open with any configured key.") from exc


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def opens_with_first_key(token: str) -> bool:
    """Whether ``token`` is already sealed under the first (newest) key."""
    _current()
    try:
        _first.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


# --- every sealed value in the database ------------------------------------------------------
# Read and written as plain tables (not the models), so the start-up check works on a database at
# any revision and this module stays below the models that use it.

@dataclass(frozen=True)
class SealedColumn:
    table: str
    column: str
    label: str            # how an operator reads it: "users 12: TOTP secret"
    versioned: bool       # the row has an optimistic-lock ``version`` to bump on change


SEALED_COLUMNS = (
    SealedColumn("users", "totp_secret_sealed", "TOTP secret", versioned=False),
    SealedColumn("platform_accounts", "credentials", "platform credentials", versioned=True),
)


@dataclass(frozen=True)
class SealedValue:
    where: SealedColumn
    row_id: int
    token: str

    @property
    def label(self) -> str:
        return f"{self.where.table} {self.row_id}: {self.where.label}"


@dataclass
class SealReport:
    """What ``check`` or ``rotate`` found: every sealed value, those that do not open, those not
    yet under the first key, and how many were re-sealed."""

    total: int = 0
    unopenable: list[str] = field(default_factory=list)
    under_old_key: int = 0
    resealed: int = 0

    @property
    def ok(self) -> bool:
        return not self.unopenable


def _present_columns(connection: Connection) -> list[SealedColumn]:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    present = []
    for where in SEALED_COLUMNS:
        if where.table in tables and where.column in {
                c["name"] for c in inspector.get_columns(where.table)}:
            present.append(where)
    return present


def _sealed_values(connection: Connection, limit: int | None = None) -> Iterator[SealedValue]:
    for where in _present_columns(connection):
        column = sa_column(where.column)
        query = (select(sa_column("id"), column).select_from(sa_table(where.table))
                 .where(column.is_not(None), column != "").order_by(sa_column("id")))
        if limit is not None:
            query = query.limit(limit)
        for row_id, token in connection.execute(query):
            yield SealedValue(where, row_id, token)


def _opens(token: str) -> bool:
    try:
        unseal(token)
    except SealingError:
        return False
    return True


def check_startup(engine: Engine) -> None:
    """At start-up: open one sealed value of each kind, so a wrong ENCRYPTION_KEYS stops the
    application at once instead of at the first sign-in or send.

    A database that is not reachable or not migrated yet is left alone (``flask db upgrade``
    must still be able to run). Raises SealingError naming ENCRYPTION_KEYS.
    """
    try:
        with engine.connect() as connection:
            samples = list(_sealed_values_sample(connection))
    except SQLAlchemyError:
        return
    for value in samples:
        if not _opens(value.token):
            raise SealingError(
                f"ENCRYPTION_KEYS does not open the secrets in the database ({value.label} does "
                "not open with any configured key). Set ENCRYPTION_KEYS to the keys the secrets "
                "were sealed with (newest first); a new key goes first, before the old ones, "
                "until 'flask secrets rotate' has re-sealed everything.")


def _sealed_values_sample(connection: Connection) -> Iterator[SealedValue]:
    for where in _present_columns(connection):
        column = sa_column(where.column)
        row = connection.execute(
            select(sa_column("id"), column).select_from(sa_table(where.table))
            .where(column.is_not(None), column != "").order_by(sa_column("id").desc())
            .limit(1)).first()
        if row is not None:
            yield SealedValue(where, row[0], row[1])


def check(connection: Connection) -> SealReport:
    """Every sealed value: does it open, and is it under the first key?"""
    report = SealReport()
    for value in _sealed_values(connection):
        report.total += 1
        if not _opens(value.token):
            report.unopenable.append(value.label)
        elif not opens_with_first_key(value.token):
            report.under_old_key += 1
    return report


def rotate(connection: Connection) -> SealReport:
    """Re-seal every value not yet under the first key, in the caller's transaction.

    Refuses (SealingError, nothing changed) if any value does not open with the configured keys.
    Running it again changes nothing: values already under the first key are left as they are.
    """
    values = list(_sealed_values(connection))
    report = SealReport(total=len(values))
    report.unopenable = [value.label for value in values if not _opens(value.token)]
    if report.unopenable:
        shown = ", ".join(report.unopenable[:5])
        more = f" and {len(report.unopenable) - 5} more" if len(report.unopenable) > 5 else ""
        raise SealingError(f"{len(report.unopenable)} sealed value(s) do not open with "
                           f"ENCRYPTION_KEYS ({shown}{more}); nothing was re-sealed. Put the key "
                           "they were sealed with back in ENCRYPTION_KEYS and run it again.")
    for value in values:
        if opens_with_first_key(value.token):
            continue
        table = sa_table(value.where.table, sa_column("id"), sa_column(value.where.column),
                         sa_column("version"))
        changes = {value.where.column: reseal(value.token)}
        if value.where.versioned:
            changes["version"] = table.c.version + 1
        connection.execute(update(table).where(table.c.id == value.row_id,
                                               table.c[value.where.column] == value.token)
                           .values(**changes))
        report.resealed += 1
    report.under_old_key = report.resealed
    return report
