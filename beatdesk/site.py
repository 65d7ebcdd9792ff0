"""What the public pages read: approved districts and their visible posts, page by page.

Every function here runs a fixed number of indexed queries whatever the amount of data, so
public pages stay fast as the archive grows. Posts are read only through
``beatdesk.publication``, which decides what the public may see.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from beatdesk.errors import NotFound
from beatdesk.models import District
from beatdesk.publication import ShownPost, public_post_rows


@dataclass(frozen=True)
class PostPage:
    """One page of posts, newest first; ``has_older`` says whether another page follows."""

    items: list[ShownPost]
    page: int
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.page > 1


def approved_districts(session: Session) -> list[District]:
    """Approved districts in number order (one query)."""
    return list(session.scalars(select(District).where(District.approved_at.is_not(None))
                                .order_by(District.number)))


def get_public_district(session: Session, slug: str) -> District:
    """The approved district with this slug. Raises NotFound for an unknown or unapproved one."""
    district = session.scalar(select(District).where(District.slug == slug,
                                                     District.approved_at.is_not(None)))
    if district is None:
        raise NotFound("There is no district page at this address.")
    return district


def posts_page(session: Session, district_id: int | None, page: int, per_page: int) -> PostPage:
    """Page ``page`` (from 1) of the visible posts, without counting them all.

    One row more than a page is fetched to learn whether an older page exists; a count over a
    large district would cost more than the page itself.
    """
    page = max(1, page)
    rows = public_post_rows(session, district_id, per_page + 1, (page - 1) * per_page)
    return PostPage(items=rows[:per_page], page=page, has_older=len(rows) > per_page)


def newest_posts(session: Session, district_id: int | None, limit: int) -> list[ShownPost]:
    """The ``limit`` newest visible posts (for feeds)."""
    return public_post_rows(session, district_id, limit)
