"""Posts: writing, checking, approving, releasing, reviewing and discontinuing them.

Every operation checks the workflow table (``beatdesk.workflow``), writes the post's timeline,
an audit row and an archive record in the caller's transaction, and leaves committing to the
caller. Revisions are never changed once written; an edit always adds one.
"""
from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from . import archive, clock, post_validity, staff_mail
from . import duty_hours
from .platforms import outbox as platform_outbox
from .audit import record_event
from .checks import ImageFacts, Severity, context_for, run_checks
from .context import Actor
from .counting import length_errors
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .media import ProcessedImage
from .models import (Acknowledgement, Category, Department, District, MediaAsset, Post, PostEvent,
                     PostRevision, PostState, RepresentativeDesignation, RevisionImage, User)
from .permissions import can_view_district
from .wording import in_sentence
from .workflow import TRANSITIONS, Action, Party, parties_of, refusal

MAX_BODY = 5000
MAX_IMAGES = 4
S = PostState


# --- reading -----------------------------------------------------------------------------------

def get_post(session: Session, user: User, post_id: int) -> Post:
    post = session.scalars(
        select(Post).options(joinedload(Post.current_revision)).where(Post.id == post_id)
    ).first()
    if post is None:
        raise NotFound("No such post.")
    if not can_view_district(user, post.district):
        raise PermissionDenied("That post belongs to another district.")
    return post


def revisions(session: Session, post: Post) -> list[PostRevision]:
    return list(session.scalars(
        select(PostRevision).options(joinedload(PostRevision.created_by),
                                     selectinload(PostRevision.images),
                                     selectinload(PostRevision.acknowledgements))
        .where(PostRevision.post_id == post.id).order_by(PostRevision.number)))


def get_revision(session: Session, post: Post, number: int) -> PostRevision:
    revision = session.scalars(select(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.number == number)).first()
    if revision is None:
        raise NotFound(f"Post #{post.id} has no revision {number}.")
    return revision


def timeline(session: Session, post: Post) -> list[PostEvent]:
    return list(session.scalars(
        select(PostEvent).options(joinedload(PostEvent.actor), joinedload(PostEvent.revision))
        .where(PostEvent.post_id == post.id).order_by(PostEvent.created_at, PostEvent.id)))


def diff(old: PostRevision, new: PostRevision) -> list[tuple[str, str]]:
    """A word-level diff: a list of (kind, text) with kind one of "same", "added", "removed"."""
    a, b = old.body.split(" "), new.body.split(" ")
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", " ".join(b[j1:j2])))
    return out


def is_designated(session: Session, user: User) -> bool:
    return bool(session.scalar(select(exists().where(
        RepresentativeDesignation.user_id == user.id,
        RepresentativeDesignation.ended_at.is_(None)))))


def author_ids(session: Session, post: Post) -> set[int]:
    """Everyone who wrote any revision of the post, and its creator."""
    ids = set(session.scalars(select(PostRevision.created_by_id)
                              .where(PostRevision.post_id == post.id)))
    return ids | {post.author_id}


def _parties(session: Session, user: User, post: Post) -> set[Party]:
    designated = user.role.value == "representative" and is_designated(session, user)
    return parties_of(user, post, designated)


def is_party(session: Session, user: User, post: Post) -> bool:
    """Does ``user`` take any part in this post's workflow (author side, sergeant, News Affairs)?"""
    return bool(_parties(session, user, post))


def allowed_actions(session: Session, user: User, post: Post) -> list[Action]:
    parties = _parties(session, user, post)
    if not parties:
        return []
    is_author = user.id in author_ids(session, post)
    return [a for a in Action if refusal(a, post, parties, is_author=is_author) is None]


def can_write_for(session: Session, user: User, district: District) -> bool:
    """May ``user`` start a post for ``district``? (designated representative or its sergeant)."""
    if not user.active or user.district_id != district.id or not district.is_approved:
        return False
    if user.role.value == "sergeant":
        return True
    return user.role.value == "representative" and is_designated(session, user)


