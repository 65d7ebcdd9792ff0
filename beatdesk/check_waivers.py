"""Recorded permissions that allow a blocking finding of a post.

Three kinds, each for one finding of one post (the rule and its quoted words, or an image):

- a News Affairs exception (e.g. a charity event with a sponsor): approved by a News Affairs
  user who did not write the post; the author side may ask for one;
- an employee's consent to their personal details appearing in the post: recorded by the
  district's sergeant or commander or by News Affairs, or by the employee themselves when they
  are a Beatdesk user;
- the Chief's (or a delegate's) written permission for an image that can't be attested (a
  wanted or missing person, a training or an operation): recorded by the district's commander,
  News Affairs or an administrator.

Records are never changed: a revocation is a new record. Each one is audited, written to the
post's timeline (and so to its archive history) and turned into a ``Waiver`` when the checks
run (``beatdesk.posts._findings``): a revision whose quoted words changed loses it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from . import clock
from .audit import record_event
from .checks import Waiver, WaiverKind
from .checks import rules as rules_module
from .context import Actor
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .models import Post, PostState, User
from .models.check_waivers import CheckWaiver, ConsentMethod, WaiverAction
from .permissions import can_view_district
from .roles import Role
from .text import normalise

MAX_REASON = 2000
MAX_NAME = 200
MAX_QUOTE = 1000
EARLIEST = date(2000, 1, 1)
CLOSED = (PostState.REJECTED, PostState.DISCONTINUED)

KIND_LABELS = {
    WaiverKind.NEWS_AFFAIRS: "News Affairs exception",
    WaiverKind.EMPLOYEE_CONSENT: "Employee's consent",
    WaiverKind.IMAGE_PERMISSION: "Written permission for an image",
}
# What a blocking finding that admits a waiver needs, as its reviewers read it.
NEEDS = {
    WaiverKind.NEWS_AFFAIRS: "Needs News Affairs' approval.",
    WaiverKind.EMPLOYEE_CONSENT: "Needs the employee's recorded consent.",
    WaiverKind.IMAGE_PERMISSION: "Needs the Chief's written permission, recorded by the "
                                 "district commander.",
}


# --- what a rule admits -------------------------------------------------------------------------

def kind_of(rule_code: str) -> WaiverKind | None:
    """The waiver kind that may allow the rule's blocking finding (None: nothing may)."""
    rule = rules_module.RULES_BY_CODE.get(rule_code)
    return rule.waiver if rule is not None else None


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _person(user: User | None) -> str:
    if user is None:
        return "someone no longer known"
    return f"{user.rank} {user.full_name}".strip()


# --- reading ------------------------------------------------------------------------------------

def records(session: Session, post_id: int) -> list[CheckWaiver]:
    """Every record about the post's permissions, oldest first."""
    return list(session.scalars(
        select(CheckWaiver).options(joinedload(CheckWaiver.recorded_by),
                                    joinedload(CheckWaiver.asset))
        .where(CheckWaiver.post_id == post_id).order_by(CheckWaiver.id)))


def active(session: Session, post_id: int) -> list[CheckWaiver]:
    """The post's permissions in force: granted and not revoked."""
    rows = records(session, post_id)
    revoked = {r.revokes_id for r in rows if r.action is WaiverAction.REVOKED}
    return [r for r in rows if r.action is WaiverAction.GRANTED and r.id not in revoked]


def text(row: CheckWaiver) -> str:
    """What every reviewer reads beside the finding it allows."""
    who = _person(row.recorded_by)
    when = clock.department_text(row.recorded_at)
    if row.kind == WaiverKind.NEWS_AFFAIRS:
        return f"Exception approved by News Affairs ({who}, {when}): {row.reason}"
    granted_on = clock.local_date_text(row.granted_on)
    if row.kind == WaiverKind.EMPLOYEE_CONSENT:
        method = ConsentMethod(row.consent_method).label.lower() if row.consent_method else ""
        return (f"Consent of {row.granted_by} ({method}, {granted_on}), recorded by {who}, "
                f"{when}: {row.reason}")
    return (f"Written permission of {row.granted_by} ({granted_on}), recorded by {who}, "
            f"{when}: {row.reason}")


def waivers_for(session: Session, post_id: int | None) -> tuple[Waiver, ...]:
    """The post's permissions in force, as the checks take them."""
    if post_id is None:
        return ()
    return tuple(Waiver(WaiverKind(r.kind), r.rule, r.quote, text(r))
                 for r in active(session, post_id))


