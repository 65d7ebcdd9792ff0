"""Admin-added phrases for the checks, and the context a post in a district is checked with."""
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import clock
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.districts import get_department
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import CheckTerm, District, User
from beatdesk.roles import Role

from .findings import CheckContext
from .personal import email_domain, official_phone, website_domain
from .rules import EXTENDABLE_RULES, RULES_BY_CODE

PHRASE_MAX = 200


def can_manage_check_terms(user: User | None) -> bool:
    """Only administrators extend the checks' word lists."""
    return (user is not None and getattr(user, "is_authenticated", False) and user.active
            and user.role is Role.ADMIN)


def _require_admin(actor: Actor) -> None:
    if not can_manage_check_terms(actor.user):
        raise PermissionDenied("Only an administrator can change the checks' word lists.")


def normalise_phrase(phrase: str) -> str:
    return " ".join((phrase or "").split())


def add_term(session: Session, actor: Actor, rule: str, phrase: str) -> CheckTerm:
    """Add a phrase to a rule's word list; it applies to every check from now on.

    Raises PermissionDenied unless the actor is an administrator, and ValidationFailed for a
    rule that can't be extended, an empty or over-long phrase, or one the rule already has.
    """
    _require_admin(actor)
    if rule not in {r.code for r in EXTENDABLE_RULES}:
        raise ValidationFailed("Choose one of the checks that take extra phrases.", field="rule")
    phrase = normalise_phrase(phrase)
    if not any(ch.isalnum() for ch in phrase):
        raise ValidationFailed("Enter a word or phrase (letters or digits).", field="phrase")
    if len(phrase) > PHRASE_MAX:
        raise ValidationFailed(f"A phrase is at most {PHRASE_MAX} characters.", field="phrase")
    if phrase.lower() in {p.lower() for p in RULES_BY_CODE[rule].phrases}:
        raise ValidationFailed(f"“{phrase}” is already in the built-in list of this check.",
                               field="phrase")
    duplicate = session.scalar(select(CheckTerm.id).where(
        CheckTerm.rule == rule, CheckTerm.active, func.lower(CheckTerm.phrase) == phrase.lower()))
    if duplicate is not None:
        raise ValidationFailed(f"“{phrase}” is already on this check's list.", field="phrase")
    term = CheckTerm(rule=rule, phrase=phrase, active=True, created_by_id=actor.user.id)
    session.add(term)
    record_event(session, actor, "check_term.add", obj=term,
                 details={"rule": rule, "phrase": phrase})
    return term


def get_term(session: Session, term_id: int) -> CheckTerm:
    term = session.get(CheckTerm, term_id)
    if term is None:
        raise NotFound("No such phrase.")
    return term


def deactivate_term(session: Session, actor: Actor, term_id: int) -> CheckTerm:
    """Stop using a phrase. The row stays (who added it, who removed it and when).

    Raises PermissionDenied unless the actor is an administrator, NotFound for an unknown id
    and Conflict if the phrase is already inactive.
    """
    _require_admin(actor)
    term = get_term(session, term_id)
    if not term.active:
        raise Conflict(f"“{term.phrase}” was already removed.")
    term.active = False
    term.deactivated_at = clock.utcnow()
    term.deactivated_by_id = actor.user.id
    record_event(session, actor, "check_term.deactivate", obj=term,
                 details={"rule": term.rule, "phrase": term.phrase})
    return term


def list_terms(session: Session, include_inactive: bool = True) -> list[CheckTerm]:
    """Admin-added phrases by rule and phrase, active ones first within a rule."""
    query = select(CheckTerm)
    if not include_inactive:
        query = query.where(CheckTerm.active)
    query = query.order_by(CheckTerm.rule, CheckTerm.active.desc(), func.lower(CheckTerm.phrase),
                           CheckTerm.id)
    return list(session.scalars(query))


def active_terms(session: Session) -> dict[str, tuple[str, ...]]:
    """rule code -> its active admin-added phrases."""
    terms: dict[str, list[str]] = defaultdict(list)
    for rule, phrase in session.execute(
            select(CheckTerm.rule, CheckTerm.phrase).where(CheckTerm.active)):
        terms[rule].append(phrase)
    return {rule: tuple(phrases) for rule, phrases in terms.items()}


def context_for(session: Session, district: District | None,
                region: str = "US") -> CheckContext:
    """What a post of ``district`` is checked with: the department's and the district's
    official phone numbers, e-mail domains and addresses, the admin-added phrases, and the name
    of the department's directive that findings cite."""
    owner = get_department(session)
    sources = [s for s in (owner, district) if s is not None]
    phones = {official_phone(s.contact_phone, region) for s in sources if s.contact_phone}
    domains = {email_domain(s.contact_email) for s in sources if s.contact_email}
    department = sources[0] if sources and district is not sources[0] else None
    if department is not None and department.official_website:
        domains.add(website_domain(department.official_website))
    addresses = {s.contact_address for s in sources if s.contact_address.strip()}
    return CheckContext(official_phones=frozenset(p for p in phones if p),
                        official_email_domains=frozenset(d for d in domains if d),
                        official_addresses=frozenset(addresses),
                        extra_terms=active_terms(session), region=region,
                        directive_name=owner.directive_name if owner is not None else "")