def _authorize(session: Session, actor: Actor, post: Post, action: Action) -> None:
    parties = _parties(session, actor.user, post)
    rule = TRANSITIONS[action]
    is_author = actor.user.id in author_ids(session, post)
    reason = refusal(action, post, parties, is_author=is_author)
    if reason is None:
        return
    if not parties & rule.parties or (rule.not_author and is_author):
        raise PermissionDenied(reason)
    raise Conflict(reason)


def _check_version(post: Post, expected_version: int | None) -> None:
    if expected_version is not None and post.version != expected_version:
        who = clock.department_text(post.updated_at) if post.updated_at else "just now"
        raise Conflict(f"Someone else changed this post at {who}; review it and try again.")


# --- writing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageEdit:
    """An image the post already has, as the author presents it in the new revision."""

    asset_id: int
    alt_text: str = ""
    credit: str = ""
    attested: bool = False
    remove: bool = False


@dataclass(frozen=True)
class NewImage:
    image: ProcessedImage
    storage_key: str
    alt_text: str = ""
    credit: str = ""
    attested: bool = False


@dataclass(frozen=True)
class PostData:
    category: Category
    body: str
    notable_marked: bool = False
    images: list[ImageEdit] = field(default_factory=list)
    new_images: list[NewImage] = field(default_factory=list)
    valid_until: datetime | None = None  # end or review date (beatdesk.post_validity)


def _validate(data: PostData) -> str:
    body = data.body.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed("Write the post's text.", field="body")
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"Posts are at most {MAX_BODY} characters.", field="body")
    errors = length_errors(body)
    if errors:
        raise ValidationFailed(" ".join(errors), field="body")
    kept = [i for i in data.images if not i.remove]
    if len(kept) + len(data.new_images) > MAX_IMAGES:
        raise ValidationFailed(f"A post carries at most {MAX_IMAGES} images.", field="image")
    for image in [*kept, *data.new_images]:
        if len(image.alt_text) > 1000 or len(image.credit) > 500:
            raise ValidationFailed("Alt text is at most 1,000 characters and the credit 500.",
                                   field="image")
    post_validity.check_date(data.category, data.valid_until)
    return body


def _findings(session: Session, district: District, revision: PostRevision) -> list[dict]:
    images = [ImageFacts(label=i.asset.original_name or f"Image {i.position}",
                         alt_text=i.alt_text, credit=i.credit, attested=i.attested,
                         key=str(i.asset_id))
              for i in revision.images]
    from .check_waivers import waivers_for  # it writes the post's timeline through this module

    context = dataclasses.replace(context_for(session, district),
                                  waivers=waivers_for(session, revision.post_id))
    found = run_checks(revision.body, images, context)
    return [f.as_dict() for f in found]


def _new_revision(session: Session, actor: Actor, post: Post, data: PostData,
                  body: str) -> PostRevision:
    number = (session.scalar(select(func.max(PostRevision.number))
                             .where(PostRevision.post_id == post.id)) or 0) + 1
    revision = PostRevision(post_id=post.id, number=number, category=data.category, body=body,
                            notable_marked=data.notable_marked, created_by_id=actor.user.id,
                            created_at=clock.utcnow(), findings=[])
    session.add(revision)
    session.flush()
    previous = {i.asset_id: i for i in (post.current_revision.images
                                        if post.current_revision else [])}
    position = 0
    for edit in data.images:
        if edit.remove:
            continue
        if edit.asset_id not in previous:
            raise ValidationFailed("That image is not part of this post.", field="image")
        position += 1
        old = previous[edit.asset_id]
        attested_by = old.attested_by_id if edit.attested and old.attested else (
            actor.user.id if edit.attested else None)
        session.add(RevisionImage(revision_id=revision.id, asset_id=edit.asset_id,
                                  position=position, alt_text=edit.alt_text.strip(),
                                  credit=edit.credit.strip(), attested=edit.attested,
                                  attested_by_id=attested_by))
    for new in data.new_images:
        position += 1
        asset = MediaAsset(district_id=post.district_id, storage_key=new.storage_key,
                           mime=new.image.mime, width=new.image.width, height=new.image.height,
                           size_bytes=len(new.image.content), sha256=new.image.sha256,
                           original_name=new.image.original_name, uploaded_by_id=actor.user.id)
        session.add(asset)
        session.flush()
        session.add(RevisionImage(revision_id=revision.id, asset_id=asset.id, position=position,
                                  alt_text=new.alt_text.strip(), credit=new.credit.strip(),
                                  attested=new.attested,
                                  attested_by_id=actor.user.id if new.attested else None))
    session.flush()
    session.refresh(revision, ["images"])
    revision.findings = _findings(session, post.district, revision)
    revision.notable_forced = any(f["severity"] == Severity.NOTABLE for f in revision.findings)
    post.current_revision_id = revision.id
    post.current_revision = revision
    post.category = data.category
    post.notable = revision.notable
    post.valid_until = data.valid_until
    session.flush()
    archive.append(session, record_type="post.revision", object_id=revision.id,
                   district_id=post.district_id, actor=actor, content=_revision_content(post,
                                                                                       revision))
    return revision


