"""The comment section shown under a published post on its public page."""
from __future__ import annotations

from typing import Any


def comment_section(post) -> dict[str, Any]:
    """Template context for ``templates/comments/_section.html`` (filled in by the comments area)."""
    return {}
