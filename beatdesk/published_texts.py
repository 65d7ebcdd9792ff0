"""Texts the department publishes besides posts: official replies to visitor comments and each
district's statement of purpose and scope.

They pass the same policy checks as a post, with the same rules, at the moment they are
published: a blocking finding refuses the text; each warning needs a reason from whoever
publishes it; and a text that reads as a notable incident is refused too, because such news goes
out only as a post that News Affairs approves (a reply or a statement has no approval step).
Each release is kept as a ``PublishedText`` row (the words, the findings, the reasons), archived
with the object it belongs to, and waits for the district sergeant's review, as posts do.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from beatdesk import archive, clock, districts
from beatdesk.audit import record_event
from beatdesk.checks import RULES_BY_CODE, Severity, context_for, run_checks
from beatdesk.context import Actor
from beatdesk.districts import DistrictData
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import District, PublishedText, PublishedTextKind, User
from beatdesk.permissions import can_manage_districts
from beatdesk.roles import Role
from beatdesk.text import normalise

REASON_MAX = 2000
K = PublishedTextKind


class ChecksRefused(ValidationFailed):
    """The checks stop a text. ``findings`` are every finding (as stored dicts);
    ``unacknowledged`` the warning rules still waiting for a reason."""

    def __init__(self, message: str, findings: list[dict], unacknowledged: Sequence[str],
                 field: str | None = None):
        super().__init__(message, field=field)
        self.findings = findings
        self.unacknowledged = list(unacknowledged)


def check_text(session: Session, district: District | None, text: str,
               reasons: Mapping[str, str], *, what: str = "text",
               field: str | None = None) -> tuple[list[dict], list[dict]]:
    """Run the policy checks on ``text`` as published in ``district``, with the rules and word
    lists in force now. ``reasons`` maps a warning's rule code to the reason it goes out anyway.
    Raises TextRefused (a ValidationFailed) for a reason holding a character that can't be stored.

    Returns (findings, acknowledgements). Raises ChecksRefused when a finding is blocking, when
    the text reads as a notable incident, or when a warning has no reason; ValidationFailed for
    an over-long reason.
    """
    findings = [f.as_dict() for f in run_checks(text, (), context_for(session, district))]
    # The reasons come from fields outside the form classes: they get the one normalisation of
    # text a person enters here, and a refused character is named like any other field's.
    given = {rule: normalise(reason or "", f"The reason for “{RULES_BY_CODE[rule].title}”",
                             field=field).strip()
             for rule, reason in reasons.items() if rule in RULES_BY_CODE}
    for rule, reason in given.items():
        if len(reason) > REASON_MAX:
            raise ValidationFailed(f"Keep each reason under {REASON_MAX:,} characters.",
                                   field=field)
    problems = [f"{f['title']} ({f['clause']}), “{f['quote']}”: change the text."
                for f in findings if f["severity"] == Severity.BLOCKING and not f.get("waiver")]
    problems += [f"It reads as a notable incident (“{f['quote']}”): such news goes out only "
                 "as a post that News Affairs approves; write a post instead."
                 for f in findings if f["severity"] == Severity.NOTABLE]
    warning_rules = list(dict.fromkeys(f["rule"] for f in findings
                                       if f["severity"] == Severity.WARNING))
    missing = [rule for rule in warning_rules if not given.get(rule)]
    cited = {f["rule"]: f["clause"] for f in findings}  # the department's directive, sourced
    problems += [f"{RULES_BY_CODE[rule].title} ({cited[rule]}): give your "
                 "reason for publishing it anyway, or change the text." for rule in missing]
    if problems:
        raise ChecksRefused(f"The {what} was not published. " + " ".join(problems), findings,
                            missing, field=field)
    acknowledgements = [{"rule": rule, "title": RULES_BY_CODE[rule].title,
                         "reason": given[rule]} for rule in warning_rules]
    return findings, acknowledgements


def record_release(session: Session, actor: Actor, kind: PublishedTextKind, district_id: int,
                   body: str, findings: list[dict], acknowledgements: list[dict], *,
                   comment_id: int | None = None) -> PublishedText:
    """Keep what was published and its check results for the sergeant's review, and archive
    them with the object they belong to (the reply's comment, or the district)."""
    now = clock.utcnow()
    acks = [{**a, "user_id": actor.user.id, "at": now.isoformat()} for a in acknowledgements]
    row = PublishedText(kind=kind, district_id=district_id, comment_id=comment_id, body=body,
                        findings=findings, acknowledgements=acks, author_id=actor.user.id,
                        created_at=now)
    session.add(row)
    session.flush()
    record_type, object_id = (("comment.checks", comment_id) if kind is K.OFFICIAL_REPLY
                              else ("district.statement", district_id))
    archive.append(session, record_type=record_type, object_id=object_id,
                   district_id=district_id, actor=actor,
                   content={"published_text_id": row.id, "kind": kind.value, "body": body,
                            "findings": findings, "acknowledgements": acks,
                            "author_id": actor.user.id, "at": now})
    return row


# --- district statements ---------------------------------------------------------------------

def save_district(session: Session, actor: Actor, data: DistrictData,
                  reasons: Mapping[str, str], district: District | None = None) -> District:
    """Create a district, or update ``district``; a new or changed statement of purpose and
    scope is public text, so it passes the checks first and goes to the sergeant's review.

    Raises PermissionDenied unless the actor is an administrator, ChecksRefused when the checks
    stop the statement, and whatever ``beatdesk.districts`` raises for the other fields.
    """
    if not can_manage_districts(actor.user):
        raise PermissionDenied("Only an administrator can change districts and department "
                               "settings.")
    statement = (data.intro_statement or "").strip()
    changed = district is None or statement != (district.intro_statement or "").strip()
    checked = None
    if changed and statement:
        checked = check_text(session, district, statement, reasons, what="statement",
                             field="intro_statement")
    if district is None:
        district = districts.create_district(session, actor, data)
    else:
        districts.update_district(session, actor, district, data)
    session.flush()
    if checked is not None:
        record_release(session, actor, K.DISTRICT_STATEMENT, district.id,
                       district.intro_statement, *checked)
    return district


# --- the sergeant's review -------------------------------------------------------------------

def _unreviewed(district_id: int):
    return PublishedText.district_id == district_id, PublishedText.reviewed_at.is_(None)


def review_queue(session: Session, district_id: int,
                 limit: int | None = None) -> list[PublishedText]:
    """Official replies and statements the district published that its sergeant has not
    reviewed yet, oldest first (``limit``: the first page of them)."""
    query = (select(PublishedText)
             .options(joinedload(PublishedText.author), joinedload(PublishedText.comment))
             .where(*_unreviewed(district_id))
             .order_by(PublishedText.created_at, PublishedText.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def review_queue_size(session: Session, district_id: int) -> int:
    return session.scalar(select(func.count(PublishedText.id))
                          .where(*_unreviewed(district_id))) or 0


def can_review(user: User | None, text: PublishedText) -> bool:
    """Only the district's own community policing sergeant reviews what it published."""
    return (user is not None and user.active and user.role is Role.SERGEANT
            and user.district_id == text.district_id)


def mark_reviewed(session: Session, actor: Actor, texts: Sequence[PublishedText]) -> int:
    """The sergeant marks official replies and statements reviewed (Chicago Twitter V.B).

    Raises PermissionDenied for anyone but the district's sergeant, and Conflict for a text
    someone already reviewed.
    """
    now = clock.utcnow()
    for text in texts:
        if not can_review(actor.user, text):
            raise PermissionDenied("Only the district's sergeant reviews what it published.")
        if text.reviewed_at is not None:
            who = text.reviewed_by.full_name if text.reviewed_by else "someone"
            raise Conflict(f"{text.kind.label} #{text.id} was already reviewed by {who}.")
        text.reviewed_at, text.reviewed_by_id = now, actor.user.id
        record_event(session, actor, "published_text.reviewed", obj=text,
                     details={"kind": text.kind.value, "comment_id": text.comment_id})
    return len(texts)

