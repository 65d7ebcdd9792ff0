"""Atom and RSS feeds of published posts (the only module that uses feedgen).

The web layer chooses the posts (through ``beatdesk.publication``) and hands in absolute URLs;
this module only writes the XML. Entry ids are the posts' permanent public addresses, so a
reader never sees the same post twice, and a discontinued post simply leaves the feed.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from beatdesk.models import Department, Post
from beatdesk.text import scrub

EXCERPT_LENGTH = 80
# The time a feed without any entry reports as its last change: fixed, so its ETag is stable.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedInfo:
    """What identifies one feed: its title, description, own address and the page it mirrors."""

    title: str
    description: str
    feed_url: str
    page_url: str


def post_title(post: Post) -> str:
    """A short title for an untitled post: its category and the start of its text."""
    body = " ".join(scrub(post.current_revision.body).split())
    excerpt = body if len(body) <= EXCERPT_LENGTH else body[:EXCERPT_LENGTH - 1].rstrip() + "…"
    return f"{post.current_revision.category.label}: {excerpt}"


def post_updated(post: Post) -> datetime:
    """When the post's public text last changed: publication, or a later revision."""
    revised = post.current_revision.created_at
    return max(post.published_at, revised) if revised else post.published_at


def feed_updated(posts: Sequence[Post]) -> datetime:
    return max((post_updated(p) for p in posts), default=EPOCH)


def build_feed(kind: str, info: FeedInfo, posts: Sequence[Post], department: Department | None,
               post_url: Callable[[Post], str], checkpoint: dict | None = None,
               checkpoint_url: str | None = None) -> bytes:
    """The feed as bytes; ``kind`` is "atom" or "rss". ``posts`` come newest first.

    ``checkpoint`` (a signed archive checkpoint, ``beatdesk.checkpoints.document``) is carried
    as a feed category pointing at ``checkpoint_url``, so feed readers keep copies of it.
    """
    if kind not in ("atom", "rss"):
        raise ValueError(f"unknown feed kind {kind!r}")
    author = _author(department)
    fg = FeedGenerator()
    fg.id(info.feed_url)
    # scrub: a row stored before text was normalised must not break the feed for everybody.
    fg.title(scrub(info.title))
    fg.subtitle(scrub(info.description))  # RSS's required <description>
    fg.author(author)
    fg.link(href=info.feed_url, rel="self")
    fg.link(href=info.page_url, rel="alternate")  # last: feedgen's RSS <link> takes the latest
    fg.language("en")
    fg.generator("Beatdesk")
    if checkpoint is not None and checkpoint_url:
        # A category is the one feed-level element both Atom and RSS carry with a URL.
        # RSS shows the term itself (feedgen would show a label instead, so none is given).
        fg.category(term=f"archive-checkpoint:{checkpoint['position']}:{checkpoint['record_hash']}",
                    scheme=checkpoint_url)
    fg.updated(feed_updated(posts))
    fg.lastBuildDate(feed_updated(posts))
    for post in posts:
        url = post_url(post)
        entry = fg.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(post_title(post))
        entry.link(href=url, rel="alternate")
        entry.published(post.published_at)
        entry.updated(post_updated(post))
        entry.author(author)
        entry.category(term=post.current_revision.category.value,
                       label=post.current_revision.category.label)
        entry.content(scrub(post.current_revision.body), type="text")
        entry.description(scrub(post.current_revision.body))
    return fg.atom_str(pretty=False) if kind == "atom" else fg.rss_str(pretty=False)


def _author(department: Department | None) -> dict:
    if department is None:
        return {"name": "Police department"}
    author = {"name": scrub(department.name), "uri": scrub(department.official_website)}
    if department.contact_email:
        author["email"] = scrub(department.contact_email)  # RSS names authors by e-mail
    return author
