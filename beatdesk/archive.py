"""The archive: append-only, hash-chained records of everything Beatdesk holds.

Callers record a change in the same transaction as the change itself::

    archive.append(session, record_type="post.revision", object_id=revision.id,
                   district_id=post.district_id, actor=actor, content={...})
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .context import Actor


def append(session: Session, *, record_type: str, object_id: int | str,
           district_id: int | None, actor: Actor | None, content: dict[str, Any]) -> None:
    """Append one record to the chain (filled in by the archive module's implementation)."""
