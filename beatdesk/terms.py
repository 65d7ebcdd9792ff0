"""The Terms of Service and Takedown Policy: versions, rendering, and the clauses moderators cite.

Convention for the text (Markdown): one section headed ``## Takedown Policy`` holds a numbered
list; each item starts with its title in bold, then says what it covers::

    ## Takedown Policy

    1. **Obscenity.** Obscene or sexually explicit words or images.
    2. **Off-topic content.** Comments that are not about the post.

Those items are the clauses (``takedown_clauses``) a moderator must cite to remove a comment.
A version without at least one clause can't be saved or published.

A new installation gets version 1, the default text below, from migration 0004. Should the table
be empty all the same (e.g. emptied by hand), ``current_terms`` installs the default again on
first use, so a public page always has terms to show and a comment always has a version to accept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import bleach
from markdown_it import MarkdownIt
from markdown_it.token import Token
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import archive, clock
from beatdesk.audit import record_event
from beatdesk.context import SYSTEM, Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import User
from beatdesk.models.terms import TermsVersion
from beatdesk.roles import Role

TITLE_MAX = 200
SOURCE_MAX = 100_000
SUMMARY_MAX = 2_000
TAKEDOWN_HEADING = re.compile(r"^\s*takedown policy\b", re.IGNORECASE)

DEFAULT_TITLE = "Terms of Service and Takedown Policy"

DEFAULT_MARKDOWN = """\
These pages are run by the police department to share news, alerts and events with the
people we serve, and to hear from you. By commenting you agree to these terms.

## Not for emergencies or crime reports

**In an emergency, call 911.** Do not use these pages or their comments to report a crime,
ask for police help or send a tip about a case: nobody watches them around the clock. To report
a crime that is not an emergency, call the department's non-emergency number or use the contact
details on our official website.

## Your comments and our opinions

You are welcome to comment on what we post, including to disagree with us. Comments are the
opinions of the people who write them. They do not reflect the opinions or the policies of the
department, and a comment left in place is not an endorsement.

## Everything here is public

Anything you post or send us here, including your name and any e-mail address you give, may be
a public record. It is kept, and it may be disclosed to anyone who asks for it under public
records law, even after it is removed from the page.

## We monitor comments

Department staff read the comments. Some districts check each comment before it appears; in
others, comments appear at once and may be removed later. Comments held by our automatic
screening wait until a person has looked at them.

## Takedown Policy

We may remove a comment, in whole, if it falls under one of the numbered clauses below. When we
remove a comment, we say which clause it broke. We never remove a comment because it criticizes
the department or because of the point of view it expresses.

1. **Obscenity.** Obscene, sexually explicit or vulgar words, links or images.
2. **Off-topic content.** Comments that are not about the subject of the post they are under.
3. **Personal attacks.** Insults, name-calling or harassment aimed at anyone: other visitors,
   department staff or any other person.
4. **Threats.** Threats of violence or harm to any person, group or property, and comments that
   encourage illegal activity.
5. **Discrimination against a protected class.** Content that demeans or attacks people because
   of their race, color, religion, national origin, ancestry, sex, gender identity, sexual
   orientation, age, disability, or any other class protected by law.
6. **Spam and advertising.** Advertising, promotion of a business, product or service, repeated
   messages, and links or text posted in bulk.
7. **Personal information about others.** Home addresses, phone numbers, e-mail addresses,
   dates of birth, identity or account numbers, or other private details about another person.
8. **Compromising an investigation or endangering anyone.** Content that could compromise an
   investigation or a court case, or put the safety of anyone, including officers, victims and
   witnesses, at risk.

## Our right to remove content and to block

The department may remove any comment covered by the Takedown Policy, and may stop a person
who keeps breaking these terms from commenting for a time. A removed comment is replaced by a
short note naming the clause it broke. Removed comments are not destroyed: they are kept in the
department's records as the law requires.

## Changes to these terms