def _revision_content(post: Post, revision: PostRevision) -> dict:
    return {"post_id": post.id, "revision": revision.number, "category": str(revision.category),
            "body": revision.body, "notable": revision.notable, "findings": revision.findings,
            "state": str(post.state), "author_id": revision.created_by_id,
            "images": [{"asset_id": i.asset_id, "sha256": i.asset.sha256, "alt_text": i.alt_text,
                        "credit": i.credit, "attested": i.attested} for i in revision.images],
            "valid_until": clock.iso(post.valid_until) if post.valid_until else None}


def _event(session: Session, actor: Actor, post: Post, action: str, before: PostState | None,
           note: str = "") -> PostEvent:
    now = clock.utcnow()
    event = PostEvent(post_id=post.id, revision_id=post.current_revision_id, action=action,
                      from_state=str(before) if before else None, to_state=str(post.state),
                      actor_id=actor.user.id if actor.user else None, note=note, created_at=now)
    session.add(event)
    post.updated_at = now
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("Someone else acted on this post first; reload it to see what changed."
                       ) from exc
    record_event(session, actor, f"post.{action}", obj=post,
                 details={"from": str(before) if before else None, "to": str(post.state),
                          "revision_id": post.current_revision_id, "note": note})
    archive.append(session, record_type="post.event", object_id=post.id,
                   district_id=post.district_id, actor=actor,
                   content={"post_id": post.id, "action": action, "state": str(post.state),
                            "from_state": str(before) if before else None, "note": note,
                            "revision_id": post.current_revision_id,
                            "at": now.isoformat()})
    platform_outbox.on_post_event(session, post, action)
    staff_mail.on_post_event(session, post, action, note)
    return event


def create_post(session: Session, actor: Actor, district: District, data: PostData) -> Post:
    if not can_write_for(session, actor.user, district):
        raise PermissionDenied("Only the district's designated representatives and its sergeant "
                               "write its posts.")
    body = _validate(data)
    if data.images:
        raise ValidationFailed("A new post has no earlier images.", field="image")
    now = clock.utcnow()
    post = Post(district_id=district.id, author_id=actor.user.id, category=data.category,
                state=S.DRAFT, created_at=now, updated_at=now)
    post.district = district
    session.add(post)
    session.flush()
    _new_revision(session, actor, post, data, body)
    _event(session, actor, post, "created", None)
    return post


def edit_post(session: Session, actor: Actor, post: Post, data: PostData,
              expected_version: int | None = None) -> PostRevision:
    """Save a new revision. A post past draft goes back to draft and out of public view."""
    _check_version(post, expected_version)
    _authorize(session, actor, post, Action.EDIT)
    body = _validate(data)
    before = post.state
    post.state = S.DRAFT  # out of public view before the new text exists
    post.scheduled_for = None
    post.sergeant_review_requested = False
    revision = _new_revision(session, actor, post, data, body)
    _event(session, actor, post, "edited", before,
           note="" if before == S.DRAFT else f"Edited while {in_sentence(before.label)}; "
                                              "it needs to be submitted again.")
    return revision


