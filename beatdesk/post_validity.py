"""Current, correct, valid (Chicago Twitter V.B.2): time-bound posts and resolved notices.

- A post in a time-bound category carries an end date (``END_DATE``: when it stops being true,
  a road reopens, an event ends) or a review date (``REVIEW_DATE``: missing and wanted notices,
  when someone must check it is still current), stored in ``Post.valid_until``. It is required
  on submit and must fall after the release.
- The sergeant's review brings back the district's public posts past that date
  (``past_date``); the sergeant marks one still current with a new date (``still_current``)
  or discontinues it (``beatdesk.posts.discontinue``).
- A missing-person or wanted notice can be marked resolved (``resolve``): its text stays
  public with the note, its images come down from the public pages, the feeds and the public
  image address (410 Gone), and every platform where it went out gets a delete through the
  outbox. The archive keeps everything.

Every change writes the post's timeline, an audit row and an archive record in the caller's
transaction (through ``beatdesk.posts``' event writer); the caller commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from . import clock
from .context import Actor
from .errors import Conflict, PermissionDenied, ValidationFailed
from .models import Category, Post, PostState, User
from .text import normalise

C = Category
# When it stops being true: the end date.
END_DATE = frozenset({C.ROAD_CLOSURE, C.SPECIAL_EVENT, C.COMMUNITY_EVENT, C.BEAT_MEETING,
                      C.WEATHER_EMERGENCY})
# When someone must check it is still current: the review date.
REVIEW_DATE = frozenset({C.MISSING_PERSON, C.WANTED_PERSON})
REQUIRED = END_DATE | REVIEW_DATE
# Notices that end by being resolved (found, arrested): their images come down everywhere.
RESOLVABLE = REVIEW_DATE
# A community alert, a crime prevention tip, a success story or a recruitment post may carry
# an end date, but needs none: many stay true.
MAX_AHEAD = timedelta(days=731)
MAX_NOTE = 200
FIELD = "valid_until"
FIELD_LABEL = "End or review date"


def is_review(category: Category) -> bool:
    return category in REVIEW_DATE


def date_name(category: Category) -> str:
    """"end date" or "review date", for sentences."""
    return "review date" if is_review(category) else "end date"


def _plural(category: Category) -> str:
    return {C.ROAD_CLOSURE: "Road closures", C.SPECIAL_EVENT: "Special events",
            C.COMMUNITY_EVENT: "Community events", C.BEAT_MEETING: "Beat meetings",
            C.WEATHER_EMERGENCY: "Weather emergencies",
            C.MISSING_PERSON: "Missing or endangered person notices",
            C.WANTED_PERSON: "Wanted person notices"}.get(category, category.label)


def missing_message(category: Category) -> str:
    """The refusal for a time-bound post without its date, naming the field."""
    if is_review(category):
        return (f"{_plural(category)} need a review date in “{FIELD_LABEL}”: when someone must "
                "check the notice is still current.")
    return (f"{_plural(category)} need an end date in “{FIELD_LABEL}”: when the post stops "
            "being true, such as when the road reopens or the event ends.")


# --- the composer and the release --------------------------------------------------------------

def check_date(category: Category, when: datetime | None, now: datetime | None = None) -> None:
    """A date typed in the composer: after now and at most two years ahead (it is not
    required while drafting; ``submit_problems`` asks for it). Raises ValidationFailed."""
    if when is None:
        return
    now = now or clock.utcnow()
    when = clock.as_utc(when)
    if when <= now:
        raise ValidationFailed(f"The {date_name(category)} must be in the future, after the post "
                               "is released.", field=FIELD)
    if when > now + MAX_AHEAD:
        raise ValidationFailed(f"Choose an {date_name(category)} at most two years ahead."
                               if not is_review(category) else
                               "Choose a review date at most two years ahead.", field=FIELD)


def submit_problems(post: Post, now: datetime | None = None) -> list[str]:
    """What stops a time-bound post from being submitted: no date, or one already past."""
    if post.current_revision is None:
        return []
    category = post.current_revision.category
    if post.valid_until is None:
        return [missing_message(category)] if category in REQUIRED else []
    if clock.as_utc(post.valid_until) <= (now or clock.utcnow()):
        return [f"The {date_name(category)} ({clock.department_text(post.valid_until)}) has "
                f"passed: edit the post and choose a later one in “{FIELD_LABEL}”."]
    return []


def release_problem(post: Post, when: datetime) -> str:
    """Why the post can't be released at ``when`` ("" when it can): its date is not after it."""
    if post.valid_until is None or clock.as_utc(post.valid_until) > clock.as_utc(when):
        return ""
    category = post.current_revision.category if post.current_revision else post.category
    return (f"Its {date_name(category)} ({clock.department_text(post.valid_until)}) is not after "
            f"the release ({clock.department_text(when)}): edit the post and choose a later "
            f"{date_name(category)}.")


def check_schedule(post: Post, when: datetime) -> None:
    problem = release_problem(post, when)
    if problem:
        raise ValidationFailed("Not scheduled: " + problem, field="when")


