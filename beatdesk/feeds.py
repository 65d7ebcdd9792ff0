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
from markupsafe import escape

from beatdesk import clock
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
    """When the post's public text last changed: publication, a later revision, or its
    resolution (a resolved notice's images were taken down)."""
    changes = [post.current_revision.created_at, getattr(post, "resolved_at", None)]
    return max([post.published_at, *(c for c in changes if c)])


def _body(post: Post) -> str:
    """The post's text, with "Resolved: <note>" after a resolved notice's (Chicago Twitter
    V.B.2; its images are no longer read, so no enclosure carries them)."""
    body = scrub(post.current_revision.body)
    if getattr(post, "resolved_at", None):
        when = clock.department_text(post.resolved_at)
        body += f"\n\nResolved: {scrub(post.resolved_note)} ({when})"
    return body


def feed_updated(posts: Sequence[Post]) -> datetime:
    return max((post_updated(p) for p in posts), default=EPOCH)


def content_html(post: Post, image_url: Callable[[int], str] | None) -> str:
    """The entry's content as HTML: the text's paragraphs, then each image with its
    description as ``alt`` and its credit (feed readers show this to the reader)."""
    body = _body(post).replace("\r\n", "\n")
    parts = ["<p>" + "<br>".join(str(escape(line)) for line in block.strip().split("\n")) + "</p>"
             for block in body.split("\n\n") if block.strip()]
    for image in (post.current_revision.images if image_url else []):
        credit = scrub(image.credit)
        parts.append(f'<figure><img src="{escape(image_url(image.asset.id))}" '
                     f'alt="{escape(scrub(image.alt_text))}" width="{int(image.asset.width)}" '
                     f'height="{int(image.asset.height)}">'
                     + (f"<figcaption>{escape(credit)}</figcaption>" if credit else "")
                     + "</figure>")
    return "".join(parts)


def build_feed(kind: str, info: FeedInfo, posts: Sequence[Post], department: Department | None,
               post_url: Callable[[Post], str], checkpoint: dict | None = None,
               checkpoint_url: str | None = None,
               image_url: Callable[[int], str] | None = None) -> bytes:
    """The feed as bytes; ``kind`` is "atom" or "rss". ``posts`` come newest first.

    ``checkpoint`` (a signed archive checkpoint, ``beatdesk.checkpoints.document``) is carried
    as a feed category pointing at ``checkpoint_url``, so feed readers keep copies of it.
    ``image_url`` (an asset id to the image's absolute address) adds each post's images: in the
    content as ``<img alt>``, and as enclosures (Atom: one ``link rel="enclosure"`` per image,
    titled with its description; RSS allows one ``enclosure``, the first image).
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
        images = post.current_revision.images if image_url else []
        if images:
            html = content_html(post, image_url)
            entry.content(html, type="html")
            entry.description(html)
            if kind == "rss":
                first = images[0]
                entry.enclosure(image_url(first.asset.id), str(first.asset.size_bytes or 0),
                                first.asset.mime)
        else:
            entry.content(_body(post), type="text")
            entry.description(_body(post))
    if kind == "rss":
        return fg.rss_str(pretty=False)
    return _with_enclosures(fg.atom_str(pretty=False), posts, image_url)


def _with_enclosures(atom: bytes, posts: Sequence[Post],
                     image_url: Callable[[int], str] | None) -> bytes:
    """Atom entries get one ``<link rel="enclosure">`` per image, titled with its description.
    (feedgen 1.0 writes an entry's links without their ``rel``, so they are added here.)"""
    if image_url is None or not any(p.current_revision.images for p in posts):
        return atom
    from lxml import etree

    namespace = "{http://www.w3.org/2005/Atom}"
    root = etree.fromstring(atom)
    for element, post in zip(root.iter(f"{namespace}entry"), posts):
        for image in post.current_revision.images:
            etree.SubElement(element, f"{namespace}link", rel="enclosure",
                             href=image_url(image.asset.id), type=image.asset.mime,
                             length=str(image.asset.size_bytes or 0),
                             title=scrub(image.alt_text))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _author(department: Department | None) -> dict:
    if department is None:
        return {"name": "Police department"}
    author = {"name": scrub(department.name), "uri": scrub(department.official_website)}
    if department.contact_email:
        author["email"] = scrub(department.contact_email)  # RSS names authors by e-mail
    return author
