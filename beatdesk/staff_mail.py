"""E-mail to staff when work waits for them (being built)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from beatdesk.models import Post


def on_post_event(session: Session, post: Post, action: str, note: str = "") -> None:
    """Called by ``beatdesk.posts`` after every post event, in the same transaction."""