@dataclass(frozen=True)
class OpenFinding:
    """A blocking finding of the current revision that a permission of ``kind`` may allow."""

    kind: WaiverKind
    rule: str
    title: str
    clause: str
    quote: str            # the quoted words, or the image's label
    asset_id: int | None  # for an image
    waiver: str           # "" while nothing allows it


def waivable_findings(post: Post) -> list[OpenFinding]:
    """The current revision's blocking findings that admit a permission, allowed or not."""
    revision = post.current_revision
    if revision is None:
        return []
    out: list[OpenFinding] = []
    # The checks list image findings in the images' order, one per image missing an item: the
    # n-th finding of an image rule is about the n-th image that lacks it (two images may
    # share a label, so the label alone can't say which).
    unattested = iter([i for i in sorted(revision.images, key=lambda i: i.position)
                       if not i.attested])
    for f in revision.findings:
        kind = kind_of(f["rule"])
        image = next(unattested, None) if f["rule"] == "image_attestation" else None
        if kind is None or f["severity"] != "blocking":
            continue
        asset_id = None
        if kind is WaiverKind.IMAGE_PERMISSION:
            if image is None:
                continue
            asset_id = image.asset_id
        out.append(OpenFinding(kind, f["rule"], f["title"], f["clause"], f["quote"], asset_id,
                               f.get("waiver") or ""))
    return out


def open_requests(session: Session) -> list[tuple[Post, CheckWaiver]]:
    """Requests for a News Affairs exception still waiting: the finding is on the post's current
    revision, nothing allows it yet, and the post is still in the works. Oldest first."""
    rows = session.scalars(select(CheckWaiver).options(joinedload(CheckWaiver.post))
                           .where(CheckWaiver.action == WaiverAction.REQUESTED)
                           .order_by(CheckWaiver.id)).all()
    out, seen = [], set()
    for row in rows:
        post = row.post
        if post.state in CLOSED or post.state == PostState.PUBLISHED:
            continue
        key = (post.id, row.rule, " ".join(row.quote.casefold().split()))
        if key in seen:
            continue
        if any(f.rule == row.rule and _same(f.quote, row.quote) and not f.waiver
               for f in waivable_findings(post)):
            seen.add(key)
            out.append((post, row))
    return out


# --- who may ------------------------------------------------------------------------------------

