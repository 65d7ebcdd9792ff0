"""What needs each user's attention, computed from the current state (never stale).

Each role sees the work that waits for it, and only work it can do:
- a post's author (a designated representative, or the sergeant): posts returned to them with
  a note, posts News Affairs approved that wait for their release, their posts held at release,
  and their posts someone else discontinued in the last week;
- the sergeant, also: posts asking for their review before release, comments waiting for
  moderation, what the district published since the last review (and whether that review is
  overdue), official replies and statements to review, and every post of the district held;
- News Affairs: notable posts awaiting approval, posts held at release, districts with overdue
  reviews, posts whose authors ask for an exception to a blocking finding, open media inquiries;
- records officers: requests overdue, due within two business days, and those whose requester
  wrote last (a message on the tracking page nobody has acted on);
- a commander: open representative places in the district;
- an administrator: districts awaiting approval, posts that could not be sent to a platform.

A representative whose designation has ended has no work here (the dashboard says why).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from . import clock, post_validity, posts, published_texts
from .models import (Comment, CommentState, District, InquiryState, MediaInquiry, Post,
                     PostRevision, PostState, RepresentativeDesignation, User)
from .representatives import MAX_ACTIVE
from .roles import Role

RECENT_DISCONTINUATION = timedelta(days=7)


@dataclass(frozen=True)
class Attention:
    kind: str
    label: str
    count: int
    endpoint: str
    args: dict = field(default_factory=dict, compare=False, hash=False)


def _count(session: Session, *where) -> int:
    return session.scalar(select(func.count()).select_from(Post).where(*where)) or 0


def held_comments_count(district_id: int):
    """The count of visitors' comments held in the district: ``count(*)`` over the columns of
    ``ix_comments_district_state_official``, so the index answers it without reading comments."""
    return select(func.count()).select_from(Comment).where(
        Comment.district_id == district_id, Comment.state == CommentState.HELD,
        Comment.official.is_(False))


def _own(user: User):
    """Posts ``user`` wrote, or whose current revision they made."""
    return or_(Post.author_id == user.id,
               Post.current_revision.has(PostRevision.created_by_id == user.id))


def attention(session: Session, user: User) -> list[Attention]:
    """Items needing ``user``; only kinds with a non-zero count."""
    role = user.role
    items: list[Attention] = []
    if role is Role.SERGEANT or (role is Role.REPRESENTATIVE
                                 and posts.is_designated(session, user)):
        items += _author_items(session, user)
    if role is Role.SERGEANT:
        items += _sergeant_items(session, user)
    if role is Role.NEWS_AFFAIRS:
        items += _news_affairs_items(session)
    if role is Role.RECORDS:
        items += _records_items(session)
    if role is Role.COMMANDER and user.district_id is not None:
        items += _commander_items(session, user)
    if role is Role.ADMIN:
        items += _admin_items(session)
    items += _outlet_items(session, user)
    return [item for item in items if item.count]


def _outlet_items(session: Session, user: User) -> list[Attention]:
    """The approving authority and its delegates: outlets awaiting their approval."""
    from . import outlets

    if not outlets.may_approve(session, user):
        return []
    return [Attention("outlets", "Outlets awaiting your approval",
                      outlets.awaiting_count(session), "outlets.index")]


def _approved(user: User) -> tuple:
    return Post.state == PostState.APPROVED, _own(user)


def _discontinued(user: User) -> tuple:
    """The user's posts someone else discontinued in the last week."""
    return (Post.state == PostState.DISCONTINUED, _own(user), Post.discontinued_by_id != user.id,
            Post.discontinued_at >= clock.utcnow() - RECENT_DISCONTINUATION)


def approved_posts(session: Session, user: User) -> list[Post]:
    return list(session.scalars(select(Post).where(*_approved(user)).order_by(Post.updated_at)))


def recently_discontinued(session: Session, user: User) -> list[Post]:
    return list(session.scalars(select(Post).where(*_discontinued(user))
                                .order_by(Post.discontinued_at.desc())))


def _author_items(session: Session, user: User) -> list[Attention]:
    held_scope = (Post.district_id == user.district_id) if user.role is Role.SERGEANT \
        else _own(user)
    return [
        Attention("returned", "Posts returned to you",
                  len(posts.returned_posts(session, user)), "posts.attention"),
        Attention("approved", "Posts approved by News Affairs, ready for you to release",
                  _count(session, *_approved(user)),
                  "posts.attention"),
        Attention("held", "Posts held at release",
                  _count(session, Post.state == PostState.HELD, held_scope), "posts.attention"),
        Attention("discontinued", "Your posts discontinued in the last week",
                  _count(session, *_discontinued(user)), "posts.attention"),
    ]


