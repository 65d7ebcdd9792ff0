"""What the public may see: published posts whose release is still valid.

Public pages and feeds read posts only through these functions, so a notable post without News
Affairs' approval of its current revision, a discontinued post, or a post of an unapproved
district can never leak into them.
"""
from __future__ import annotations

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from .errors import NotFound
from .models import District, Post, PostRevision, PostState, RevisionImage


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


def get_public_post(session: Session, post_id: int) -> Post:
    post = session.scalars(public_posts().where(Post.id == post_id)).first()
    if post is None:
        raise NotFound("That post is not published.")
    return post


def public_post_ref(session: Session, post_id: int):
    """The id, district id and the district's moderation mode of a visible post (one row,
    no revision or images): what storing a comment needs. Raises NotFound."""
    row = session.execute(
        select(Post.id, Post.district_id, District.moderation_mode)
        .join(District, Post.district_id == District.id)
        .where(_visible(), Post.id == post_id)).first()
    if row is None:
        raise NotFound("That post is not published.")
    return row


def public_revision_ids() -> Select:
    """Ids of the revisions the public sees (for serving their images)."""
    return (select(Post.current_revision_id).join(District, Post.district_id == District.id)
            .where(_visible()))
