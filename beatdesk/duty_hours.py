"""Representatives' duty hours (Chicago Twitter III.C).

The district commander sets each representative's weekly hours in the department's wall-clock
time, one shift a day at most; a shift whose end is at or before its start runs past midnight.
A representative with hours set may submit, publish and schedule posts (and schedule them to go
out) only inside them, unless the district's sergeant has released that post outside duty
hours. No hours set: no limit. Times are compared on the department's wall clock, so a shift is
the same hours either side of a daylight-saving change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import clock
from .audit import record_event
from .context import Actor
from .errors import Conflict, PermissionDenied, ValidationFailed
from .models import Post, PostState, RepresentativeDesignation, User
from .models.devices import DutyHoursRelease, DutyShift
from .roles import Role
from .text import normalise

DAYS = clock.WEEKDAYS
MAX_REASON = 2000
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?\s*$")


def parse_time(text: str | None, label: str, field: str) -> int | None:
    """A time of day as minutes after midnight: the department's way ("10:30 PM", "9 am") or
    24-hour ("22:30"); empty: None. Refuses 25:00, 9:75, 13 PM and words."""
    text = (text or "").strip()
    if not text:
        return None
    match = _TIME.match(text)
    hour = int(match.group(1)) if match else -1
    minute = int(match.group(2) or 0) if match else -1
    half = (match.group(3) or "").lower() if match else ""
    if half and 1 <= hour <= 12:
        hour = hour % 12 + (12 if half == "p" else 0)
    elif half or (match and match.group(2) is None):
        hour = -1  # "13 PM", "0 AM", or a bare number without AM/PM
    if not match or not 0 <= hour <= 23 or not 0 <= minute <= 59:
        raise ValidationFailed(f"{label}: enter a time of day, like 9:00 AM or 10:30 PM.",
                               field=field)
    return hour * 60 + minute


def time_text(minute: int) -> str:
    hour, rest = divmod(minute, 60)
    return f"{hour % 12 or 12}:{rest:02d} {'AM' if hour < 12 else 'PM'}"


def shift_text(shift: DutyShift) -> str:
    text = f"{DAYS[shift.weekday]} {time_text(shift.start_minute)} to {time_text(shift.end_minute)}"
    return text + " the next day" if shift.overnight else text


def shifts(session: Session, user: User) -> list[DutyShift]:
    return list(session.scalars(select(DutyShift).where(DutyShift.user_id == user.id)
                                .order_by(DutyShift.weekday)))


def hours_text(session: Session, user: User, shift_list: list[DutyShift] | None = None) -> str:
    """"Monday 9:00 AM to 5:00 PM; Friday 10:00 PM to 6:00 AM the next day (Central Time,
    CST/CDT)", or "" when none are set."""
    shift_list = shifts(session, user) if shift_list is None else shift_list
    if not shift_list:
        return ""
    return "; ".join(shift_text(s) for s in shift_list) + f" ({clock.zone_label(clock.department_zone())})"


# --- setting hours -----------------------------------------------------------------------------

@dataclass(frozen=True)
class DayHours:
    weekday: int
    start: str = ""
    end: str = ""


def representatives(session: Session, district_id: int) -> list[User]:
    """The district's designated representatives (the people duty hours apply to)."""
    return list(session.scalars(
        select(User).join(RepresentativeDesignation, RepresentativeDesignation.user_id == User.id)
        .where(RepresentativeDesignation.district_id == district_id,
               RepresentativeDesignation.ended_at.is_(None))
        .order_by(User.full_name, User.id)))


def can_set_hours(user: User | None, representative: User) -> bool:
    """Only the representative's district commander sets their hours."""
    return (user is not None and user.active and user.role is Role.COMMANDER
            and representative.role is Role.REPRESENTATIVE
            and user.district_id is not None and user.district_id == representative.district_id)


def can_see_hours(user: User | None, representative: User) -> bool:
    if user is None or not user.active:
        return False
    if user.role in (Role.ADMIN, Role.NEWS_AFFAIRS):
        return True
    return user.district_id is not None and user.district_id == representative.district_id


def set_hours(session: Session, actor: Actor, representative: User, days: list[DayHours]) -> None:
    """Replace the representative's weekly hours. A day with neither time is off duty; a day
    with one time but not the other, or the same start and end, is refused."""
    if not can_set_hours(actor.user, representative):
        raise PermissionDenied("Only the representative's district commander sets their duty "
                               "hours.")
    parsed: list[tuple[int, int, int]] = []
    for day in days:
        if not 0 <= day.weekday <= 6:
            raise ValidationFailed("Choose a day from Monday to Sunday.")
        name = DAYS[day.weekday]
        start = parse_time(day.start, f"{name} start", f"start_{day.weekday}")
        end = parse_time(day.end, f"{name} end", f"end_{day.weekday}")
        if start is None and end is None:
            continue
        if start is None or end is None:
            missing = "start" if start is None else "end"
            raise ValidationFailed(f"{name}: enter the {missing} time too, or leave both empty "
                                   "for a day off.", field=f"{missing}_{day.weekday}")
        if start == end:
            raise ValidationFailed(f"{name}: the end must differ from the start. A shift that "
                                   "ends after midnight ends at an earlier time, like 22:00 to "
                                   "06:00.", field=f"end_{day.weekday}")
        parsed.append((day.weekday, start, end))
    if len({weekday for weekday, _, _ in parsed}) != len(parsed):
        raise ValidationFailed("Give each day at most one shift.")
    before = hours_text(session, representative)
    session.execute(delete(DutyShift).where(DutyShift.user_id == representative.id))
    now = clock.utcnow()
    for weekday, start, end in parsed:
        session.add(DutyShift(user_id=representative.id, weekday=weekday, start_minute=start,
                              end_minute=end, set_at=now, set_by_id=actor.user.id))
    session.flush()
    after = hours_text(session, representative)
    record_event(session, actor, "duty_hours.set", object_type="users",
                 object_id=representative.id,
                 details={"representative": representative.login_id, "before": before,
                          "after": after,
                          "shifts": [{"day": DAYS[w], "start": s, "end": e}
                                     for w, s, e in parsed]})