def acknowledge(session: Session, actor: Actor, post: Post, rule: str, reason: str) -> None:
    _authorize(session, actor, post, Action.ACKNOWLEDGE)
    revision = post.current_revision
    warning = next((f for f in revision.findings
                    if f["rule"] == rule and f["severity"] == Severity.WARNING), None)
    if warning is None:
        raise ValidationFailed("There is no such warning on this revision.")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the post should go out despite the warning.",
                               field="reason")
    if len(reason) > 2000:
        raise ValidationFailed("Keep the reason under 2,000 characters.", field="reason")
    if any(a.rule == rule for a in revision.acknowledgements):
        raise Conflict("That warning is already acknowledged on this revision.")
    ack = Acknowledgement(revision_id=revision.id, rule=rule, reason=reason,
                          user_id=actor.user.id, created_at=clock.utcnow())
    session.add(ack)
    session.flush()
    session.refresh(revision, ["acknowledgements"])
    _event(session, actor, post, "acknowledged", post.state,
           note=f"{warning['title']} ({warning['clause']}): {reason}")


def unmet_requirements(post: Post) -> list[str]:
    """What stops the current revision from being submitted."""
    revision = post.current_revision
    acknowledged = {a.rule for a in revision.acknowledgements}
    problems = [f"{f['title']} ({f['clause']}): change the text." for f in revision.findings
                if f["severity"] == Severity.BLOCKING and not f.get("waiver")]
    problems += [f"{f['title']} ({f['clause']}): acknowledge it with a reason."
                 for f in revision.findings
                 if f["severity"] == Severity.WARNING and f["rule"] not in acknowledged]
    return problems + post_validity.submit_problems(post)


def submit(session: Session, actor: Actor, post: Post, expected_version: int | None = None) -> None:
    """Run the checks again; send a notable post to News Affairs, anything else to ``checked``."""
    _check_version(post, expected_version)
    _authorize(session, actor, post, Action.SUBMIT)
    duty_hours.check(session, actor, post, "submit")
    revision = post.current_revision
    revision.findings = _findings(session, post.district, revision)
    revision.notable_forced = any(f["severity"] == Severity.NOTABLE for f in revision.findings)
    post.notable = revision.notable
    problems = unmet_requirements(post)
    if problems:
        raise ValidationFailed("This revision can't be submitted yet: " + " ".join(problems))
    before = post.state
    post.state = S.AWAITING_NEWS_AFFAIRS if post.notable else S.CHECKED
    _event(session, actor, post, "submitted", before,
           note="Notable incident: sent to News Affairs." if post.notable else "")


def _simple(session: Session, actor: Actor, post: Post, action: Action, label: str,
            expected_version: int | None, note: str = "", note_required: bool = False) -> None:
    _check_version(post, expected_version)
    _authorize(session, actor, post, action)
    note = note.strip()
    if note_required and not note:
        raise ValidationFailed("Add a note saying why.", field="note")
    if len(note) > 2000:
        raise ValidationFailed("Keep the note under 2,000 characters.", field="note")
    before = post.state
    post.state = TRANSITIONS[action].target
    _event(session, actor, post, label, before, note=note)


def request_sergeant_review(session, actor, post, expected_version=None) -> None:
    post.sergeant_review_requested = True
    _simple(session, actor, post, Action.REQUEST_SERGEANT_REVIEW, "sergeant_review_requested",
            expected_version)


def sergeant_clear(session, actor, post, note="", expected_version=None) -> None:
    _simple(session, actor, post, Action.SERGEANT_CLEAR, "sergeant_cleared", expected_version,
            note)


def sergeant_return(session, actor, post, note, expected_version=None) -> None:
    _simple(session, actor, post, Action.SERGEANT_RETURN, "returned", expected_version, note,
            note_required=True)


def approve(session, actor, post, note="", expected_version=None) -> None:
    _check_version(post, expected_version)
    _authorize(session, actor, post, Action.APPROVE)
    post.approved_revision_id = post.current_revision_id
    post.approved_by_id = actor.user.id
    post.approved_at = clock.utcnow()
    _simple(session, actor, post, Action.APPROVE, "approved", None, note)


def return_post(session, actor, post, note, expected_version=None) -> None:
    _simple(session, actor, post, Action.RETURN, "returned", expected_version, note,
            note_required=True)


def reject(session, actor, post, note, expected_version=None) -> None:
    _simple(session, actor, post, Action.REJECT, "rejected", expected_version, note,
            note_required=True)


