"""Moderating visitor comments: the queue, approve/hide/remove/restore, notes, official replies,
blocks, admin keyword lists and the moderation report.

Who may do what (DESIGN.md section 1):

- representatives and the sergeant of a district moderate and answer its comments;
- News Affairs oversees every account, so it moderates every district's comments;
- the commander "reads the district's activity": the district's queue and comments, read-only;
- records officers read removed comments through the archive, not here; administrators never
  judge content. Both are refused the console (403);
- the report (counts per district, clause and month) is for the sergeant (their district) and
  News Affairs (every district).

A takedown (hide or remove) always cites a clause of the *current* Takedown Policy; the clause
number, its title and the Terms version are stored with the action, so moderation stays
viewpoint-neutral and reportable. Nothing is deleted: each change appends a
``ModerationAction``, an archive record with the comment's full text, and an audit event.

Two moderators can't overwrite each other: each action names the comment version the moderator
saw, and the change is a conditional UPDATE (``WHERE version = :seen``). The loser is told who
handled the comment first.
"""
from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import SimpleNamespace

from sqlalchemy import Select, extract, func, literal, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased, selectinload

from beatdesk import archive, clock, published_texts, terms
from beatdesk.audit import record_event
from beatdesk.platforms import inbound
from beatdesk.comments import BODY_MAX, comment_record
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import (Comment, CommenterBlock, CommentFlag, CommentState, District,
                             KeywordAction, ModerationAction, ModerationKind, Post,
                             PostRevision, PostState, PublishedTextKind, ScreeningKeyword, User)
from beatdesk.roles import Role
from beatdesk.wording import in_sentence

MODERATOR_ROLES = frozenset({Role.REPRESENTATIVE, Role.SERGEANT, Role.NEWS_AFFAIRS})
READER_ROLES = MODERATOR_ROLES | {Role.COMMANDER}
REPORT_ROLES = frozenset({Role.SERGEANT, Role.NEWS_AFFAIRS})
NOTE_MAX = 2000
BLOCK_DAYS_MAX = 3650


# --- permissions ------------------------------------------------------------------------------