# --- checking ----------------------------------------------------------------------------------

def on_duty(shift_list: list[DutyShift], moment: datetime) -> bool:
    """Whether ``moment`` (aware) falls in one of the shifts, on the department's wall clock."""
    wall = clock.local(moment, clock.department_zone())
    minute = wall.hour * 60 + wall.minute
    today = wall.weekday()
    for shift in shift_list:
        if not shift.overnight:
            if shift.weekday == today and shift.start_minute <= minute < shift.end_minute:
                return True
        else:
            if shift.weekday == today and minute >= shift.start_minute:
                return True
            if (shift.weekday + 1) % 7 == today and minute < shift.end_minute:
                return True
    return False


def release_for(session: Session, post: Post) -> DutyHoursRelease | None:
    return session.scalar(select(DutyHoursRelease).where(DutyHoursRelease.post_id == post.id))


class OutsideDutyHours(PermissionDenied):
    """A representative's step refused outside their duty hours: the post's page shows why."""


def check(session: Session, actor: Actor, post: Post, doing: str,
          when: datetime | None = None) -> None:
    """Refuse ``doing`` ("submit", "publish", "schedule") outside the actor's duty hours.

    Only representatives are limited, and only when their hours are set. For scheduling, the
    time the post is to go out must be inside the hours too. A sergeant's release of the post
    lifts the limit for it.
    """
    user = actor.user
    if user is None or user.role is not Role.REPRESENTATIVE:
        return
    shift_list = shifts(session, user)
    if not shift_list:
        return
    now = clock.utcnow()
    outside_now = not on_duty(shift_list, now)
    outside_then = when is not None and not on_duty(shift_list, when)
    if not (outside_now or outside_then):
        return
    if release_for(session, post) is not None:
        return
    hours = hours_text(session, user, shift_list)
    if outside_now:
        what = (f"It is {clock.department_text(now)}, outside your duty hours, so Post #{post.id} "
                f"can't be {_done(doing)} now.")
    else:
        what = (f"{clock.department_text(when)} is outside your duty hours, so Post #{post.id} "
                "can't be scheduled for then.")
    raise OutsideDutyHours(f"{what} Your duty hours: {hours}. Your district's sergeant can "
                           "release this post outside duty hours.")


def _done(doing: str) -> str:
    return {"submit": "submitted", "publish": "published", "schedule": "scheduled"}.get(
        doing, doing)


# --- releasing ---------------------------------------------------------------------------------

RELEASABLE = frozenset({PostState.DRAFT, PostState.CHECKED, PostState.AWAITING_SERGEANT,
                        PostState.AWAITING_NEWS_AFFAIRS, PostState.APPROVED, PostState.HELD})


def can_release(user: User | None, post: Post) -> bool:
    """Only the sergeant of the post's district releases it outside duty hours."""
    return (user is not None and user.active and user.role is Role.SERGEANT
            and user.district_id == post.district_id)


def release(session: Session, actor: Actor, post: Post, reason: str) -> DutyHoursRelease:
    if not can_release(actor.user, post):
        raise PermissionDenied("Only the sergeant of the post's district can release it outside "
                               "duty hours.")
    reason = normalise(reason or "", "Reason", "reason").strip()
    if not reason:
        raise ValidationFailed("Say why this post may go out outside duty hours.", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed("Keep the reason under 2,000 characters.", field="reason")
    if post.state not in RELEASABLE:
        raise Conflict(f"Post #{post.id} is {post.state.label.lower()}: there is nothing left to "
                       "release.")
    existing = release_for(session, post)
    if existing is not None:
        raise Conflict(f"Post #{post.id} was already released outside duty hours by "
                       f"{existing.released_by.display_name} on "
                       f"{clock.department_text(existing.released_at)}.")
    row = DutyHoursRelease(post_id=post.id, district_id=post.district_id,
                           released_by_id=actor.user.id, released_at=clock.utcnow(),
                           reason=reason)
    session.add(row)
    session.flush()
    record_event(session, actor, "duty_hours.released", obj=row,
                 details={"post_id": post.id, "reason": reason})
    return row


def waiting_posts(session: Session, district_id: int) -> list[Post]:
    """The district's posts not yet out whose author has duty hours set: what a sergeant may
    release, oldest first."""
    limited = select(DutyShift.user_id)
    return list(session.scalars(
        select(Post).where(Post.district_id == district_id, Post.state.in_(RELEASABLE),
                           Post.author_id.in_(limited))
        .order_by(Post.created_at, Post.id).limit(100)))


def releases(session: Session, district_id: int) -> dict[int, DutyHoursRelease]:
    rows = session.scalars(select(DutyHoursRelease)
                           .where(DutyHoursRelease.district_id == district_id))
    return {row.post_id: row for row in rows}
