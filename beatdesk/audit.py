"""Writing and reading the audit trail.

Every domain operation records its event in the same session (and so the same transaction)
as the change it describes; a rolled-back change leaves no audit row behind.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from beatdesk.context import Actor
from beatdesk.models import AuditEvent, Outcome


def record_event(session: Session, actor: Actor, event: str, *, obj=None,
                 object_type: str = "", object_id: str | int = "",
                 outcome: Outcome = Outcome.SUCCESS, details: dict | None = None,
                 login: str | None = None) -> AuditEvent:
    """Append one audit row for ``event`` done by ``actor`` to ``obj`` (or the given type/id)."""
    if obj is not None:
        session.flush()  # the object needs its id before we can point at it
        object_type = object_type or obj.__tablename__
        object_id = obj.id
    row = AuditEvent(
        actor_id=actor.user.id if actor.user is not None else None,
        actor_login=login if login is not None else actor.login,
        event=event,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        outcome=outcome,
        client_addr=actor.client_addr or "",
        details=details or {},
    )
    session.add(row)
    session.flush()
    _archive_event(session, actor, row, obj)
    return row


def _archive_event(session: Session, actor: Actor, row: AuditEvent, obj) -> None:
    """Every staff action is also an archive record ("audit.<event>"), in the same transaction."""
    from beatdesk import archive  # the archive's search imports this module's Page

    district_id = getattr(obj, "district_id", None) if obj is not None else None
    if row.object_type == "districts" and row.object_id.isdigit():
        district_id = int(row.object_id)
    object_ref = f"{row.object_type}/{row.object_id}" if row.object_type else row.object_id
    archive.append(session, record_type=f"audit.{row.event}", object_id=object_ref,
                   district_id=district_id if isinstance(district_id, int) else None,
                   actor=actor, actor_label=row.actor_login,
                   content={"audit_event_id": row.id, "event": row.event,
                            "object_type": row.object_type, "object_id": row.object_id,
                            "outcome": row.outcome, "client_addr": row.client_addr,
                            "details": row.details, "actor_login": row.actor_login,
                            "occurred_at": row.occurred_at})


@dataclass(frozen=True)
class AuditFilter:
    actor_login: str = ""
    event: str = ""
    object_type: str = ""
    object_id: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, query: Select, page: int, per_page: int) -> Page:
    """Run ``query`` for one page; ``page`` is clamped to 1..the last page (a link to a page
    past the end, or a number beyond the database's integers, shows the last page)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = min(max(1, page), max(1, -(-(total or 0) // per_page)))
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


def search_events(session: Session, flt: AuditFilter, page: int = 1, per_page: int = 50) -> Page:
    """Audit events matching every given filter, newest first."""
    query = select(AuditEvent)
    if flt.actor_login:
        query = query.where(AuditEvent.actor_login == flt.actor_login.strip().lower())
    if flt.event:
        query = query.where(AuditEvent.event == flt.event)
    if flt.object_type:
        query = query.where(AuditEvent.object_type == flt.object_type)
    if flt.object_id:
        query = query.where(AuditEvent.object_id == flt.object_id)
    if flt.outcome:
        query = query.where(AuditEvent.outcome == Outcome(flt.outcome))
    if flt.since:
        query = query.where(AuditEvent.occurred_at >= flt.since)
    if flt.until:
        query = query.where(AuditEvent.occurred_at < flt.until)
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    return paginate(session, query, page, per_page)


def known_events(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.event).distinct().order_by(AuditEvent.event)))