def _staff(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def _in_scope(user: User, district_id: int) -> bool:
    return user.role == Role.NEWS_AFFAIRS or user.district_id == district_id


def can_read_comments(user: User | None, district_id: int) -> bool:
    """Moderators and the district's commander see the district's comments and queue."""
    return _staff(user) and user.role in READER_ROLES and _in_scope(user, district_id)


def can_moderate(user: User | None, district_id: int) -> bool:
    """Representatives and the sergeant of the district, and News Affairs, act on comments."""
    return _staff(user) and user.role in MODERATOR_ROLES and _in_scope(user, district_id)


def can_view_report(user: User | None) -> bool:
    return _staff(user) and user.role in REPORT_ROLES


def can_manage_keywords(user: User | None) -> bool:
    """Administrators keep the screening keyword lists (configuration, not content decisions)."""
    return _staff(user) and user.role == Role.ADMIN


def _scope_district(user: User) -> int | None:
    """The one district a user's queue is limited to, or None for every district."""
    return None if user.role == Role.NEWS_AFFAIRS else user.district_id


# --- transitions ------------------------------------------------------------------------------

class Action(StrEnum):
    APPROVE = "approve"
    HIDE = "hide"
    REMOVE = "remove"
    RESTORE = "restore"

    @property
    def label(self) -> str:
        return {"approve": "Approve", "hide": "Hide", "remove": "Remove",
                "restore": "Restore"}[self.value]

    @property
    def done(self) -> str:
        """The action in a sentence: "Comment #12 was approved." """
        return {"approve": "approved", "hide": "hidden", "remove": "removed",
                "restore": "restored"}[self.value]

    @property
    def needs_clause(self) -> bool:
        return self in (Action.HIDE, Action.REMOVE)


# The legal moves: action -> (states it applies to, state it leads to).
TRANSITIONS: dict[Action, tuple[frozenset[CommentState], CommentState]] = {
    Action.APPROVE: (frozenset({CommentState.HELD}), CommentState.VISIBLE),
    Action.HIDE: (frozenset({CommentState.HELD, CommentState.VISIBLE}), CommentState.HIDDEN),
    Action.REMOVE: (frozenset({CommentState.HELD, CommentState.VISIBLE, CommentState.HIDDEN}),
                    CommentState.REMOVED),
    Action.RESTORE: (frozenset({CommentState.HIDDEN, CommentState.REMOVED}), CommentState.VISIBLE),
}


def actions_for(state: CommentState) -> list[Action]:
    """The actions a comment in ``state`` allows, in the order the console offers them."""
    return _ACTIONS_BY_STATE[state]


_ACTIONS_BY_STATE = {state: [action for action, (sources, _) in TRANSITIONS.items()
                             if state in sources] for state in CommentState}


def allowed_actions(comment: Comment) -> list[Action]:
    return actions_for(comment.state)


# --- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueFilter:
    district_id: int | None = None
    state: str = CommentState.HELD.value  # "" for every state
    flag: str = ""                        # a screening rule code, "any", or ""
    since: date | None = None
    until: date | None = None             # inclusive


@dataclass(frozen=True, slots=True)
class QueueFlag:
    rule: str
    reason: str
    quote: str
    holds: bool


@dataclass(frozen=True, slots=True)
class QueuePost:
    """What the queue shows of the post a comment answers."""

    id: int
    opening: str     # the first words of its current text
    is_public: bool  # whether the public page exists to link to


@dataclass(slots=True)
class QueueRow:
    """One comment as the queue shows it: plain columns, no ORM object (a page of 50 loads
    in a few queries and no identity-map or change-tracking work per row)."""

    id: int
    version: int
    post_id: int
    district_id: int
    author_name: str
    body: str
    state: CommentState
    created_at: datetime
    clause_number: str
    handled_by_id: int | None
    source_platform: str
    author_handle: str
    platform_url: str
    platform_kind: str
    district_label: str = ""
    handled_by_name: str = ""
    post: QueuePost | None = None
    flags: list[QueueFlag] = field(default_factory=list)

    @property
    def actions(self) -> list[Action]:
        return actions_for(self.state)


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue; no total count, so a page costs the same at any queue size."""

    items: list[QueueRow]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _require_reader(user: User | None, district_id: int | None = None) -> None:
    if not (_staff(user) and user.role in READER_ROLES):
        raise PermissionDenied("Your role does not moderate comments.")
    if district_id is not None and not _in_scope(user, district_id):
        raise PermissionDenied("These comments belong to another district.")


_ROW_COLUMNS = (Comment.id, Comment.version, Comment.post_id, Comment.district_id,
                Comment.author_name, Comment.body, Comment.state, Comment.created_at,
                Comment.clause_number, Comment.handled_by_id, Comment.source_platform,
                Comment.author_handle, Comment.platform_url, Comment.platform_kind)


def queue_query(user: User, flt: QueueFilter, *columns) -> Select:
    """Comments matching ``flt`` within the user's scope, newest first (as ``Comment`` objects,
    or as the ``columns`` given)."""
    _require_reader(user, flt.district_id)
    query = select(*(columns or (Comment,))).where(Comment.official.is_(False))
    district_id = _scope_district(user) or flt.district_id
    if district_id is not None:
        query = query.where(Comment.district_id == district_id)
    if flt.state:
        query = query.where(Comment.state == CommentState(flt.state))
    if flt.flag:
        # ``flagged`` is set by the database with the first flag (migration 0011): the page walks
        # a partial index over the few flagged comments, and only those are probed for the rule.
        query = query.where(Comment.flagged == True)  # noqa: E712 (the partial index's condition)
    if flt.flag and flt.flag != "any":
        # A correlated probe per comment, in the page's order, rather than EXISTS: PostgreSQL
        # turns EXISTS into a semi-join, misjudges how many flagged comments carry the rule
        # (it assumes the flag and the rule are independent), and then reads and sorts every
        # flagged comment of the state; the probe stops with the page.
        has_rule = (select(literal(1)).where(CommentFlag.comment_id == Comment.id,
                                             CommentFlag.rule == flt.flag)
                    .limit(1).correlate(Comment).scalar_subquery())
        query = query.where(has_rule.is_not(None))
    if flt.since:
        query = query.where(Comment.created_at >= _start_of(flt.since))
    if flt.until:
        query = query.where(Comment.created_at < _start_of(flt.until + timedelta(days=1)))
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# Pages past this one are not offered (an OFFSET walks every row before the page); a date range
# reaches older comments with the same cost as the first page.
MAX_PAGE = 100
# How much of a post's text the queue reads to show its first words.
OPENING_CHARS = 120


# The models' own label and display name, read from plain columns (no ORM instance per row).
_Named = SimpleNamespace
# Made once: an alias copies every column of ``users``, which cost more than the page's SQL.
_HANDLER = aliased(User, name="handler")


def queue_page_query(user: User, flt: QueueFilter, limit: int, offset: int = 0) -> Select:
    """The queue's page as plain columns: each comment with its district, its last handler and
    the post it answers (with the opening of the post's text), joined by primary keys.

    The page is cut from the comments first (the index walk with LIMIT and OFFSET), and only
    its rows are joined: the rows a deep page's OFFSET skips are never joined.
    """
    page = queue_query(user, flt, *_ROW_COLUMNS).limit(limit).offset(offset).subquery("page")
    handler = _HANDLER
    return (select(*page.c, District.number, District.name, handler.rank, handler.full_name,
                   Post.state, Post.notable, Post.approved_revision_id,
                   Post.current_revision_id, func.substr(PostRevision.body, 1, OPENING_CHARS))
            .join_from(page, District, District.id == page.c.district_id)
            .outerjoin(handler, handler.id == page.c.handled_by_id)
            .join(Post, Post.id == page.c.post_id)
            .outerjoin(PostRevision, PostRevision.id == Post.current_revision_id)
            .order_by(page.c.created_at.desc(), page.c.id.desc()))


def queue(session: Session, user: User, flt: QueueFilter, page: int = 1,
          per_page: int = 50) -> QueuePage:
    """One page of the queue, each comment with its flags, handler, district and the post it
    answers: two queries whatever the queue's size (the page, then the page's flags).

    No total count: counting a million rows would cost more than the page itself. Page numbers
    stop at ``MAX_PAGE`` (a larger one shows that page, with no next page).
    """
    page = min(max(1, page), MAX_PAGE)
    result = session.execute(queue_page_query(user, flt, per_page + 1,
                                              (page - 1) * per_page)).all()
    has_next = len(result) > per_page and page < MAX_PAGE
    columns = len(_ROW_COLUMNS)
    districts: dict[int, str] = {}
    handlers: dict[int, str] = {}
    rows = []
    for values in result[:per_page]:
        row = QueueRow(*values[:columns])
        number, name, rank, full_name, state, notable, approved, current, opening = (
            values[columns:])
        if row.district_id not in districts:
            districts[row.district_id] = District.label.fget(_Named(number=number, name=name))
        row.district_label = districts[row.district_id]
        if row.handled_by_id is not None:
            if row.handled_by_id not in handlers:
                handlers[row.handled_by_id] = User.display_name.fget(
                    _Named(rank=rank, full_name=full_name))
            row.handled_by_name = handlers[row.handled_by_id]
        # Post.is_public, from the columns.
        public = state == PostState.PUBLISHED and (not notable or approved == current)
        row.post = QueuePost(row.post_id, _first_words(opening or ""), public)
        rows.append(row)
    if rows:
        by_id = {row.id: row for row in rows}
        for comment_id, *flag in session.execute(
                select(CommentFlag.comment_id, CommentFlag.rule, CommentFlag.reason,
                       CommentFlag.quote, CommentFlag.holds)
                .where(CommentFlag.comment_id.in_(by_id)).order_by(CommentFlag.id)):
            by_id[comment_id].flags.append(QueueFlag(*flag))
    return QueuePage(items=rows, page=page, per_page=per_page, has_next=has_next)


def _first_words(text: str, limit: int = 80) -> str:
    """The opening of a text, cut at a word and marked with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",;:.") + "…"