We may change these terms. Each change is published as a new version with its date; earlier
versions stay readable, and every comment records the version its author accepted.
"""


@dataclass(frozen=True)
class Clause:
    """A numbered takedown clause, e.g. ``Clause("3", "Personal attacks")``."""

    number: str
    title: str

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def anchor(self) -> str:
        """The fragment id of this clause on the terms page (``/terms/2#clause-3``)."""
        return f"clause-{self.number}"


@dataclass
class TermsData:
    title: str
    source_markdown: str
    summary_of_changes: str = ""


def can_manage_terms(user: User | None) -> bool:
    """Administrators write and publish the terms (Information Services, DESIGN.md section 1)."""
    return (user is not None and getattr(user, "is_authenticated", False) and user.active
            and user.role is Role.ADMIN)


# --- parsing and rendering ---------------------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})

ALLOWED_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em",
                          "a", "blockquote", "code", "pre", "br", "hr"})
_ID = re.compile(r"^(clause-\d+|takedown-policy|section-[a-z0-9-]{1,90})$")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "id":
        return tag in ("li", "h2", "h3") and bool(_ID.match(value))
    return (tag, name) in {("a", "href"), ("a", "title"), ("ol", "start")}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _inline_text(token: Token) -> str:
    return "".join(child.content for child in token.children or []
                   if child.type in ("text", "code_inline"))


def _parse(source: str) -> tuple[list[Token], list[Clause]]:
    """Tokens of ``source`` (headings demoted below the page's own h1, ids set) and its clauses.

    Raises ValidationFailed (field ``source_markdown``) when the takedown section is missing,
    has no numbered list, or has an item without a bold title.
    """
    tokens = _markdown.parse(source)
    clauses: list[Clause] = []
    in_takedown = found_heading = False
    list_depth = list_start = 0
    takedown_list_done = False
    used_ids: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"  # the page title is the only h1
        if token.type == "heading_open" and token.tag == "h2":
            heading = _inline_text(tokens[index + 1])
            in_takedown = bool(TAKEDOWN_HEADING.match(heading)) and not found_heading
            found_heading = found_heading or in_takedown
            anchor = "takedown-policy" if in_takedown else f"section-{_slug(heading) or 'untitled'}"
            if anchor not in used_ids:
                used_ids.add(anchor)
                token.attrSet("id", anchor)
            continue
        if not in_takedown or takedown_list_done:
            continue
        if token.type == "ordered_list_open":
            list_depth += 1
            if list_depth == 1:
                list_start = int(token.attrs.get("start", 1))
        elif token.type == "ordered_list_close":
            list_depth -= 1
            takedown_list_done = list_depth == 0
        elif token.type == "list_item_open" and token.markup in (".", ")") and list_depth == 1 \
                and token.level == 1:
            # The number a visitor sees: lists are numbered on from their first item.
            number = str(list_start + len(clauses))
            title = _clause_title(tokens, index)
            if not title:
                raise ValidationFailed(
                    f"Takedown clause {number} must start with its title in bold, "
                    f"for example “{number}. **Threats.** …”.", field="source_markdown")
            token.attrSet("id", f"clause-{number}")
            clauses.append(Clause(number=number, title=title))
    if not found_heading:
        raise ValidationFailed("The text needs a section headed “## Takedown Policy” with its "
                               "numbered clauses.", field="source_markdown")
    if not clauses:
        raise ValidationFailed("The Takedown Policy section needs at least one numbered clause, "
                               "each starting with its title in bold: “1. **Obscenity.** …”.",
                               field="source_markdown")
    numbers = [c.number for c in clauses]
    if len(set(numbers)) != len(numbers):
        raise ValidationFailed("Two takedown clauses have the same number.", field="source_markdown")
    return tokens, clauses


def _clause_title(tokens: list[Token], item_index: int) -> str:
    """The bold text that opens a list item, without its trailing punctuation."""
    for token in tokens[item_index + 1:]:
        if token.type == "inline":
            children = [c for c in token.children or []
                        if not (c.type == "text" and not c.content.strip())]
            if len(children) < 3 or children[0].type != "strong_open":
                return ""
            close = next((i for i, c in enumerate(children) if c.type == "strong_close"), None)
            if close is None:
                return ""
            title = "".join(c.content for c in children[1:close])
            return title.strip().rstrip(".:;,—– ").strip()
        if token.type == "list_item_close":
            return ""
    return ""


