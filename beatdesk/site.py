"""What the public pages read: approved districts and their visible posts, page by page.

Every function here runs a fixed number of indexed queries whatever the amount of data, so
public pages stay fast as the archive grows. Posts are read only through
``beatdesk.publication``, which decides what the public may see.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from bleach.linkifier import Linker
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from beatdesk.errors import NotFound
from beatdesk.models import District
from beatdesk.models.outlets import Outlet, OutletVersion
from beatdesk.publication import ShownPost, public_post_rows


@dataclass(frozen=True)
class PostPage:
    """One page of posts, newest first; ``has_older`` says whether another page follows."""

    items: list[ShownPost]
    page: int
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.page > 1


def approved_districts(session: Session) -> list[District | PublicDistrict]:
    """Approved districts in number order (one query); one awaiting approval again after a
    change shows its last approved wording."""
    from beatdesk.outlets import approved_fields_by_district
    rows = list(session.scalars(select(District).where(District.approved_at.is_not(None))
                                .order_by(District.number)))
    approved = approved_fields_by_district(session)
    return [PublicDistrict(**{name: approved[d.id].get(name, getattr(d, name))
                              if name != "slug" else d.slug
                              for name in PublicDistrict.__slots__})
            if d.id in approved else d for d in rows]


@dataclass(frozen=True, slots=True)
class PublicDistrict:
    """What a district's public page and feeds show of it (the attribute names of District)."""

    id: int
    number: int
    name: str
    slug: str
    intro_statement: str
    contact_phone: str
    contact_email: str
    contact_address: str
    handle_x: str
    handle_mastodon: str
    handle_bluesky: str

    @property
    def label(self) -> str:
        return f"District {self.number:03d} ({self.name})"


@lru_cache(maxsize=1)
def _district_query():
    """Built once: building the statement cost more than running it. The last column holds
    the fields of the district's last approved version while a change awaits approval again
    (as ``outlets.approved_fields_by_district``), NULL otherwise: one statement for the page."""
    approved_fields = (
        select(OutletVersion.fields)
        .join(Outlet, (OutletVersion.outlet_id == Outlet.id)
              & (OutletVersion.number == Outlet.approved_number))
        .where(Outlet.district_id == District.id, Outlet.approved_number != Outlet.current_number)
        .correlate(District).limit(1).scalar_subquery())
    return select(*(getattr(District, name) for name in PublicDistrict.__slots__),
                  approved_fields).where(
        District.slug == bindparam("slug"), District.approved_at.is_not(None))


def get_public_district(session: Session, slug: str) -> PublicDistrict:
    """The approved district with this slug, as plain columns. Raises NotFound for an unknown
    or unapproved one."""
    row = session.execute(_district_query(), {"slug": slug}).first()
    if row is None:
        raise NotFound("There is no district page at this address.")
    *columns, approved = row
    district = PublicDistrict(*columns)
    # Awaiting approval again after a change: the page keeps its last approved wording.
    if approved:
        district = replace(district, **{k: v for k, v in dict(approved).items()
                                        if k in PublicDistrict.__slots__ and k != "slug"})
    return district


def posts_page(session: Session, district_id: int | None, page: int, per_page: int) -> PostPage:
    """Page ``page`` (from 1) of the visible posts, without counting them all.

    One row more than a page is fetched to learn whether an older page exists; a count over a
    large district would cost more than the page itself.
    """
    page = max(1, page)
    rows = public_post_rows(session, district_id, per_page + 1, (page - 1) * per_page)
    return PostPage(items=rows[:per_page], page=page, has_older=len(rows) > per_page)


def newest_posts(session: Session, district_id: int | None, limit: int) -> list[ShownPost]:
    """The ``limit`` newest visible posts (for feeds)."""
    return public_post_rows(session, district_id, limit)


# --- how a post's text is shown ---------------------------------------------------------------

HEADING_LENGTH = 80
LINK_REL = "nofollow ugc noopener"
SAFE_SCHEMES = ("http", "https")


@lru_cache(maxsize=4096)
def post_heading(category_label: str, body: str) -> str:
    """A post's readable heading: the first sentence of its text, cut at a word near
    ``HEADING_LENGTH`` characters ("Road closed on Elm Street until 6 PM."); the category when
    the text is empty. The category and date are shown next to it."""
    first = next((line.strip() for line in body.replace("\r\n", "\n").split("\n")
                  if line.strip()), "")
    first = " ".join(first.split())
    if not first:
        return category_label
    # The first full stop far enough in not to be an abbreviation's ("9 a.m.", "St.").
    ends = [m.end() for m in _SENTENCE_END.finditer(first) if m.end() >= 30]
    if ends and ends[0] <= HEADING_LENGTH + 20:
        return first[:ends[0]]
    if len(first) <= HEADING_LENGTH:
        return first
    cut = first[:HEADING_LENGTH].rsplit(" ", 1)[0] if " " in first[:HEADING_LENGTH] else \
        first[:HEADING_LENGTH]
    return cut.rstrip(" ,;:-") + "…"


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def _link_attributes(attrs, new=False):
    """bleach callback: links open nothing but http(s), and say they are the visitor's
    content to follow at their own risk (``rel="nofollow ugc noopener"``)."""
    href = attrs.get((None, "href"), "")
    if href.split(":", 1)[0].lower() not in SAFE_SCHEMES:
        return None  # the text stays, unlinked
    attrs[(None, "rel")] = LINK_REL
    return attrs


_linker = Linker(callbacks=[_link_attributes], parse_email=False)


@lru_cache(maxsize=4096)
def post_body_html(body: str) -> Markup:
    """A post's text as HTML: escaped, one paragraph per blank-line-separated block, a line
    break per line, and web addresses made links (http and https only, ``rel="nofollow ugc
    noopener"``). A pure function of the text (revisions never change), so it is kept."""
    paragraphs = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        if block.strip():
            lines = [str(escape(line)) for line in block.strip().split("\n")]
            paragraphs.append("<p>" + "<br>".join(lines) + "</p>")
    return Markup(_linker.linkify("\n".join(paragraphs)))


_X = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
_MASTODON = re.compile(r"^@?([A-Za-z0-9_.]{1,64})@([A-Za-z0-9.-]{1,200}\.[A-Za-z]{2,})$")
_BLUESKY = re.compile(r"^@?((?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,})$")
_WEB = re.compile(r"^https://[^\s\"'<>]+$")


def handle_url(kind: str, handle: str) -> str | None:
    """The profile address of a district's handle on a platform ("x", "mastodon", "bluesky"),
    or None when the handle is not in a form that names one (it is then shown as text)."""
    handle = (handle or "").strip()
    if _WEB.match(handle):
        return handle
    if kind == "x" and (m := _X.match(handle)):
        return f"https://x.com/{m.group(1)}"
    if kind == "mastodon" and (m := _MASTODON.match(handle)):
        return f"https://{m.group(2)}/@{m.group(1)}"
    if kind == "bluesky" and (m := _BLUESKY.match(handle)):
        return f"https://bsky.app/profile/{m.group(1)}"
    return None
