"""Media inquiries about district postings, routed to News Affairs (Chicago Twitter IV.A.2, V.C.2)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from . import archive, clock
from .audit import record_event
from .context import Actor
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .models import InquiryState, MediaInquiry, Post, User
from .permissions import can_view_district
from .roles import Role

LIMITS = {"outlet": 200, "reporter": 200, "contact": 300, "question": 5000}


@dataclass(frozen=True)
class InquiryData:
    outlet: str
    reporter: str
    contact: str
    question: str
    post_id: int | None = None


def _archive(session: Session, actor: Actor, inquiry: MediaInquiry) -> None:
    archive.append(session, record_type="media_inquiry", object_id=inquiry.id,
                   district_id=inquiry.district_id, actor=actor,
                   content={"outlet": inquiry.outlet, "reporter": inquiry.reporter,
                            "contact": inquiry.contact, "question": inquiry.question,
                            "post_id": inquiry.post_id, "state": str(inquiry.state),
                            "response": inquiry.response})


def log_inquiry(session: Session, actor: Actor, data: InquiryData) -> MediaInquiry:
    """Anyone on staff logs an inquiry; it lands in News Affairs' queue."""
    values = {name: getattr(data, name).strip() for name in LIMITS}
    for name, limit in LIMITS.items():
        if not values[name]:
            raise ValidationFailed(f"Fill in the {name}.", field=name)
        if len(values[name]) > limit:
            raise ValidationFailed(f"The {name} is at most {limit} characters.", field=name)
    district_id = actor.user.district_id
    if data.post_id is not None:
        post = session.get(Post, data.post_id)
        if post is None or not can_view_district(actor.user, post.district):
            raise ValidationFailed("There is no such post you can see.", field="post_id")
        district_id = post.district_id
    inquiry = MediaInquiry(district_id=district_id, post_id=data.post_id,
                           logged_by_id=actor.user.id, logged_at=clock.utcnow(), **values)
    session.add(inquiry)
    record_event(session, actor, "media_inquiry.log", obj=inquiry)
    _archive(session, actor, inquiry)
    return inquiry


def respond(session: Session, actor: Actor, inquiry: MediaInquiry, response: str,
            expected_version: int | None = None) -> None:
    """News Affairs records its response and closes the inquiry."""
    if actor.user.role is not Role.NEWS_AFFAIRS:
        raise PermissionDenied("News Affairs responds to media inquiries.")
    if inquiry.state is InquiryState.CLOSED or (
            expected_version is not None and inquiry.version != expected_version):
        who = inquiry.responded_by.full_name if inquiry.responded_by else "someone else"
        raise Conflict(f"This inquiry was already handled by {who}.")
    response = response.strip()
    if not response:
        raise ValidationFailed("Record the response given.", field="response")
    if len(response) > 5000:
        raise ValidationFailed("The response is at most 5,000 characters.", field="response")
    inquiry.response, inquiry.state = response, InquiryState.CLOSED
    inquiry.responded_by_id, inquiry.responded_at = actor.user.id, clock.utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("This inquiry was already handled by someone else.") from exc
    record_event(session, actor, "media_inquiry.respond", obj=inquiry)
    _archive(session, actor, inquiry)


def visible_inquiries(session: Session, user: User, state: InquiryState | None = None):
    query = (select(MediaInquiry).options(joinedload(MediaInquiry.logged_by),
                                          joinedload(MediaInquiry.district))
             .order_by(MediaInquiry.logged_at.desc(), MediaInquiry.id.desc()))
    if user.role is not Role.NEWS_AFFAIRS and user.role not in (Role.ADMIN, Role.RECORDS):
        query = query.where(MediaInquiry.logged_by_id == user.id)
    if state is not None:
        query = query.where(MediaInquiry.state == state)
    return query


def get_inquiry(session: Session, user: User, inquiry_id: int) -> MediaInquiry:
    inquiry = session.get(MediaInquiry, inquiry_id)
    if inquiry is None:
        raise NotFound("No such media inquiry.")
    if user.role not in (Role.NEWS_AFFAIRS, Role.ADMIN, Role.RECORDS) and \
            inquiry.logged_by_id != user.id:
        raise PermissionDenied("Media inquiries are handled by News Affairs.")
    return inquiry