def render_markdown(source: str) -> str:
    """Markdown to sanitized HTML: no raw HTML, only an allowlist of tags and attributes."""
    tokens, _clauses = _parse(source)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes=_allowed_attribute,
                        protocols={"http", "https", "mailto"}, strip=True)


@lru_cache(maxsize=32)
def _clauses_of(source: str) -> tuple[Clause, ...]:
    return tuple(_parse(source)[1])


def takedown_clauses(terms: TermsVersion) -> list[Clause]:
    """The numbered clauses of ``terms``' Takedown Policy, in order."""
    return list(_clauses_of(terms.source_markdown))


def find_clause(terms: TermsVersion, number: str) -> Clause:
    """The clause numbered ``number``. Raises ValidationFailed if ``terms`` has no such clause."""
    for clause in takedown_clauses(terms):
        if clause.number == str(number).strip():
            return clause
    raise ValidationFailed("Choose a clause of the published Takedown Policy.", field="clause")


def _clean(data: TermsData) -> TermsData:
    data = TermsData(title=data.title.strip(), source_markdown=data.source_markdown.replace("\r\n", "\n"),
                     summary_of_changes=data.summary_of_changes.strip())
    if not data.title:
        raise ValidationFailed("Enter a title.", field="title")
    if len(data.title) > TITLE_MAX:
        raise ValidationFailed(f"The title can be at most {TITLE_MAX} characters.", field="title")
    if not data.source_markdown.strip():
        raise ValidationFailed("Enter the text of the terms.", field="source_markdown")
    if len(data.source_markdown) > SOURCE_MAX:
        raise ValidationFailed(f"The text can be at most {SOURCE_MAX:,} characters.",
                               field="source_markdown")
    if len(data.summary_of_changes) > SUMMARY_MAX:
        raise ValidationFailed(f"The summary can be at most {SUMMARY_MAX:,} characters.",
                               field="summary_of_changes")
    return data


# --- reading -----------------------------------------------------------------------------------

def _published():
    return select(TermsVersion).where(TermsVersion.number.is_not(None))


def default_version_values(now: datetime) -> dict:
    """Column values of version 1, the default text (used by migration 0004 and on first use)."""
    return {"number": 1, "title": DEFAULT_TITLE, "source_markdown": DEFAULT_MARKDOWN,
            "body_html": render_markdown(DEFAULT_MARKDOWN),
            "summary_of_changes": "The default terms that ship with Beatdesk.",
            "created_at": now, "updated_at": now, "published_at": now}


def current_terms(session: Session) -> TermsVersion:
    """The newest published version (installing the default text if there is none at all)."""
    terms = session.scalar(_published().order_by(TermsVersion.number.desc()).limit(1))
    if terms is None:
        terms = _install_default(session)
    return terms


def _install_default(session: Session) -> TermsVersion:
    terms = TermsVersion(**default_version_values(clock.utcnow()))
    session.add(terms)
    record_event(session, SYSTEM, "terms.default_installed", obj=terms, details={"number": 1})
    _archive(session, terms, SYSTEM)
    return terms


def get_published(session: Session, number: int) -> TermsVersion:
    """Published version ``number``. Raises NotFound for a draft or an unknown number."""
    terms = session.scalar(_published().where(TermsVersion.number == number))
    if terms is None:
        raise NotFound("There is no published version with that number.")
    return terms


def published_versions(session: Session) -> list[tuple[int, datetime]]:
    """(number, published_at) of every published version, newest first."""
    rows = session.execute(select(TermsVersion.number, TermsVersion.published_at)
                           .where(TermsVersion.number.is_not(None))
                           .order_by(TermsVersion.number.desc()))
    return [(number, published_at) for number, published_at in rows]


