"""The local connector: no network. A fresh install and the demo "publish" to it, so the
outbox, receipts and the worker work offline; its receipt is the post's own public page."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from beatdesk import clock
from beatdesk.models.platforms import PlatformAccount

from .base import (AccountInfo, InboundItem, InboundPage, NotSupported, OutgoingPost, Sent)


class LocalConnector:
    """Accepts every post at once under ``local-<key>``; reads no replies."""

    platform = "local"

    def __init__(self, account: PlatformAccount | None = None, config: Mapping | None = None):
        self.handle = account.handle if account is not None else "local"

    def verify(self) -> AccountInfo:
        return AccountInfo(handle=self.handle, account_ref="local", display_name="Local")

    def create_post(self, post: OutgoingPost) -> Sent:
        # The same key always gives the same receipt: sending twice changes nothing.
        return Sent(platform_id=f"local-{post.key}", url=post.link, sent_at=clock.utcnow())

    def find_post(self, post: OutgoingPost, since: datetime | None) -> Sent | None:
        return None  # nothing leaves the machine, so nothing can have been half sent

    def delete_post(self, platform_id: str) -> None:
        return None

    def fetch_replies(self, cursor: str) -> InboundPage:
        return InboundPage(items=[], cursor=cursor)

    def lookup(self, platform_ids: list[str]) -> list[InboundItem]:
        return []

    def hide_reply(self, platform_id: str, root: str | None, hidden: bool = True) -> None:
        return None

    def block(self, author_ref: str) -> None:
        return None

    def report(self, author_ref: str, platform_ids: list[str], comment: str) -> None:
        raise NotSupported("The local connector has no moderators to report to.")