@dataclass(frozen=True)
class Held:
    """A release the checks stopped: the post is held, and ``reason`` says what to fix."""

    reason: str


def _release_check(session: Session, actor: Actor, post: Post, refused: str) -> Held | None:
    """Re-run the checks on the text about to go out, with the rules and word lists in force
    now (an administrator may have extended them since the post was checked).

    On a new blocking finding, a warning nobody acknowledged, or a notable incident without
    News Affairs' approval of this revision, the post is held, as the scheduler holds a due
    post, and the caller commits that: the findings are kept for the author to act on.
    """
    reason = _hold_reason(session, post)
    if not reason:
        return None
    _hold(session, actor, post, f"{refused} {reason}")
    return Held(f"{refused} {reason} The post is held: edit it, or acknowledge new warnings, "
                "then submit it again.")


def _hold(session: Session, actor: Actor, post: Post, note: str) -> None:
    before = post.state
    post.state = S.HELD
    post.scheduled_for = None
    post.notable = post.notable or post.current_revision.notable
    _event(session, actor, post, "held", before, note=note)


def publish(session, actor, post, expected_version=None) -> Held | None:
    """Publish the checked (or approved) revision now, after checking it again.

    Raises Conflict or PermissionDenied when the workflow refuses. Returns None when the post
    is public, or ``Held`` when the checks now stop it (see ``_release_check``).
    """
    _check_version(post, expected_version)
    _authorize(session, actor, post, Action.PUBLISH)
    duty_hours.check(session, actor, post, "publish")
    held = _release_check(session, actor, post, "Not published:")
    if held:
        return held
    _release(session, actor, post)
    return None


def _release(session: Session, actor: Actor, post: Post) -> None:
    before = post.state
    post.state = S.PUBLISHED
    post.published_at = clock.utcnow()
    post.published_by_id = actor.user.id if actor.user else post.author_id
    post.scheduled_for = None
    post.reviewed_at = post.reviewed_by_id = None  # back in the sergeant's review queue
    _event(session, actor, post, "published", before)


def schedule(session, actor, post, when: datetime, expected_version=None) -> Held | None:
    """Schedule the checked (or approved) revision, after checking it again; the scheduler
    checks it once more when it is due.

    Raises ValidationFailed for a time in the past or more than a year ahead. Returns None
    when scheduled, or ``Held`` when the checks now stop it.
    """
    _check_version(post, expected_version)
    _authorize(session, actor, post, Action.SCHEDULE)
    now = clock.utcnow()
    if when <= now:
        raise ValidationFailed("Choose a time in the future, or publish now.", field="when")
    if when > now + timedelta(days=366):
        raise ValidationFailed("Schedule at most a year ahead.", field="when")
    duty_hours.check(session, actor, post, "schedule", when)
    post_validity.check_schedule(post, when)
    held = _release_check(session, actor, post, "Not scheduled:")
    if held:
        return held
    before = post.state
    post.state = S.SCHEDULED
    post.scheduled_for = when
    _event(session, actor, post, "scheduled", before, note=f"For {clock.department_text(when)}")
    return None


def unschedule(session, actor, post, expected_version=None) -> None:
    _check_version(post, expected_version)
    _authorize(session, actor, post, Action.UNSCHEDULE)
    before = post.state
    post.state = S.APPROVED if post.notable else S.CHECKED
    post.scheduled_for = None
    _event(session, actor, post, "unscheduled", before)


def discontinue(session, actor, post, reason, expected_version=None) -> None:
    """Take a published post off the public pages and the platforms, with the reason.

    Whoever discontinues it (the district's sergeant or News Affairs), the post leaves the
    sergeant's "since your last review" list: that list holds what is public. The sergeant's
    own discontinuing is also their review of the post. Raises Conflict or PermissionDenied when
    the workflow refuses, ValidationFailed without a reason.
    """
    _check_version(post, expected_version)
    _authorize(session, actor, post, Action.DISCONTINUE)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give the reason for discontinuing the post.", field="reason")
    post.discontinued_at = clock.utcnow()
    post.discontinued_by_id = actor.user.id
    post.discontinue_reason = reason[:2000]
    if post.reviewed_at is None and Party.SERGEANT in _parties(session, actor.user, post):
        # Recorded by the "discontinued" event itself: the post's history shows who and when.
        post.reviewed_at, post.reviewed_by_id = post.discontinued_at, actor.user.id
    _simple(session, actor, post, Action.DISCONTINUE, "discontinued", None, reason)