def get_comment(session: Session, user: User, comment_id: int) -> Comment:
    """A comment the user may read. Raises NotFound, or PermissionDenied outside their scope."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No such comment.")
    _require_reader(user, comment.district_id)
    return comment


def history(session: Session, comment: Comment) -> list[ModerationAction]:
    """Everything that happened to the comment, oldest first."""
    return list(session.scalars(select(ModerationAction)
                                .where(ModerationAction.comment_id == comment.id)
                                .options(selectinload(ModerationAction.actor))
                                .order_by(ModerationAction.created_at, ModerationAction.id)))


def replies_to(session: Session, comment: Comment) -> list[Comment]:
    return list(session.scalars(select(Comment).where(Comment.parent_id == comment.id)
                                .order_by(Comment.created_at, Comment.id)))


@dataclass(frozen=True, slots=True)
class DistrictChoice:
    id: int
    label: str


def moderation_districts(session: Session, user: User) -> list[DistrictChoice]:
    """The districts a user may filter the queue by (read as columns: every queue page asks)."""
    query = (select(District.id, District.number, District.name)
             .where(District.approved_at.is_not(None)).order_by(District.number))
    if _scope_district(user) is not None:
        query = query.where(District.id == user.district_id)
    return [DistrictChoice(id, District.label.fget(_Named(number=number, name=name)))
            for id, number, name in session.execute(query)]


# --- acting -----------------------------------------------------------------------------------

def _require_moderator(actor: Actor, comment: Comment) -> None:
    if not can_moderate(actor.user, comment.district_id):
        raise PermissionDenied("You can't moderate this district's comments.")


def _load(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def _already_handled(comment: Comment) -> Conflict:
    who = comment.handled_by.display_name if comment.handled_by else "another moderator"
    when = f" at {clock.department_text(comment.handled_at)}" if comment.handled_at else ""
    return Conflict(f"Comment #{comment.id} was already handled by {who}{when}; it is now "
                    f"{in_sentence(comment.state.label)}. Nothing was changed.")


def moderate(session: Session, actor: Actor, comment_id: int, action: Action | str,
             seen_version: int, clause_number: str = "", note: str = "") -> Comment:
    """Approve, hide, remove or restore a comment, as of the version the moderator saw.

    Raises PermissionDenied outside the moderator's district, Conflict if someone else changed
    the comment since ``seen_version`` ("already handled by X"), and ValidationFailed for a
    takedown without a clause of the current Takedown Policy or a move the state doesn't allow.
    """
    action = Action(action)
    comment = _load(session, comment_id)
    _require_moderator(actor, comment)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"A note can be at most {NOTE_MAX} characters.", field="note")
    clause, terms_number = None, None
    if action.needs_clause:
        if not (clause_number or "").strip():
            raise ValidationFailed("Choose the clause of the Takedown Policy the comment breaks.",
                                   field="clause")
        current = terms.current_terms(session)
        clause, terms_number = terms.find_clause(current, clause_number), current.number
    if comment.version != seen_version:
        raise _already_handled(comment)
    sources, target = TRANSITIONS[action]
    if comment.state not in sources:
        raise ValidationFailed(f"A comment that is {in_sentence(comment.state.label)} can't be "
                               f"{action.done}.")

    from_state = comment.state
    now = clock.utcnow()
    values = dict(state=target, version=Comment.version + 1, handled_at=now,
                  handled_by_id=actor.user.id)
    if clause is not None:
        values.update(clause_number=clause.number, clause_title=clause.title[:200],
                      clause_terms_version=terms_number)
    elif action == Action.RESTORE or action == Action.APPROVE:
        values.update(clause_number="", clause_title="", clause_terms_version=None)
    # The conditional UPDATE is what settles a race: only one moderator's row matches.
    try:
        result = session.execute(
            update(Comment).where(Comment.id == comment.id, Comment.version == seen_version)
            .values(**values).execution_options(synchronize_session=False))
    except OperationalError as exc:
        # SQLite refuses a write from a transaction whose snapshot predates another writer's
        # commit ("database is locked"): on this comment, that writer won the race.
        if session.get_bind().dialect.name != "sqlite" or "locked" not in str(exc.orig):
            raise
        raise Conflict(f"Another moderator acted on comment #{comment.id} at the same moment. "
                       "Nothing was changed; reload the comment to see what they did.") from None
    session.expire(comment)
    if result.rowcount != 1:
        raise _already_handled(_reload(session, comment))

    session.add(ModerationAction(
        comment_id=comment.id, district_id=comment.district_id, kind=ModerationKind(action.value),
        from_state=from_state.value, to_state=target.value, actor_id=actor.user.id,
        clause_number=clause.number if clause else "",
        clause_title=clause.title[:200] if clause else "", terms_version=terms_number, note=note))
    details = {"action": action.value, "from": from_state.value, "to": target.value,
               "clause": clause.number if clause else "", "terms_version": terms_number,
               "note": note}
    archive.append(session, record_type="comment.moderation", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   content=comment_record(comment, moderation=details))
    record_event(session, actor, f"comment.{action.value}", obj=comment, details=details)
    inbound.on_moderation(session, actor, comment, action.value)
    return comment


def _reload(session: Session, comment: Comment) -> Comment:
    """Read the comment as another transaction committed it."""
    session.expire(comment)
    return session.scalars(select(Comment).where(Comment.id == comment.id)
                           .execution_options(populate_existing=True)).one()


@dataclass(frozen=True)
class BulkResult:
    done: list[int]
    refused: list[str]


def bulk_moderate(session: Session, actor: Actor, items: list[tuple[int, int]],
                  action: Action | str, clause_number: str = "", note: str = "") -> BulkResult:
    """Apply one action to several comments, each as of the version the moderator saw.

    Comments someone else handled meanwhile, or whose state doesn't allow the action, are
    skipped with a message; the others are changed. A missing clause refuses the whole batch.
    """
    action = Action(action)
    if not items:
        raise ValidationFailed("Select at least one comment.", field="selected")
    if action.needs_clause and not (clause_number or "").strip():
        raise ValidationFailed("Choose the clause of the Takedown Policy the comments break.",
                               field="clause")
    done, refused = [], []
    for comment_id, seen in items:
        try:
            with session.begin_nested():
                moderate(session, actor, comment_id, action, seen, clause_number, note)
            done.append(comment_id)
        except (Conflict, ValidationFailed, NotFound) as exc:
            if exc.field == "clause":
                raise
            refused.append(exc.message if isinstance(exc, Conflict)
                           else f"Comment #{comment_id}: {exc.message}")
    return BulkResult(done=done, refused=refused)


def add_note(session: Session, actor: Actor, comment_id: int, note: str) -> ModerationAction:
    """A moderator's note on a comment, for the other moderators (never public)."""
    comment = _load(session, comment_id)
    _require_moderator(actor, comment)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Write the note.", field="note")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"A note can be at most {NOTE_MAX} characters.", field="note")
    row = ModerationAction(comment_id=comment.id, district_id=comment.district_id,
                           kind=ModerationKind.NOTE, from_state=comment.state.value,
                           to_state=comment.state.value, actor_id=actor.user.id, note=note)
    session.add(row)
    archive.append(session, record_type="comment.moderation", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   content=comment_record(comment, moderation={"action": "note", "note": note}))
    record_event(session, actor, "comment.note", obj=comment, details={"note": note})
    return row


