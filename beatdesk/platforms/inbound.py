"""Replies captured from the platforms (being built: see the platforms package)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from beatdesk.context import Actor
from beatdesk.models import Comment


def on_moderation(session: Session, actor: Actor, comment: Comment, action: str) -> None:
    """Called by ``beatdesk.moderation`` after every decision, in the same transaction: a
    takedown of a platform reply is mirrored where the platform allows it."""