def mark_reviewed(session: Session, actor: Actor, posts: list[Post]) -> int:
    """The sergeant marks posts of their district reviewed (Chicago Twitter V.B)."""
    now = clock.utcnow()
    for post in posts:
        _authorize(session, actor, post, Action.MARK_REVIEWED)
        if post.reviewed_at is not None:
            raise Conflict(f"Post #{post.id} was already reviewed by "
                           f"{post.reviewed_by.full_name if post.reviewed_by else 'someone'}.")
        post.reviewed_at, post.reviewed_by_id = now, actor.user.id
        _event(session, actor, post, "reviewed", post.state)
    return len(posts)


@dataclass
class DueRun:
    published: list[Post] = field(default_factory=list)
    held: list[Post] = field(default_factory=list)


def publish_due(session: Session, actor: Actor, now: datetime | None = None) -> DueRun:
    """Release scheduled posts whose time has come; hold any whose approval is not valid.

    Rows are locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so several workers never release
    the same post twice.
    """
    now = now or clock.utcnow()
    query = (select(Post).where(Post.state == S.SCHEDULED, Post.scheduled_for <= now)
             .order_by(Post.scheduled_for, Post.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    run = DueRun()
    for post in session.scalars(query).all():
        reason = _hold_reason(session, post)
        if reason:
            _hold(session, actor, post, reason)
            run.held.append(post)
            continue
        _release(session, actor, post)
        run.published.append(post)
    return run


def _hold_reason(session: Session, post: Post) -> str:
    """Check the post again at its time: the rules or the approval may have changed."""
    revision = post.current_revision
    revision.findings = _findings(session, post.district, revision)
    revision.notable_forced = any(f["severity"] == Severity.NOTABLE for f in revision.findings)
    acknowledged = {a.rule for a in revision.acknowledgements}
    problems = [f"{f['title']} ({f['clause']}), “{f['quote']}”: change the text."
                for f in revision.findings if f["severity"] == Severity.BLOCKING and not f.get("waiver")]
    problems += [f"{f['title']} ({f['clause']}), “{f['quote']}”: acknowledge it with a reason."
                 for f in revision.findings
                 if f["severity"] == Severity.WARNING and f["rule"] not in acknowledged]
    if problems:
        return "The checks now find problems: " + " ".join(problems)
    expired = post_validity.release_problem(post, clock.utcnow())
    if expired:
        return expired
    if (post.notable or revision.notable) and not post.approval_current:
        found = [f"“{f['quote']}”" for f in revision.findings
                 if f["severity"] == Severity.NOTABLE]
        because = f" (the checks read {', '.join(found)} as one)" if found else ""
        return (f"It reads as a notable incident{because} and needs News Affairs' approval "
                "of its current revision.")
    return ""


# --- queues ------------------------------------------------------------------------------------

def _listing():
    return select(Post).options(joinedload(Post.current_revision), joinedload(Post.author))


def news_affairs_queue(session: Session) -> list[Post]:
    return list(session.scalars(_listing().where(Post.state == S.AWAITING_NEWS_AFFAIRS)
                                .order_by(Post.updated_at)))


def sergeant_pre_review_queue(session: Session, district_id: int) -> list[Post]:
    return list(session.scalars(_listing().where(Post.state == S.AWAITING_SERGEANT,
                                                 Post.district_id == district_id)
                                .order_by(Post.updated_at)))


def _unreviewed(district_id: int):
    """The sergeant's "since your last review": public posts nobody has reviewed. A discontinued
    post is off the list whoever discontinued it (a review could only discontinue it again)."""
    return (Post.district_id == district_id, Post.state == S.PUBLISHED,
            Post.reviewed_at.is_(None))


def review_queue(session: Session, district_id: int, limit: int | None = None) -> list[Post]:
    """Everything the district published that the sergeant has not reviewed since, oldest
    first (``limit``: the first page of it)."""
    query = (_listing().options(joinedload(Post.current_revision)
                                .selectinload(PostRevision.acknowledgements)
                                .joinedload(Acknowledgement.user))
             .where(*_unreviewed(district_id)).order_by(Post.published_at, Post.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def review_queue_size(session: Session, district_id: int) -> int:
    return session.scalar(select(func.count(Post.id)).where(*_unreviewed(district_id))) or 0


@dataclass(frozen=True)
class OverdueReview:
    district: District
    unreviewed: int
    oldest: datetime
    last_reviewed: datetime | None


def review_interval(session: Session) -> timedelta:
    department = session.scalars(select(Department)).first()
    return timedelta(days=department.review_interval_days if department else 7)


def _overdue_oldest(session: Session, now: datetime | None, district_id: int | None = None):
    """(district, oldest unreviewed publication) for each district whose oldest unreviewed
    published post is older than the review interval. One correlated look-up per district
    (``ix_posts_unreviewed``), never a pass over every post."""
    cutoff = (now or clock.utcnow()) - review_interval(session)
    oldest = (select(func.min(Post.published_at))
              .where(Post.district_id == District.id, Post.state == S.PUBLISHED,
                     Post.reviewed_at.is_(None))
              .correlate(District).scalar_subquery())
    query = select(District, oldest.label("oldest")).where(oldest <= cutoff)
    return query if district_id is None else query.where(District.id == district_id)


def overdue_district_count(session: Session, now: datetime | None = None,
                           district_id: int | None = None) -> int:
    """How many districts ``overdue_reviews`` would list (for the navigation's count), or
    whether the district ``district_id`` is among them (1 or 0)."""
    return session.scalar(select(func.count()).select_from(
        _overdue_oldest(session, now, district_id).subquery())) or 0


def overdue_reviews(session: Session, now: datetime | None = None) -> list[OverdueReview]:
    """Districts with a published post left unreviewed longer than the review interval."""
    rows = session.execute(_overdue_oldest(session, now)).all()
    ids = [district.id for district, _ in rows]
    if not ids:
        return []
    counts = dict(session.execute(
        select(Post.district_id, func.count(Post.id))
        .where(Post.district_id.in_(ids), Post.state == S.PUBLISHED, Post.reviewed_at.is_(None))
        .group_by(Post.district_id)).all())
    last = dict(session.execute(
        select(Post.district_id, func.max(Post.reviewed_at))
        .where(Post.district_id.in_(ids)).group_by(Post.district_id)).all())
    overdue = [OverdueReview(district, counts.get(district.id, 0), clock.as_utc(oldest),
                             clock.as_utc(last[district.id]) if last.get(district.id) else None)
               for district, oldest in rows]
    return sorted(overdue, key=lambda o: (o.oldest, o.district.id))


def held_posts(session: Session, district_id: int | None = None) -> list[Post]:
    query = _listing().where(Post.state == S.HELD).order_by(Post.updated_at)
    if district_id is not None:
        query = query.where(Post.district_id == district_id)
    return list(session.scalars(query))


def returned_posts(session: Session, user: User) -> list[Post]:
    """The user's drafts whose last event was a return with a note."""
    last_event = (select(PostEvent.action).where(PostEvent.post_id == Post.id)
                  .order_by(PostEvent.id.desc()).limit(1).scalar_subquery())
    return list(session.scalars(_listing().where(
        Post.state == S.DRAFT, or_(Post.author_id == user.id,
                                   Post.current_revision.has(PostRevision.created_by_id == user.id)),
        last_event == "returned").order_by(Post.updated_at)))


def district_posts(session: Session, user: User, *, district_id: int | None = None,
                   state: PostState | None = None):
    """Posts the user may see, newest first (a query to paginate)."""
    query = _listing().order_by(Post.updated_at.desc(), Post.id.desc())
    if user.district_id is not None and user.role.value in ("representative", "sergeant",
                                                             "commander"):
        query = query.where(Post.district_id == user.district_id)
    elif district_id is not None:
        query = query.where(Post.district_id == district_id)
    if state is not None:
        query = query.where(Post.state == state)
    return query
