"""The requester portal: a public records request filed on the public site, without an account.

A visitor files a request (name, e-mail, an optional postal address, the records sought, how to
receive them, whether the purpose is commercial). It is logged like any other request (received
by web form, at the moment it arrives, due by the configured state's rules) with no staff
creator. The requester gets a private tracking link: an unguessable token
(``secrets.token_urlsafe(32)``) of which only the SHA-256 hash is stored, so the link can be
shown once (on the confirmation page and in the confirmation e-mail) and never again. The link
opens the request's tracking page without signing in; any other token (wrong, truncated, another
request's) is simply not found, with the same answer for each.

On the tracking page the requester reads the status, the due date, the messages and the released
files, replies (a reply answers a pending clarification: ``records_tolling.on_requester_reply``)
and may withdraw the request. The records officer sends messages from the request's page; each
one is e-mailed to the requester through the outbox.

Every change is a request event or a message, with an audit record (and so an archive record)
in the same transaction.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from beatdesk import audit, clock, records, sealing
from beatdesk.context import Actor
from beatdesk.due_dates import DEFAULT_TIMEZONE, RecordsRules
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import OutboxKind, OutboxRow
from beatdesk.models.records import (CLOSED_STATES, ReceivedVia, RecordsRequest, RequestEvent,
                                     RequestState)
from beatdesk.models.records_portal import Delivery, MessageSender, PortalAccess, RequestMessage
from beatdesk.staff_mail import SEALED_LINK_MARK

NAME_MAX = 200
EMAIL_MAX = 254
POSTAL_MAX = 1000
DESCRIPTION_MAX = 10_000
MESSAGE_MAX = 5_000
REASON_MAX = 1_000
TOKEN_BYTES = 32
TRACK_PATH = "/records-requests/{id}/track/{token}"
REQUESTER_LOGIN = "requester"

# What the requester reads for each state (a sentence fragment after "Your request is").
STATUS_TEXT = {
    "received": "Received; the records officer has not answered yet",
    "searching": "The records are being searched for",
    "reviewing": "The records found are being reviewed",
    "extended": "The time to answer was extended",
    "waiting_for_requester": "Waiting for your answer; the clock is stopped",
    "released_in_full": "Records released in full",
    "released_in_part": "Records released in part; some were withheld",
    "denied": "Denied",
    "withdrawn": "Withdrawn",
}
NOT_FOUND = "There is no such request, or the tracking link is not complete."

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}")


def _line(value: str | None) -> str:
    return " ".join(_CONTROL.sub("", value or "").split())


def _text(value: str | None) -> str:
    return _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def status_text(request: RecordsRequest) -> str:
    state = request.state.value if hasattr(request.state, "value") else str(request.state)
    return STATUS_TEXT.get(state, request.state.label)


# --- filing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PortalSubmission:
    """What the public form sends, as typed."""

    name: str
    email: str
    description: str
    delivery: str
    commercial: bool = False
    postal_address: str = ""
    honeypot: str = ""


def _clean(data: PortalSubmission) -> PortalSubmission:
    return PortalSubmission(name=_line(data.name), email=(data.email or "").strip(),
                            description=_text(data.description),
                            delivery=(data.delivery or "").strip(),
                            commercial=bool(data.commercial),
                            postal_address=_text(data.postal_address),
                            honeypot=(data.honeypot or "").strip())


def submission_problems(data: PortalSubmission) -> list[ValidationFailed]:
    """Everything wrong with ``data``, each naming its field, so the form can show them all."""
    data = _clean(data)
    if data.honeypot:
        return [ValidationFailed("Your request could not be accepted. Leave the field marked "
                                 "“leave this field empty” empty and send it again.")]
    problems = []
    if not data.name:
        problems.append(ValidationFailed("Enter your name.", field="name"))
    elif len(data.name) > NAME_MAX:
        problems.append(ValidationFailed(f"Your name can be at most {NAME_MAX} characters.",
                                         field="name"))
    if not data.email:
        problems.append(ValidationFailed("Enter your e-mail address: the tracking link is sent "
                                         "there.", field="email"))
    elif len(data.email) > EMAIL_MAX:
        problems.append(ValidationFailed(f"An e-mail address can be at most {EMAIL_MAX} "
                                         "characters.", field="email"))
    elif not EMAIL.fullmatch(data.email):
        problems.append(ValidationFailed("Enter an e-mail address like name@example.org.",
                                         field="email"))
    if len(data.postal_address) > POSTAL_MAX:
        problems.append(ValidationFailed(f"The postal address can be at most {POSTAL_MAX:,} "
                                         "characters.", field="postal_address"))
    if not data.description:
        problems.append(ValidationFailed("Describe the records you are asking for.",
                                         field="description"))
    elif len(data.description) > DESCRIPTION_MAX:
        problems.append(ValidationFailed(
            f"The description can be at most {DESCRIPTION_MAX:,} characters (it has "
            f"{len(data.description):,}).", field="description"))
    try:
        delivery = Delivery(data.delivery)
    except ValueError:
        problems.append(ValidationFailed("Choose how you want to receive the records.",
                                         field="delivery"))
    else:
        if delivery is Delivery.MAIL and not data.postal_address:
            problems.append(ValidationFailed("Enter the postal address the records should be "
                                             "mailed to, or choose another way to receive them.",
                                             field="postal_address"))
    return problems


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def submit_request(session: Session, actor: Actor, data: PortalSubmission, rules: RecordsRules,
                   timezone: str = DEFAULT_TIMEZONE, *, base_url: str = "") -> RecordsRequest:
    """File a request from the public form: log it (received now, by web form, due by
    ``rules``), create its private tracking token and e-mail the requester the request number
    and the tracking link through the outbox.

    The token is available from :func:`tracking_link` on the returned object only; the database
    keeps its hash. Raises ValidationFailed (the first problem of :func:`submission_problems`).
    """
    problems = submission_problems(data)
    if problems:
        raise problems[0]
    data = _clean(data)
    delivery = Delivery(data.delivery)
    contact = data.email + (f"\n{data.postal_address}" if data.postal_address else "")
    request = records.create_request(
        session, actor,
        records.RequestData(requester_name=data.name, requester_contact=contact[:500],
                            received_via=ReceivedVia.WEB_FORM, received_at=clock.utcnow(),
                            description=data.description, commercial=data.commercial),
        rules, timezone, filed_by_requester=True)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(PortalAccess(request_id=request.id, token_hash=token_hash(token),
                             email=data.email, postal_address=data.postal_address,
                             delivery=delivery, created_at=clock.utcnow()))
    session.flush()
    request._tracking_token = token  # shown once; never stored
    audit.record_event(session, actor, "records.request_filed_online", obj=request,
                       login=REQUESTER_LOGIN,
                       details={"delivery": delivery.value, "commercial": data.commercial,
                                "due_on": request.due_on.isoformat()})
    link = f"{base_url.rstrip('/')}{tracking_link(request)}"
    due = clock.local_date_text(request.due_on, timezone, weekday=True)
    text = (f"Hello {data.name},\n\n"
            f"The department received your public records request on "
            f"{clock.local_text(request.received_at, timezone)}. Its number is {request.id}.\n\n"
            f"The answer is due {due} under the {rules.label} ({rules.statute}).\n\n"
            "Follow your request, read messages from the records officer, reply and download "
            "released records here (keep this link private: anyone who has it can read your "
            f"request):\n{SEALED_LINK_MARK}\n\n"
            f"What you asked for:\n{data.description}\n")
    _email_requester(session, request, data.email, f"{request.label} received: your tracking "
                     "link", text, sealed_link=sealing.seal(link))
    return request


def tracking_link(request: RecordsRequest) -> str | None:
    """The tracking page's path, right after :func:`submit_request` (None later: only the
    token's hash is kept)."""
    token = getattr(request, "_tracking_token", None)
    if not token:
        return None
    return TRACK_PATH.format(id=request.id, token=token)


