"""Staff accounts and the commander's designation of district representatives."""
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beatdesk import sealing
from beatdesk.roles import DISTRICT_ROLES, Role

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .organisation import District


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """A personal staff account (there are no shared logins).

    Holds the six identifying fields the Chicago Twitter directive (V.A.2) asks for:
    name, rank, star number, employee number, log-on ID and department e-mail.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({sql_in(Role)})", name="role"),
        CheckConstraint(
            f"(role IN ({sql_in(DISTRICT_ROLES)})) = (district_id IS NOT NULL)",
            name="district_matches_role"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[str] = mapped_column(String(60), default="")
    star_number: Mapped[str] = mapped_column(String(20), default="")
    employee_number: Mapped[str] = mapped_column(String(20), unique=True)
    login_id: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    demo_account: Mapped[bool] = mapped_column(default=False)

    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Fernet token (``beatdesk.sealing``) of the base32 secret; never stored in clear.
    totp_secret_sealed: Mapped[str | None] = mapped_column(Text)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_counter: Mapped[int | None]
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rotated on password reset, second-factor reset and deactivation to end every open session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    district: Mapped[District | None] = relationship(foreign_keys=[district_id])

    # Flask-Login's protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def totp_secret(self) -> str | None:
        """The second factor's base32 secret, opened with the configured key."""
        return sealing.unseal(self.totp_secret_sealed) if self.totp_secret_sealed else None

    @totp_secret.setter
    def totp_secret(self, secret: str | None) -> None:
        self.totp_secret_sealed = sealing.seal(secret) if secret else None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def display_name(self) -> str:
        return f"{self.rank} {self.full_name}".strip()

    def __repr__(self) -> str:
        return f"<User {self.login_id} {self.role}>"


class RepresentativeDesignation(Base):
    """A commander's naming of a district representative.

    A district has two slots; a partial unique index lets each hold one active designation,
    so the database itself refuses a third representative. Ending a designation keeps the row.
    """

    __tablename__ = "representative_designations"
    __table_args__ = (
        CheckConstraint("slot IN (1, 2)", name="slot"),
        CheckConstraint("(ended_at IS NULL) = (ended_by_id IS NULL)", name="end_recorded"),
        Index("uq_representative_designations_active_slot", "district_id", "slot", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("uq_representative_designations_active_user", "user_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    slot: Mapped[int]
    designated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    designated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str] = mapped_column(String(500), default="")
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("representative_designations.id", name="fk_representative_designations_replaced_by"))

    district: Mapped[District] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    designated_by: Mapped[User] = relationship(foreign_keys=[designated_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    replaced_by: Mapped["RepresentativeDesignation | None"] = relationship(remote_side=[id])

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
