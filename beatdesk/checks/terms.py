"""Admin-added phrases for the checks, the department's own directive and section for each rule,
and the context a post in a district is checked with."""
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import clock
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.districts import get_department
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import CheckTerm, District, User
from beatdesk.models.rule_citations import RuleCitation
from beatdesk.roles import Role
from beatdesk.text import normalise

from .citations import DIRECTIVE_NAME_MAX, SECTION_MAX, clean_section
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


def get_rule_citation(session: Session, rule: str) -> RuleCitation | None:
    return session.scalar(select(RuleCitation).where(RuleCitation.rule == rule))


def rule_citations(session: Session) -> dict[str, RuleCitation]:
    """rule code -> the department's directive and section for it, for rules that have one."""
    return {row.rule: row for row in session.scalars(select(RuleCitation))}


def _one_line(value: str | None, label: str, field: str, limit: int) -> str:
    value = " ".join(normalise(value or "", label, field).split())
    if len(value) > limit:
        raise ValidationFailed(f"{label} is at most {limit} characters.", field=field)
    return value


def set_rule_citation(session: Session, actor: Actor, rule: str, directive_name: str | None,
                      section: str | None) -> RuleCitation:
    """Name the department's own directive and section that findings of ``rule`` cite first.

    An empty directive name means the department's directive name; an empty section cites the
    directive alone. Raises PermissionDenied unless the actor is an administrator, and
    ValidationFailed for an unknown rule code, control characters or over-long values."""
    _require_admin(actor)
    if rule not in RULES_BY_CODE:
        raise ValidationFailed("Choose one of the checks on the list.", field="rule")
    directive_name = _one_line(directive_name, "The directive name", "directive_name",
                               DIRECTIVE_NAME_MAX)
    section = clean_section(_one_line(section, "The section", "section", SECTION_MAX))
    row = get_rule_citation(session, rule)
    before = {"directive_name": row.directive_name, "section": row.section} if row else None
    if row is None:
        row = RuleCitation(rule=rule)
        session.add(row)
    row.directive_name, row.section = directive_name, section
    row.updated_at, row.updated_by_id = clock.utcnow(), actor.user.id
    record_event(session, actor, "rule_citation.set", obj=row,
                 details={"rule": rule, "directive_name": directive_name, "section": section,
                          "before": before})
    return row


def rule_sections(session: Session) -> dict[str, tuple[str, str]]:
    """rule code -> (directive name, section), as ``CheckContext.rule_sections`` holds them;
    rules with neither are left out (they cite the department's directive name)."""
    return {row.rule: (row.directive_name, row.section) for row in rule_citations(session).values()
            if row.rule in RULES_BY_CODE and (row.directive_name or row.section)}


def context_for(session: Session, district: District | None,
                region: str = "US", *, rule_citations: bool = True) -> CheckContext:
    """What a post of ``district`` is checked with: the department's and the district's
    official phone numbers, e-mail domains and addresses, the admin-added phrases, and the name
    of the department's directive (and its own directive and section per rule) that findings
    cite. Comment screening, which never shows a rule's citation, leaves the per-rule
    citations out (``rule_citations=False``: one query less on every visitor comment)."""
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
                        directive_name=owner.directive_name if owner is not None else "",
                        rule_sections=rule_sections(session) if rule_citations else {})