# A hash no token has, compared when the request number matches no portal request, so a
# wrong number takes as long as a wrong token.
_NO_HASH = hashlib.sha256(b"no request").hexdigest()


def find_by_token(session: Session, request_id: int, token: str) -> RecordsRequest:
    """The request whose tracking token is ``token``. Raises NotFound (one message for every
    kind of wrong: no such number, a request filed by staff, a wrong or truncated token, another
    request's token)."""
    access = session.get(PortalAccess, request_id) if 0 < request_id < 2**31 else None
    given = token_hash(token or "")
    expected = access.token_hash if access is not None else _NO_HASH
    if not hmac.compare_digest(given, expected) or access is None:
        raise NotFound(NOT_FOUND)
    return access.request


def access_of(session: Session, request: RecordsRequest) -> PortalAccess | None:
    return session.get(PortalAccess, request.id)


# --- messages --------------------------------------------------------------------------------

def _email_requester(session: Session, request: RecordsRequest, to: str, subject: str,
                     text: str, sealed_link: str | None = None) -> OutboxRow:
    """An e-mail to the requester through the outbox. A tracking link goes in sealed (only
    the sending opens it), so the database never holds the token itself."""
    now = clock.utcnow()
    payload = {"to": to, "subject": f"Public records: {subject}", "text": text}
    if sealed_link:
        payload["sealed_link"] = sealed_link
    row = OutboxRow(kind=OutboxKind.EMAIL, records_request_id=request.id,
                    idempotency_key=uuid.uuid4().hex,
                    payload=payload,
                    available_at=now, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def email_requester(session: Session, request: RecordsRequest, subject: str,
                    text: str) -> OutboxRow | None:
    """E-mail the requester of a request filed on the public site through the outbox (None for
    a request logged by staff: the portal has no address for it). For letters and notices."""
    access = access_of(session, request)
    if access is None:
        return None
    return _email_requester(session, request, access.email, subject, text)


def post_message(session: Session, request: RecordsRequest, *, sender: str, body: str,
                 actor: Actor | None = None, base_url: str = "") -> RequestMessage:
    """Add a message to the request's conversation.

    ``sender`` "officer": a records officer (``actor``) writes to the requester, who is
    e-mailed through the outbox (requests filed on the public site; others are reached as the
    officer logged them). ``sender`` "requester": the requester replies from the tracking page;
    a pending clarification counts as answered (``records_tolling.on_requester_reply``).
    Raises PermissionDenied, Conflict (a closed request) and ValidationFailed.
    """
    try:
        who = MessageSender(sender)
    except ValueError:
        raise ValidationFailed("A message comes from the records officer or the requester.",
                               field="sender") from None
    actor = actor or Actor(user=None)
    if who is MessageSender.OFFICER and not records.can_manage_requests(actor.user):
        raise PermissionDenied("Only a records officer may write to the requester.")
    if request.state in CLOSED_STATES:
        raise Conflict(f"{request.label} is closed; no more messages can be sent about it.")
    body = _text(body)
    if not body:
        raise ValidationFailed("Write the message.", field="body")
    if len(body) > MESSAGE_MAX:
        raise ValidationFailed(f"A message can be at most {MESSAGE_MAX:,} characters (this one "
                               f"has {len(body):,}).", field="body")
    message = RequestMessage(request_id=request.id, sender=who, body=body,
                             created_at=clock.utcnow(),
                             actor_id=actor.user.id if actor.user else None)
    session.add(message)
    request.updated_at = clock.utcnow()
    session.flush()
    audit.record_event(session, actor, f"records.message_from_{who.value}", obj=request,
                       login=None if actor.user else REQUESTER_LOGIN,
                       details={"message_id": message.id, "sender": who.value, "body": body})
    if who is MessageSender.OFFICER:
        email_requester(session, request, f"a message about {request.label}",
                        f"Hello {request.requester_name},\n\n"
                        f"The records officer wrote about your request {request.id}:\n\n"
                        f"{body}\n\n"
                        "Reply, and follow the request, on its tracking page: open the link "
                        "in the e-mail you received when you filed it.\n")
    if who is MessageSender.REQUESTER:
        from beatdesk import records_tolling

        records_tolling.on_requester_reply(session, request, message)
    return message


def messages_of(session: Session, request: RecordsRequest) -> list[RequestMessage]:
    return list(session.scalars(select(RequestMessage)
                                .where(RequestMessage.request_id == request.id)
                                .order_by(RequestMessage.created_at, RequestMessage.id)))


def awaiting_officer(session: Session) -> list[RecordsRequest]:
    """Open requests whose requester wrote last: the newest message is theirs, and no records
    officer changed the request after it (an answer recorded, a state changed, a letter made).
    Oldest reply first."""
    other = aliased(RequestMessage)
    latest = (select(func.max(other.id)).where(other.request_id == RecordsRequest.id)
              .correlate(RecordsRequest).scalar_subquery())
    acted_since = (select(RequestEvent.id)
                   .where(RequestEvent.request_id == RecordsRequest.id,
                          RequestEvent.actor_id.is_not(None),
                          RequestEvent.occurred_at > RequestMessage.created_at).exists())
    return list(session.scalars(
        select(RecordsRequest)
        .join(RequestMessage, RequestMessage.id == latest)
        .where(RequestMessage.sender == MessageSender.REQUESTER,
               RecordsRequest.state.not_in(list(CLOSED_STATES)), ~acted_since)
        .order_by(RequestMessage.created_at, RecordsRequest.id)))


# --- withdrawal ------------------------------------------------------------------------------

def withdraw(session: Session, request: RecordsRequest, reason: str = "",
             actor: Actor | None = None) -> RequestEvent:
    """The requester withdraws the request from the tracking page: it is closed as withdrawn,
    with an event and an audit record. Raises Conflict (already closed), ValidationFailed."""
    actor = actor or Actor(user=None)
    if request.state in CLOSED_STATES:
        raise Conflict(f"{request.label} is already closed "
                       f"({status_text(request).lower()}).")
    if RequestState.WITHDRAWN not in records.TRANSITIONS.get(request.state, ()):
        raise Conflict(f"{request.label} cannot be withdrawn now.")
    reason = _line(reason)
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"The reason can be at most {REASON_MAX:,} characters.",
                               field="reason")
    previous = request.state
    request.state = RequestState.WITHDRAWN
    request.updated_at = request.closed_at = clock.utcnow()
    if previous.value == "waiting_for_requester":
        from beatdesk import records_tolling

        records_tolling.end_wait_on_close(session, actor, request)
    note = "Withdrawn by the requester on the tracking page" + (f": {reason}" if reason else ".")
    event = RequestEvent(request_id=request.id, action="withdrawn_by_requester",
                         from_state=previous.value, to_state=request.state.value, note=note,
                         due_on=request.due_on, actor_id=None, occurred_at=clock.utcnow())
    session.add(event)
    session.flush()
    audit.record_event(session, actor, "records.request_withdrawn_by_requester", obj=request,
                       login=REQUESTER_LOGIN,
                       details={"from": previous.value, "reason": reason})
    return event


# --- what the tracking page shows ------------------------------------------------------------

@dataclass(frozen=True)
class Tracking:
    request: RecordsRequest
    access: PortalAccess
    status: str
    messages: list[RequestMessage]
    releases: list
    skipped: list[tuple[date, str]]
    events: list[RequestEvent]


def tracking(session: Session, request: RecordsRequest, rules: RecordsRules) -> Tracking:
    from beatdesk import records_tolling, release

    events = [e for e in records.request_events(session, request)
              if e.action not in records.PRIVATE_CHOICE_ACTIONS]
    return Tracking(request=request, access=access_of(session, request),
                    status=status_text(request), messages=messages_of(session, request),
                    releases=release.releases_of(session, request),
                    skipped=records_tolling.due_explanation(request, rules), events=events)
