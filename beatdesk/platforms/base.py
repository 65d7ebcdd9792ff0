"""What every platform connector offers, in the platform's terms and nobody else's.

A connector is built for one connected account (``PlatformAccount``: base URL, the platform's id
for the account, opened credentials) and does one network operation per call. It never touches
the database: the outbox worker (``beatdesk.platforms.outbox``) decides what to send, records
what came back and retries; inbound polling (``beatdesk.platforms.inbound``) stores what it
reads. Errors are classified here, once, so the worker's retry policy is the same for every
platform.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


# --- what goes out -----------------------------------------------------------------------------

@dataclass(frozen=True)
class OutgoingImage:
    data: bytes
    mime_type: str       # image/jpeg, image/png (re-encoded by beatdesk.media)
    alt_text: str        # required by every platform's accessibility rules and by the directives
    filename: str = "image"


@dataclass(frozen=True)
class OutgoingPost:
    text: str                                   # exactly what the reviewers approved
    images: tuple[OutgoingImage, ...] = ()      # at most four
    # Chosen when the outbox row was written and reused on every try: Mastodon's
    # Idempotency-Key, Bluesky's record key (a TID), X's reconciliation marker.
    key: str = ""
    link: str = ""                              # the post on the department's own site


@dataclass(frozen=True)
class Sent:
    """The platform's receipt for a post it accepted."""

    platform_id: str     # tweet id, status id, at:// URI
    url: str             # where the public sees it
    sent_at: datetime | None = None


@dataclass(frozen=True)
class AccountInfo:
    """What "test the connection" learns about the account."""

    handle: str          # @name, name@instance, name.bsky.social
    account_ref: str     # X user id, Mastodon account id, Bluesky DID
    url: str = ""
    display_name: str = ""


# --- what comes back ---------------------------------------------------------------------------

@dataclass(frozen=True)
class InboundItem:
    """A reply, mention or quote of the department's account, as the platform has it now."""

    platform_id: str                 # unique on the platform (tweet id, status id, at:// URI)
    kind: str                        # "reply", "mention" or "quote"
    author_handle: str
    author_ref: str                  # the platform's id for the author (for block / report)
    author_name: str
    text: str
    url: str
    created_at: datetime             # aware, UTC
    # The department's post it answers or quotes (its platform id), when the platform says.
    in_reply_to: str | None = None
    root: str | None = None          # the conversation's first post (X, Bluesky threadgates)
    edited_at: datetime | None = None
    deleted: bool = False


@dataclass(frozen=True)
class InboundPage:
    items: list[InboundItem] = field(default_factory=list)
    cursor: str = ""                 # store it; pass it back on the next poll


# --- errors ------------------------------------------------------------------------------------

class ConnectorError(Exception):
    """A call that did not do what was asked. ``status`` is the HTTP status when there was one."""

    retryable = False

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class TransientError(ConnectorError):
    """5xx, a time-out or a connection lost before the answer: try again later. The request
    may have been carried out (the answer was lost), so the worker reconciles first."""

    retryable = True


class RateLimited(TransientError):
    """429: try again at ``reset_at`` (from the platform's reset headers), not before."""

    def __init__(self, message: str, reset_at: datetime | None, status: int = 429):
        super().__init__(message, status)
        self.reset_at = reset_at


class PermanentError(ConnectorError):
    """Another 4xx (bad credentials, text refused, not found): trying again won't help."""


class DuplicateContent(PermanentError):
    """The platform refuses the text as a duplicate of a post the account already made (X's
    403); the worker looks the earlier post up instead of failing the row."""


class NotSupported(PermanentError):
    """The platform has no such operation (e.g. hiding someone else's reply on Mastodon)."""


# --- the contract ------------------------------------------------------------------------------

@runtime_checkable
class Connector(Protocol):
    platform: str                    # "x", "mastodon", "bluesky", "local"

    def verify(self) -> AccountInfo:
        """Sign in and read the account: the admin's "test the connection"."""

    def create_post(self, post: OutgoingPost) -> Sent:
        """Upload the images with their alt text, then create the post under ``post.key``."""

    def find_post(self, post: OutgoingPost, since: datetime | None) -> Sent | None:
        """The post already made for ``post.key`` (an earlier try whose answer was lost), or
        None. Called before every retry of a create, so no platform gets the post twice."""

    def delete_post(self, platform_id: str) -> None:
        """Delete the account's post; a post already gone counts as deleted."""

    def fetch_replies(self, cursor: str) -> InboundPage:
        """Replies, mentions and quotes since ``cursor`` ("" = from now on), oldest first."""

    def lookup(self, platform_ids: list[str]) -> list[InboundItem]:
        """The current state of replies captured before (edited text, or ``deleted``)."""

    def hide_reply(self, platform_id: str, root: str | None, hidden: bool = True) -> None:
        """Hide (or unhide) someone's reply in the account's conversation (X, Bluesky);
        Mastodon raises NotSupported."""

    def block(self, author_ref: str) -> None:
        """Block the author from the account (where the platform allows)."""

    def report(self, author_ref: str, platform_ids: list[str], comment: str) -> None:
        """Report the author's posts to the platform's moderators (where it allows)."""
