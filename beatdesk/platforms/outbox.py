"""The transactional outbox (being built: see the platforms package)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from beatdesk.models import Post


def on_post_event(session: Session, post: Post, action: str) -> None:
    """Called by ``beatdesk.posts`` after every post event, in the same transaction: a release
    queues one create per target account; a discontinuation cancels unsent creates and queues
    deletes where the post went out."""