def _staff(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", True) and user.active


def can_record(session: Session, user: User | None, post: Post, kind: WaiverKind) -> bool:
    """May ``user`` record (or revoke) a permission of ``kind`` for this post?"""
    from .posts import author_ids

    if not _staff(user) or not can_view_district(user, post.district):
        return False
    own_district = user.district_id == post.district_id
    if kind is WaiverKind.NEWS_AFFAIRS:
        return user.role is Role.NEWS_AFFAIRS and user.id not in author_ids(session, post)
    if kind is WaiverKind.EMPLOYEE_CONSENT:
        return (user.role is Role.NEWS_AFFAIRS
                or (user.role in (Role.SERGEANT, Role.COMMANDER) and own_district))
    return user.role in (Role.NEWS_AFFAIRS, Role.ADMIN) or (
        user.role is Role.COMMANDER and own_district)


def can_request(session: Session, user: User | None, post: Post) -> bool:
    """May ``user`` ask News Affairs for an exception? (the post's author side)"""
    from .posts import _parties
    from .workflow import Party

    return _staff(user) and Party.AUTHORS in _parties(session, user, post)


def can_consent_for_self(user: User | None, post: Post) -> bool:
    """A Beatdesk user may record their own consent on a post they can see."""
    return _staff(user) and can_view_district(user, post.district)


# --- recording ----------------------------------------------------------------------------------

def _reason(reason: str) -> str:
    reason = normalise(reason or "", "The reason", "reason").strip()
    if not reason:
        raise ValidationFailed("Give the reason for the permission.", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"Keep the reason under {MAX_REASON:,} characters.", field="reason")
    return reason


def _name(value: str, field: str, missing: str) -> str:
    value = " ".join(normalise(value or "", "The name", field).split())
    if not value:
        raise ValidationFailed(missing, field=field)
    if len(value) > MAX_NAME:
        raise ValidationFailed(f"Keep the name under {MAX_NAME} characters.", field=field)
    return value


def _date(value: date | None, field: str) -> date:
    if value is None:
        raise ValidationFailed("Give the date it was given.", field=field)
    today = clock.utcnow().astimezone(clock.department_zone()).date()
    if value > today:
        raise ValidationFailed("The date can't be in the future.", field=field)
    if value < EARLIEST:
        raise ValidationFailed("Give a date from 2000 on.", field=field)
    return value


def _open(post: Post) -> None:
    if post.state in CLOSED:
        raise Conflict(f"Post #{post.id} is {post.state.label.lower()}: nothing can be allowed "
                       "on it.")


def _text_finding(post: Post, kind: WaiverKind, rule: str, quote: str) -> OpenFinding:
    quote = (quote or "").strip()
    if not quote or len(quote) > MAX_QUOTE:
        raise ValidationFailed("Choose a finding of the post's current revision.", field="quote")
    found = next((f for f in waivable_findings(post) if f.kind is kind and f.rule == rule
                  and f.asset_id is None and _same(f.quote, quote)), None)
    if found is None:
        raise ValidationFailed("The current revision has no such finding that this permission "
                               "could allow. It may have changed: reload the post.",
                               field="quote")
    if found.waiver:
        raise Conflict("That finding is already allowed.")
    return found


def _save(session: Session, actor: Actor, post: Post, row: CheckWaiver, action: str,
          note: str) -> CheckWaiver:
    """Write the record, audit it, note it in the post's timeline (and so its archive
    history), and check the current revision again so the finding shows what allows it."""
    from . import posts

    row.post_id = post.id
    row.recorded_by_id = actor.user.id
    row.recorded_at = clock.utcnow()
    session.add(row)
    session.flush()
    session.refresh(row, ["recorded_by"])
    record_event(session, actor, f"check_waiver.{row.action}", obj=row,
                 details={"post_id": post.id, "kind": str(row.kind), "rule": row.rule,
                          "quote": row.quote, "asset_id": row.asset_id, "reason": row.reason,
                          "granted_by": row.granted_by,
                          "employee_user_id": row.employee_user_id,
                          "consent_method": row.consent_method,
                          "granted_on": row.granted_on.isoformat() if row.granted_on else None,
                          "revokes_id": row.revokes_id})
    revision = post.current_revision
    if revision is not None and row.action is not WaiverAction.REQUESTED:
        revision.findings = posts._findings(session, post.district, revision)
    posts._event(session, actor, post, action, post.state, note=note)
    return row


def record_exception(session: Session, actor: Actor, post: Post, rule: str, quote: str,
                     reason: str) -> CheckWaiver:
    """News Affairs approves an exception for one blocking finding of the post."""
    if not can_record(session, actor.user, post, WaiverKind.NEWS_AFFAIRS):
        raise PermissionDenied("Only News Affairs approves an exception, and never for a post "
                               "they wrote.")
    _open(post)
    found = _text_finding(post, WaiverKind.NEWS_AFFAIRS, rule, quote)
    row = CheckWaiver(kind=str(WaiverKind.NEWS_AFFAIRS), action=WaiverAction.GRANTED,
                      rule=found.rule, quote=found.quote, reason=_reason(reason))
    return _save(session, actor, post, row, "exception_approved",
                 f"{found.title}, “{found.quote}”: exception approved by News Affairs: "
                 f"{row.reason}")


def request_exception(session: Session, actor: Actor, post: Post, rule: str, quote: str,
                      reason: str) -> CheckWaiver:
    """The author side asks News Affairs for an exception; it shows in their Needs attention."""
    if not can_request(session, actor.user, post):
        raise PermissionDenied("Only the post's author side asks for an exception.")
    _open(post)
    found = _text_finding(post, WaiverKind.NEWS_AFFAIRS, rule, quote)
    row = CheckWaiver(kind=str(WaiverKind.NEWS_AFFAIRS), action=WaiverAction.REQUESTED,
                      rule=found.rule, quote=found.quote, reason=_reason(reason))
    return _save(session, actor, post, row, "exception_requested",
                 f"{found.title}, “{found.quote}”: asked News Affairs for an exception: "
                 f"{row.reason}")


def record_consent(session: Session, actor: Actor, post: Post, rule: str, quote: str, *,
                   employee_name: str, employee_login: str = "", method: str,
                   given_on: date | None, reason: str) -> CheckWaiver:
    """The named employee consented to the quoted personal details appearing in this post.

    ``employee_login``: the employee's Beatdesk log-on ID, when they have one. An employee who
    is a Beatdesk user may record their own consent (``employee_login`` their own)."""
    employee = None
    login = (employee_login or "").strip()
    if login:
        if len(login) > 40:
            raise ValidationFailed("No Beatdesk user has that log-on ID.", field="employee_login")
        employee = session.scalars(select(User).where(User.login_id == login)).first()
        if employee is None:
            raise ValidationFailed("No Beatdesk user has that log-on ID.", field="employee_login")
    own = employee is not None and actor.user is not None and employee.id == actor.user.id
    if not (can_record(session, actor.user, post, WaiverKind.EMPLOYEE_CONSENT)
            or (own and can_consent_for_self(actor.user, post))):
        raise PermissionDenied("Only the district's sergeant or commander, News Affairs, or the "
                               "employee themselves records an employee's consent.")
    _open(post)
    name = employee.full_name if employee is not None and not employee_name.strip() else \
        _name(employee_name, "employee_name", "Give the employee's name.")
    try:
        method = ConsentMethod(method)
    except ValueError:
        raise ValidationFailed("Choose how the consent was given.", field="method") from None
    given_on = _date(given_on, "given_on")
    found = _text_finding(post, WaiverKind.EMPLOYEE_CONSENT, rule, quote)
    row = CheckWaiver(kind=str(WaiverKind.EMPLOYEE_CONSENT), action=WaiverAction.GRANTED,
                      rule=found.rule, quote=found.quote, reason=_reason(reason),
                      granted_by=name, employee_user_id=employee.id if employee else None,
                      consent_method=str(method), granted_on=given_on)
    return _save(session, actor, post, row, "consent_recorded",
                 f"{found.title}, “{found.quote}”: consent of {name} recorded: {row.reason}")


def record_image_permission(session: Session, actor: Actor, post: Post, asset_id: int | None, *,
                            granted_by: str, given_on: date | None,
                            reason: str) -> CheckWaiver:
    """The Chief's (or a delegate's) written permission for one image of the post."""
    if not can_record(session, actor.user, post, WaiverKind.IMAGE_PERMISSION):
        raise PermissionDenied("Only the district's commander, News Affairs or an "
                               "administrator records the written permission for an image.")
    _open(post)
    granted_by = _name(granted_by, "granted_by",
                       "Give the name and rank of who gave the written permission.")
    given_on = _date(given_on, "given_on")
    reason = _reason(reason)
    found = next((f for f in waivable_findings(post)
                  if f.kind is WaiverKind.IMAGE_PERMISSION and f.asset_id == asset_id), None)
    if asset_id is None or found is None:
        raise ValidationFailed("Choose an image of the current revision that needs the "
                               "permission.", field="asset_id")
    if found.waiver:
        raise Conflict("That image already has a recorded permission.")
    row = CheckWaiver(kind=str(WaiverKind.IMAGE_PERMISSION), action=WaiverAction.GRANTED,
                      rule=found.rule, quote=str(asset_id), asset_id=asset_id, reason=reason,
                      granted_by=granted_by, granted_on=given_on)
    return _save(session, actor, post, row, "image_permission_recorded",
                 f"{found.title}, {found.quote}: written permission of {granted_by} recorded: "
                 f"{reason}")


def revoke(session: Session, actor: Actor, post: Post, waiver_id: int,
           reason: str) -> CheckWaiver:
    """End a permission in force with a new, audited record; the finding blocks again."""
    granted = next((r for r in active(session, post.id) if r.id == waiver_id), None)
    if granted is None:
        raise NotFound("This post has no such permission in force.")
    if not can_record(session, actor.user, post, WaiverKind(granted.kind)):
        raise PermissionDenied("Only someone who may record this permission revokes it.")
    row = CheckWaiver(kind=granted.kind, action=WaiverAction.REVOKED, rule=granted.rule,
                      quote=granted.quote, asset_id=granted.asset_id, reason=_reason(reason),
                      granted_by=granted.granted_by, revokes_id=granted.id)
    return _save(session, actor, post, row, "permission_revoked",
                 f"{KIND_LABELS[WaiverKind(granted.kind)]} revoked: {row.reason}")
