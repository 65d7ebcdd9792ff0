"""What the public may see: published posts whose release is still valid.

Public pages and feeds read posts only through these functions, so a notable post without News
Affairs' approval of its current revision, a discontinued post, or a post of an unapproved
district can never leak into them. They all share one condition (``_visible``).

Lists of posts (district pages, feeds) are read as plain columns into small read-only objects
(``public_post_rows``): two queries for any number of posts, and no ORM identity map, change
tracking or lazy loading per row, which used to cost more than the SQL and the rendering.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, selectinload

from .errors import NotFound
from .models import (Category, District, MediaAsset, Post, PostRevision, PostState,
                     RevisionImage)


def _visible():
    return and_(Post.state == PostState.PUBLISHED,
                Post.published_at.is_not(None),
                or_(Post.notable.is_(False), Post.approved_revision_id == Post.current_revision_id),
                District.approved_at.is_not(None))


def public_posts(district_id: int | None = None) -> Select:
    """Visible posts, newest first, with their current revision and images loaded eagerly."""
    query = (select(Post).join(District, Post.district_id == District.id).where(_visible())
             .options(selectinload(Post.current_revision).selectinload(PostRevision.images)
                      .joinedload(RevisionImage.asset))
             .order_by(Post.published_at.desc(), Post.id.desc()))
    if district_id is not None:
        query = query.where(Post.district_id == district_id)
    return query


def get_public_post(session: Session, post_id: int) -> ShownPost:
    """The visible post ``post_id`` with its district, as plain columns (two queries: the
    post with its text and district, then its images). Raises NotFound."""
    found = public_post_rows(session, None, 1, post_id=post_id)
    if not found:
        raise NotFound("That post is not published.")
    return found[0]


@dataclass(frozen=True, slots=True)
class ShownAsset:
    id: int
    width: int
    height: int
    mime: str = "image/jpeg"
    size_bytes: int = 0


@dataclass(frozen=True, slots=True)
class ShownImage:
    alt_text: str
    credit: str
    asset: ShownAsset


@dataclass(slots=True)
class ShownRevision:
    id: int
    number: int
    category: Category
    body: str
    created_at: datetime | None
    images: list[ShownImage] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ShownDistrict:
    id: int
    number: int
    name: str
    slug: str

    @property
    def label(self) -> str:
        return f"District {self.number:03d} ({self.name})"


@dataclass(slots=True)
class ShownPost:
    """What a public page shows of one post (the attribute names of ``Post``)."""

    id: int
    district_id: int
    published_at: datetime
    current_revision: ShownRevision
    district: ShownDistrict | None = None
    # Chicago Twitter V.B.2 (beatdesk.post_validity): the end or review date, and a resolved
    # notice's date and public note (its images are not read at all).
    valid_until: datetime | None = None
    resolved_at: datetime | None = None
    resolved_note: str = ""


@lru_cache(maxsize=4)
def _rows_query(by_district: bool, by_post: bool) -> Select:
    """Built once per shape: building the statement cost more than running it."""
    query = (select(Post.id, Post.district_id, Post.published_at, Post.valid_until,
                    Post.resolved_at, Post.resolved_note,
                    PostRevision.id.label("revision_id"), PostRevision.number,
                    PostRevision.category, PostRevision.body, PostRevision.created_at,
                    District.number.label("district_number"),
                    District.name.label("district_name"), District.slug.label("district_slug"))
             .join(District, Post.district_id == District.id)
             .join(PostRevision, PostRevision.id == Post.current_revision_id)
             .where(_visible())
             .order_by(Post.published_at.desc(), Post.id.desc())
             .limit(bindparam("limit")).offset(bindparam("offset")))
    if by_district:
        query = query.where(Post.district_id == bindparam("district_id"))
    if by_post:
        query = query.where(Post.id == bindparam("post_id"))
    return query


@lru_cache(maxsize=1)
def _images_query() -> Select:
    return (select(RevisionImage.revision_id, RevisionImage.alt_text, RevisionImage.credit,
                   MediaAsset.id, MediaAsset.width, MediaAsset.height, MediaAsset.mime,
                   MediaAsset.size_bytes)
            .join(MediaAsset, MediaAsset.id == RevisionImage.asset_id)
            .where(RevisionImage.revision_id.in_(bindparam("revisions", expanding=True)))
            .order_by(RevisionImage.revision_id, RevisionImage.position))


def public_post_rows(session: Session, district_id: int | None, limit: int,
                     offset: int = 0, post_id: int | None = None) -> list[ShownPost]:
    """Visible posts, newest first, as ``ShownPost`` (with their district): one query for the
    posts, their current text and district, one for the images of the page (none when the page
    is empty). ``post_id`` reads that one post."""
    params = {"limit": limit, "offset": offset}
    if district_id is not None:
        params["district_id"] = district_id
    if post_id is not None:
        params["post_id"] = post_id
    query = _rows_query(district_id is not None, post_id is not None)
    districts: dict[int, ShownDistrict] = {}
    posts = [ShownPost(id=row.id, district_id=row.district_id, published_at=row.published_at,
                       current_revision=ShownRevision(row.revision_id, row.number, row.category,
                                                      row.body, row.created_at),
                       district=districts.get(row.district_id) or districts.setdefault(
                           row.district_id, ShownDistrict(row.district_id, row.district_number,
                                                          row.district_name, row.district_slug)),
                       valid_until=row.valid_until, resolved_at=row.resolved_at,
                       resolved_note=row.resolved_note)
             for row in session.execute(query, params)]
    # A resolved notice's images are taken down everywhere (beatdesk.post_validity).
    by_revision = {post.current_revision.id: post.current_revision for post in posts
                   if post.resolved_at is None}
    if by_revision:
        for row in session.execute(_images_query(), {"revisions": list(by_revision)}):
            by_revision[row[0]].images.append(
                ShownImage(row[1], row[2], ShownAsset(row[3], row[4], row[5], row[6], row[7])))
    return posts


@lru_cache(maxsize=1)
def _post_ref_query() -> Select:
    """Built once: building the condition costs more than running it (every comment POST)."""
    return (select(Post.id, Post.district_id, District.moderation_mode)
            .join(District, Post.district_id == District.id)
            .where(_visible(), Post.id == bindparam("post_id")))


def public_post_ref(session: Session, post_id: int):
    """The id, district id and the district's moderation mode of a visible post (one row,
    no revision or images): what storing a comment needs. Raises NotFound."""
    row = session.execute(_post_ref_query(), {"post_id": post_id}).first()
    if row is None:
        raise NotFound("That post is not published.")
    return row


def public_revision_ids() -> Select:
    """Ids of the revisions the public sees (for serving their images)."""
    return (select(Post.current_revision_id).join(District, Post.district_id == District.id)
            .where(_visible(), Post.resolved_at.is_(None)))


def resolved_asset(session: Session, asset_id: int) -> bool:
    """Was ``asset_id`` an image of a notice marked resolved (taken down: 410 Gone)?"""
    return session.scalar(
        select(RevisionImage.id)
        .join(PostRevision, PostRevision.id == RevisionImage.revision_id)
        .join(Post, Post.id == PostRevision.post_id)
        .where(RevisionImage.asset_id == asset_id, Post.resolved_at.is_not(None)).limit(1)
    ) is not None
