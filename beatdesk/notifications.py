"""What needs each user's attention, computed from the current state (never stale)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import posts, published_texts
from .models import InquiryState, MediaInquiry, Post, PostState, User
from .roles import Role


@dataclass(frozen=True)
class Attention:
    kind: str
    label: str
    count: int
    endpoint: str


def _count(session: Session, *where) -> int:
    return session.scalar(select(func.count(Post.id)).where(*where)) or 0


def attention(session: Session, user: User) -> list[Attention]:
    """Items needing ``user``; only kinds with a non-zero count."""
    items: list[Attention] = []
    role = user.role
    if role in (Role.REPRESENTATIVE, Role.SERGEANT):
        returned = len(posts.returned_posts(session, user))
        items.append(Attention("returned", "Posts returned to you", returned,
                               "posts.attention"))
        held = _count(session, Post.state == PostState.HELD,
                      Post.district_id == user.district_id)
        items.append(Attention("held", "Posts held at release", held, "posts.attention"))
    if role is Role.SERGEANT:
        items.append(Attention("pre_review", "Posts asking for your review", _count(
            session, Post.state == PostState.AWAITING_SERGEANT,
            Post.district_id == user.district_id), "posts.sergeant_queue"))
        items.append(Attention("review", "Published posts to review", _count(
            session, Post.state.in_([PostState.PUBLISHED, PostState.DISCONTINUED]),
            Post.reviewed_at.is_(None), Post.district_id == user.district_id),
            "posts.sergeant_queue"))
        items.append(Attention("text_review", "Official replies and statements to review",
                               published_texts.review_queue_size(session, user.district_id),
                               "posts.sergeant_queue"))
    if role is Role.NEWS_AFFAIRS:
        items.append(Attention("approvals", "Notable posts awaiting approval", _count(
            session, Post.state == PostState.AWAITING_NEWS_AFFAIRS), "posts.news_affairs_queue"))
        items.append(Attention("held", "Posts held at release", _count(
            session, Post.state == PostState.HELD), "posts.attention"))
        items.append(Attention("overdue", "Districts with overdue reviews",
                               len(posts.overdue_reviews(session)), "posts.news_affairs_queue"))
        items.append(Attention("inquiries", "Open media inquiries", session.scalar(
            select(func.count(MediaInquiry.id)).where(
                MediaInquiry.state == InquiryState.OPEN)) or 0, "inquiries.index"))
    return [item for item in items if item.count]


def total(items: list[Attention]) -> int:
    return sum(item.count for item in items)