# --- reading -----------------------------------------------------------------------------------

def is_past(post, now: datetime | None = None) -> bool:
    return post.valid_until is not None and \
        clock.as_utc(post.valid_until) <= (now or clock.utcnow())


def has_ended(post, now: datetime | None = None) -> bool:
    """An end date (not a review date) that has passed: the public page says it ended."""
    category = post.current_revision.category
    return category not in REVIEW_DATE and is_past(post, now)


def _past(district_id: int, now: datetime):
    return (Post.district_id == district_id, Post.state == PostState.PUBLISHED,
            Post.valid_until.is_not(None), Post.valid_until <= now, Post.resolved_at.is_(None))


def past_date(session: Session, district_id: int, now: datetime | None = None) -> list[Post]:
    """The district's public posts past their end or review date, the longest past first."""
    now = now or clock.utcnow()
    return list(session.scalars(
        select(Post).options(joinedload(Post.current_revision), joinedload(Post.author))
        .where(*_past(district_id, now)).order_by(Post.valid_until, Post.id)))


def past_date_count(session: Session, district_id: int, now: datetime | None = None) -> int:
    return session.scalar(select(func.count(Post.id))
                          .where(*_past(district_id, now or clock.utcnow()))) or 0


# --- acting ------------------------------------------------------------------------------------

def _check_version(post: Post, expected_version: int | None) -> None:
    if expected_version is not None and post.version != expected_version:
        raise Conflict("Someone else changed this post; reload it and try again.")


def can_confirm(user: User | None, post: Post) -> bool:
    """The district's sergeant keeps its posts current (Chicago Twitter V.B.2)."""
    return bool(user and user.active and user.role.value == "sergeant"
                and user.district_id == post.district_id)


def still_current(session: Session, actor: Actor, post: Post, new_date: datetime | None,
                  expected_version: int | None = None) -> None:
    """The sergeant checked the post: it is still current until ``new_date`` (recorded)."""
    from . import posts as posts_module

    if not can_confirm(actor.user, post):
        raise PermissionDenied("Only the district's sergeant marks its posts still current.")
    _check_version(post, expected_version)
    if post.state != PostState.PUBLISHED or post.resolved_at is not None:
        raise Conflict("Only a public post that is not resolved can be marked still current.")
    category = post.current_revision.category
    if new_date is None:
        raise ValidationFailed(f"Choose the new {date_name(category)}.", field=FIELD)
    check_date(category, new_date)
    before = post.valid_until
    post.valid_until = clock.as_utc(new_date)
    note = (f"Checked and still current; new {date_name(category)} "
            f"{clock.department_text(post.valid_until)}"
            + (f" (was {clock.department_text(before)})." if before else "."))
    posts_module._event(session, actor, post, "confirmed_current", post.state, note=note)


def can_resolve(session: Session, user: User | None, post: Post) -> bool:
    """The district's sergeant or commander, News Affairs, or the post's representative."""
    from . import posts as posts_module

    if user is None or not user.active:
        return False
    role = user.role.value
    if role == "news_affairs":
        return True
    if user.district_id != post.district_id:
        return False
    if role in ("sergeant", "commander"):
        return True
    return (role == "representative" and posts_module.is_designated(session, user)
            and user.id in posts_module.author_ids(session, post))


def resolvable(post: Post) -> bool:
    return (post.current_revision is not None and post.current_revision.category in RESOLVABLE
            and post.state == PostState.PUBLISHED and post.resolved_at is None)


def resolve(session: Session, actor: Actor, post: Post, note: str,
            expected_version: int | None = None) -> None:
    """Mark a public missing-person or wanted notice resolved, with a short public note.

    Its images leave the public pages, the feeds and the public image address; a delete is
    queued for every platform where it went out (the outbox's withdrawal path, as for a
    discontinued post); the timeline, audit and archive record it.
    """
    from . import posts as posts_module

    if not can_resolve(session, actor.user, post):
        raise PermissionDenied("Only the district's sergeant or commander, News Affairs, or the "
                               "post's representative marks a notice resolved.")
    _check_version(post, expected_version)
    category = post.current_revision.category
    if category not in RESOLVABLE:
        raise Conflict(f"Only missing-person and wanted notices are resolved; a "
                       f"{category.label.lower()} post is discontinued instead.")
    if post.resolved_at is not None:
        raise Conflict("This notice is already resolved.")
    if post.state != PostState.PUBLISHED:
        raise Conflict("Only a public notice can be marked resolved.")
    note = " ".join(normalise(note or "", "Public note", "note").split())
    if not note:
        raise ValidationFailed("Write a short public note, such as “Found safe”.", field="note")
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"Keep the public note under {MAX_NOTE} characters.",
                               field="note")
    post.resolved_at = clock.utcnow()
    post.resolved_by_id = actor.user.id
    post.resolved_note = note
    posts_module._event(session, actor, post, "resolved", post.state,
                        note=f"Resolved: {note} Its images were taken down everywhere.")