def reply_as_district(session: Session, actor: Actor, comment_id: int, body: str,
                      reasons: Mapping[str, str] | None = None) -> Comment:
    """Answer a visible comment as the district; the reply shows at once, marked official.

    The reply is public text: it passes the post checks first (``reasons``: why each warning's
    rule may go out anyway), and then waits for the sergeant's review. Raises
    ValidationFailed for an empty or over-long reply or a comment that isn't visible, and
    ChecksRefused (a ValidationFailed) when the checks stop the reply.
    """
    parent = _load(session, comment_id)
    _require_moderator(actor, parent)
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed("Write the reply.", field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(f"A reply can be at most {BODY_MAX:,} characters.", field="body")
    if parent.official or parent.state != CommentState.VISIBLE:
        raise ValidationFailed("Only a visible visitor comment can be answered.")
    district = session.get(District, parent.district_id)
    checked = published_texts.check_text(session, district, body, reasons or {}, what="reply",
                                         field="body")
    reply = Comment(post_id=parent.post_id, district_id=parent.district_id, parent_id=parent.id,
                    author_name=district.label[:80], body=body, terms_version=0,
                    state=CommentState.VISIBLE, official=True, staff_author_id=actor.user.id,
                    client_addr=actor.client_addr[:64])
    session.add(reply)
    session.flush()
    session.add(ModerationAction(comment_id=parent.id, district_id=parent.district_id,
                                 kind=ModerationKind.REPLY, from_state=parent.state.value,
                                 to_state=parent.state.value, actor_id=actor.user.id,
                                 note=f"Official reply #{reply.id}"))
    archive.append(session, record_type="comment", object_id=reply.id,
                   district_id=reply.district_id, actor=actor, content=comment_record(reply))
    published_texts.record_release(session, actor, PublishedTextKind.OFFICIAL_REPLY,
                                   reply.district_id, body, *checked, comment_id=reply.id)
    record_event(session, actor, "comment.reply", obj=reply, details={"parent_id": parent.id})
    return reply


# --- blocks -----------------------------------------------------------------------------------

@dataclass
class BlockRequest:
    by_email: bool
    by_network: bool
    prefix: int | None  # network size around the commenter's address; None: that address only
    days: int | None    # None: until lifted
    reason: str


def block_commenter(session: Session, actor: Actor, comment_id: int,
                    request: BlockRequest) -> CommenterBlock:
    """Block the author of a comment by e-mail and/or network, for some days or until lifted.

    Raises ValidationFailed if neither is chosen or the comment lacks what was chosen.
    """
    comment = _load(session, comment_id)
    _require_moderator(actor, comment)
    reason = (request.reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the commenter is blocked.", field="reason")
    if not (request.by_email or request.by_network):
        raise ValidationFailed("Block by e-mail address, by network, or both.", field="by_email")
    if request.by_email and not comment.author_email:
        raise ValidationFailed("The commenter gave no e-mail address; block by network.",
                               field="by_email")
    network = ""
    if request.by_network:
        if not comment.client_addr:
            raise ValidationFailed("The comment has no recorded address.", field="by_network")
        network = _network_around(comment.client_addr, request.prefix)
    if request.days is not None and not (1 <= request.days <= BLOCK_DAYS_MAX):
        raise ValidationFailed(f"Block for 1 to {BLOCK_DAYS_MAX} days, or until lifted.",
                               field="days")
    now = clock.utcnow()
    block = CommenterBlock(
        email=comment.author_email if request.by_email else "", network=network, reason=reason,
        comment_id=comment.id, district_id=comment.district_id,
        expires_at=now + timedelta(days=request.days) if request.days else None,
        created_by_id=actor.user.id)
    session.add(block)
    session.flush()
    session.add(ModerationAction(comment_id=comment.id, district_id=comment.district_id,
                                 kind=ModerationKind.BLOCK, from_state=comment.state.value,
                                 to_state=comment.state.value, actor_id=actor.user.id,
                                 note=reason))
    details = {"block_id": block.id, "email": block.email, "network": block.network,
               "expires_at": block.expires_at.isoformat() if block.expires_at else None,
               "reason": reason}
    archive.append(session, record_type="comment.moderation", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   content=comment_record(comment, moderation={"action": "block", **details}))
    record_event(session, actor, "commenter.blocked", obj=block, details=details)
    return block


def _network_around(client_addr: str, prefix: int | None) -> str:
    """The CIDR block of ``prefix`` bits around an address (/8-/32 for IPv4, /32-/128 IPv6)."""
    try:
        address = ipaddress.ip_address(client_addr)
    except ValueError:
        raise ValidationFailed("The comment's recorded address is not valid; block by e-mail.",
                               field="by_network") from None
    smallest = 8 if address.version == 4 else 32
    prefix = address.max_prefixlen if prefix is None else prefix
    if not smallest <= prefix <= address.max_prefixlen:
        raise ValidationFailed(f"Choose a network size from /{smallest} to "
                               f"/{address.max_prefixlen}.", field="prefix")
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def list_blocks(session: Session, user: User) -> list[CommenterBlock]:
    """Blocks, newest first: moderators see blocks set in their district; News Affairs all."""
    if not (_staff(user) and user.role in MODERATOR_ROLES):
        raise PermissionDenied("Your role does not moderate comments.")
    query = (select(CommenterBlock).options(selectinload(CommenterBlock.created_by),
                                            selectinload(CommenterBlock.lifted_by),
                                            selectinload(CommenterBlock.district))
             .order_by(CommenterBlock.created_at.desc(), CommenterBlock.id.desc()).limit(500))
    if _scope_district(user) is not None:
        query = query.where(CommenterBlock.district_id == user.district_id)
    return list(session.scalars(query))


def lift_block(session: Session, actor: Actor, block_id: int) -> CommenterBlock:
    """End a block early (the row stays, with who lifted it and when)."""
    block = session.get(CommenterBlock, block_id)
    if block is None:
        raise NotFound("No such block.")
    allowed = (can_moderate(actor.user, block.district_id) if block.district_id is not None
               else _staff(actor.user) and actor.user.role == Role.NEWS_AFFAIRS)
    if not allowed:
        raise PermissionDenied("You can't lift this block.")
    if block.lifted_at is not None:
        raise Conflict("This block was already lifted.")
    block.lifted_at, block.lifted_by_id = clock.utcnow(), actor.user.id
    details = {"block_id": block.id, "email": block.email, "network": block.network}
    if block.comment_id is not None:
        comment = session.get(Comment, block.comment_id)
        session.add(ModerationAction(comment_id=comment.id, district_id=comment.district_id,
                                     kind=ModerationKind.UNBLOCK,
                                     from_state=comment.state.value,
                                     to_state=comment.state.value, actor_id=actor.user.id,
                                     note=f"Block #{block.id} lifted."))
        archive.append(session, record_type="comment.moderation", object_id=comment.id,
                       district_id=comment.district_id, actor=actor,
                       content=comment_record(comment, moderation={"action": "unblock",
                                                                   **details}))
    record_event(session, actor, "commenter.unblocked", obj=block, details=details)
    return block


def is_block_active(block: CommenterBlock) -> bool:
    return block.lifted_at is None and (block.expires_at is None
                                        or block.expires_at > clock.utcnow())


# --- keyword lists ----------------------------------------------------------------------------

def list_keywords(session: Session) -> list[ScreeningKeyword]:
    return list(session.scalars(select(ScreeningKeyword)
                                .order_by(ScreeningKeyword.active.desc(), ScreeningKeyword.phrase)))


def add_keyword(session: Session, actor: Actor, phrase: str,
                action: KeywordAction | str) -> ScreeningKeyword:
    """List a phrase that holds (or only flags) the comments containing it."""
    if not can_manage_keywords(actor.user):
        raise PermissionDenied("Only an administrator keeps the keyword lists.")
    phrase = " ".join((phrase or "").split())
    if not phrase:
        raise ValidationFailed("Enter a word or phrase.", field="phrase")
    if len(phrase) > 200:
        raise ValidationFailed("A phrase can be at most 200 characters.", field="phrase")
    action = KeywordAction(action)
    duplicate = session.scalar(select(ScreeningKeyword.id).where(
        ScreeningKeyword.active.is_(True),
        func.lower(ScreeningKeyword.phrase) == phrase.lower()))
    if duplicate is not None:
        raise ValidationFailed(f"“{phrase}” is already listed.", field="phrase")
    keyword = ScreeningKeyword(phrase=phrase, action=action, created_by_id=actor.user.id)
    session.add(keyword)
    record_event(session, actor, "screening_keyword.added", obj=keyword,
                 details={"phrase": phrase, "action": action.value})
    return keyword


def deactivate_keyword(session: Session, actor: Actor, keyword_id: int) -> ScreeningKeyword:
    if not can_manage_keywords(actor.user):
        raise PermissionDenied("Only an administrator keeps the keyword lists.")
    keyword = session.get(ScreeningKeyword, keyword_id)
    if keyword is None:
        raise NotFound("No such keyword.")
    if not keyword.active:
        raise Conflict(f"“{keyword.phrase}” is already off the list.")
    keyword.active = False
    keyword.deactivated_at, keyword.deactivated_by_id = clock.utcnow(), actor.user.id
    record_event(session, actor, "screening_keyword.deactivated", obj=keyword,
                 details={"phrase": keyword.phrase})
    return keyword


# --- report -----------------------------------------------------------------------------------

TAKEDOWNS = (ModerationKind.HIDE, ModerationKind.REMOVE)


@dataclass(frozen=True)
class ReportRow:
    label: str
    hidden: int
    removed: int

    @property
    def total(self) -> int:
        return self.hidden + self.removed


@dataclass(frozen=True)
class ModerationReport:
    year: int | None
    district: District | None
    by_district: list[ReportRow]
    by_clause: list[ReportRow]
    by_month: list[ReportRow]
    approvals: int
    restores: int

    @property
    def total(self) -> int:
        return sum(row.total for row in self.by_district)


def _month_parts(session: Session):
    column = ModerationAction.created_at
    if session.get_bind().dialect.name == "postgresql":
        column = func.timezone("UTC", column)
    return extract("year", column), extract("month", column)


def moderation_report(session: Session, user: User, district_id: int | None = None,
                      year: int | None = None) -> ModerationReport:
    """Takedowns (hidden and removed) per district, per clause and per month.

    The sergeant sees their own district; News Affairs every district (or one it picks).
    Raises PermissionDenied for other roles.
    """
    if not can_view_report(user):
        raise PermissionDenied("The moderation report is for the sergeant and News Affairs.")
    if user.role != Role.NEWS_AFFAIRS:
        district_id = user.district_id
    year_col, month_col = _month_parts(session)
    conditions = []
    if district_id is not None:
        conditions.append(ModerationAction.district_id == district_id)
    if year is not None:
        conditions.append(year_col == year)

    def counts(*group):
        rows = session.execute(select(*group, ModerationAction.kind, func.count())
                               .where(*conditions, ModerationAction.kind.in_(TAKEDOWNS))
                               .group_by(*group, ModerationAction.kind))
        table: dict[tuple, Counter] = {}
        for *key, kind, count in rows:
            table.setdefault(tuple(key), Counter())[kind] += count
        return table

    districts = {d.id: d for d in session.scalars(select(District))}
    by_district = [ReportRow(districts[key[0]].label, c[ModerationKind.HIDE],
                             c[ModerationKind.REMOVE])
                   for key, c in sorted(counts(ModerationAction.district_id).items(),
                                        key=lambda kv: districts[kv[0][0]].number)]
    clause_counts = counts(ModerationAction.clause_number, ModerationAction.clause_title)
    merged: dict[str, tuple[str, Counter]] = {}
    for (number, title), c in clause_counts.items():
        # A clause keeps its number across Terms versions; show its latest title.
        known_title, total = merged.get(number, (title, Counter()))
        merged[number] = (known_title or title, total + c)
    by_clause = [ReportRow(f"{number}. {title}", c[ModerationKind.HIDE], c[ModerationKind.REMOVE])
                 for number, (title, c) in sorted(merged.items(), key=lambda kv: _clause_key(kv[0]))]
    by_month = [ReportRow(f"{int(y):04d}-{int(m):02d}", c[ModerationKind.HIDE],
                          c[ModerationKind.REMOVE])
                for (y, m), c in sorted(counts(year_col, month_col).items())]
    others = dict(session.execute(
        select(ModerationAction.kind, func.count())
        .where(*conditions, ModerationAction.kind.in_((ModerationKind.APPROVE,
                                                        ModerationKind.RESTORE)))
        .group_by(ModerationAction.kind)).all())
    return ModerationReport(year=year, district=districts.get(district_id),
                            by_district=by_district, by_clause=by_clause, by_month=by_month,
                            approvals=others.get(ModerationKind.APPROVE, 0),
                            restores=others.get(ModerationKind.RESTORE, 0))


def _clause_key(number: str):
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


def report_years(session: Session) -> list[int]:
    year_col, _ = _month_parts(session)
    return sorted({int(y) for y in session.scalars(select(year_col).distinct()) if y is not None},
                  reverse=True)


def post_of(session: Session, comment: Comment) -> Post:
    return session.get(Post, comment.post_id)