def _sergeant_items(session: Session, user: User) -> list[Attention]:
    district_id = user.district_id
    unreviewed = posts.review_queue_size(session, district_id)
    overdue = posts.overdue_district_count(session, district_id=district_id) > 0
    return [
        Attention("pre_review", "Posts asking for your review", _count(
            session, Post.state == PostState.AWAITING_SERGEANT,
            Post.district_id == district_id), "posts.sergeant_queue"),
        Attention("comments", "Comments waiting for moderation",
                  session.scalar(held_comments_count(district_id)) or 0, "moderation.queue"),
        Attention("review", "Published posts to review (your review is overdue)" if overdue
                  else "Published posts to review", unreviewed, "posts.sergeant_queue"),
        Attention("text_review", "Official replies and statements to review",
                  published_texts.review_queue_size(session, district_id),
                  "posts.sergeant_queue"),
        Attention("past_date", "Public posts past their end or review date",
                  post_validity.past_date_count(session, district_id), "posts.sergeant_queue"),
    ]


def _news_affairs_items(session: Session) -> list[Attention]:
    from . import check_waivers

    return [
        Attention("approvals", "Notable posts awaiting approval", _count(
            session, Post.state == PostState.AWAITING_NEWS_AFFAIRS), "posts.news_affairs_queue"),
        Attention("held", "Posts held at release", _count(
            session, Post.state == PostState.HELD), "posts.attention"),
        Attention("overdue", "Districts with overdue reviews",
                  posts.overdue_district_count(session), "posts.news_affairs_queue"),
        Attention("exception_requests", "Posts asking for a News Affairs exception",
                  len(check_waivers.open_requests(session)), "check_waivers.requests"),
        Attention("inquiries", "Open media inquiries", session.scalar(
            select(func.count(MediaInquiry.id)).where(
                MediaInquiry.state == InquiryState.OPEN)) or 0, "inquiries.index"),
    ]


def _records_items(session: Session) -> list[Attention]:
    from . import records, records_portal
    from .staff_mail import MailSettings  # the app's zone and records rules, when there is one
    from .due_dates import rules_for

    settings = MailSettings.from_config(None)
    board = records.dashboard(session, rules_for(settings.records_rules), settings.timezone)
    return [
        Attention("requests_overdue", "Records requests overdue", len(board.overdue),
                  "records.dashboard"),
        Attention("requests_due_soon", "Records requests due within two business days",
                  len(board.due_soon), "records.dashboard"),
        Attention("requester_replies", "Records requests with a reply from the requester",
                  len(records_portal.awaiting_officer(session)), "records.dashboard",
                  {"_anchor": "replies"}),
    ]


def _commander_items(session: Session, user: User) -> list[Attention]:
    active = session.scalar(select(func.count(RepresentativeDesignation.id)).where(
        RepresentativeDesignation.district_id == user.district_id,
        RepresentativeDesignation.ended_at.is_(None))) or 0
    return [Attention("places", "Representative places to fill",
                      max(0, MAX_ACTIVE - active), "districts.detail",
                      {"district_id": user.district_id})]


def _admin_items(session: Session) -> list[Attention]:
    from .models.platforms import OutboxKind, OutboxRow, OutboxState

    return [
        Attention("districts", "Districts awaiting approval", session.scalar(
            select(func.count(District.id)).where(District.approved_at.is_(None))) or 0,
            "districts.index"),
        Attention("failed_sends", "Posts that could not be sent to a platform", session.scalar(
            select(func.count(OutboxRow.id)).where(
                OutboxRow.state == OutboxState.DEAD,
                OutboxRow.kind.in_([OutboxKind.POST_CREATE, OutboxKind.POST_DELETE]))) or 0,
            "outbox.dead"),
    ]


def ended_designation(session: Session, user: User) -> RepresentativeDesignation | None:
    """A representative's last designation, when it has ended and none is active."""
    if posts.is_designated(session, user):
        return None
    return session.scalars(select(RepresentativeDesignation).where(
        RepresentativeDesignation.user_id == user.id,
        RepresentativeDesignation.ended_at.is_not(None))
        .order_by(RepresentativeDesignation.ended_at.desc()).limit(1)).first()


def total(items: list[Attention]) -> int:
    return sum(item.count for item in items)