def list_versions(session: Session, actor: Actor) -> list[TermsVersion]:
    """Every version, drafts first, then published ones newest first (administrators only)."""
    _require_admin(actor)
    return list(session.scalars(select(TermsVersion).order_by(
        TermsVersion.number.is_not(None), TermsVersion.number.desc(), TermsVersion.id.desc())))


def get_version(session: Session, actor: Actor, version_id: int) -> TermsVersion:
    """Any version by id, draft or published (administrators only). Raises NotFound."""
    _require_admin(actor)
    terms = session.get(TermsVersion, version_id)
    if terms is None:
        raise NotFound("There is no such version of the terms.")
    return terms


# --- changing ----------------------------------------------------------------------------------

def _require_admin(actor: Actor) -> None:
    if not can_manage_terms(actor.user):
        raise PermissionDenied("Only an administrator can change the Terms of Service.")


def create_draft(session: Session, actor: Actor, data: TermsData) -> TermsVersion:
    """Save a new draft version. Raises ValidationFailed if the text breaks the convention."""
    _require_admin(actor)
    data = _clean(data)
    terms = TermsVersion(title=data.title, source_markdown=data.source_markdown,
                         body_html=render_markdown(data.source_markdown),
                         summary_of_changes=data.summary_of_changes, created_by_id=actor.user.id)
    session.add(terms)
    record_event(session, actor, "terms.draft_created", obj=terms,
                 details={"title": terms.title, "clauses": len(_clauses_of(terms.source_markdown))})
    return terms


def update_draft(session: Session, actor: Actor, version_id: int, data: TermsData) -> TermsVersion:
    """Change a draft. Raises Conflict if it was published meanwhile (published text is frozen)."""
    terms = get_version(session, actor, version_id)
    if terms.is_published:
        raise Conflict(f"Version {terms.number} is published; published versions never change. "
                       "Start a new version instead.")
    data = _clean(data)
    changed = [name for name in ("title", "source_markdown", "summary_of_changes")
               if getattr(terms, name) != getattr(data, name)]
    terms.title, terms.source_markdown = data.title, data.source_markdown
    terms.summary_of_changes = data.summary_of_changes
    terms.body_html = render_markdown(data.source_markdown)
    if changed:
        record_event(session, actor, "terms.draft_updated", obj=terms, details={"changed": changed})
    return terms


def publish(session: Session, actor: Actor, version_id: int) -> TermsVersion:
    """Publish a draft as the next version number; it becomes the current terms at once.

    Raises Conflict if it is already published, ValidationFailed if its takedown section has
    no clause. Two publications racing for the same number: the database's unique number
    refuses the second.
    """
    _require_admin(actor)
    terms = session.get(TermsVersion, version_id, with_for_update=True)
    if terms is None:
        raise NotFound("There is no such version of the terms.")
    if terms.is_published:
        raise Conflict(f"This draft was already published as version {terms.number}.")
    _parse(terms.source_markdown)  # refuses a text without takedown clauses
    latest = session.scalar(select(func.max(TermsVersion.number))) or 0
    terms.number = latest + 1
    terms.published_at = clock.utcnow()
    terms.published_by_id = actor.user.id
    record_event(session, actor, "terms.published", obj=terms,
                 details={"number": terms.number, "title": terms.title})
    _archive(session, terms, actor)
    return terms


def _archive(session: Session, terms: TermsVersion, actor: Actor) -> None:
    session.flush()
    archive.append(session, record_type="terms.version", object_id=terms.id, district_id=None,
                   actor=actor, content={
                       "number": terms.number, "title": terms.title,
                       "source_markdown": terms.source_markdown, "body_html": terms.body_html,
                       "summary_of_changes": terms.summary_of_changes,
                       "clauses": [{"number": c.number, "title": c.title}
                                   for c in _clauses_of(terms.source_markdown)],
                       "published_at": terms.published_at.isoformat() if terms.published_at else None,
                       "published_by": actor.login,
                   })
