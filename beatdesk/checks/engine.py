"""Running the rule set over a post's text and images. Pure: no database, no clock.

Each finding cites the department's directive by the name in ``CheckContext.directive_name``,
with the source policies as reference (``.citations``)."""
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .citations import citation
from .employees import find_employee_details
from .endorsements import find_endorsements
from .findings import CheckContext, Finding, ImageFacts, Severity, Waiver
from .identity import find_protected_identities
from .personal import find_personal_information
from .rules import (ADVERTISING, COURT_CASE, EMPLOYEE_PERSONAL, IMAGE_ALT, IMAGE_ATTESTATION,
                    IMAGE_CREDIT, JUVENILE_IDENTITY, PENDING_PROSECUTION, PERSONAL_INFO, RULES,
                    RULES_BY_CODE, STREET_ADDRESS, TONE, VICTIM_IDENTITY, Rule, compile_phrases)
from .tone import find_tone

# One-for-one replacements, so spans found in the plain text are spans in the original.
_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u2013": "-", "\u2014": "-", "\u2212": "-",
})

# What each kind of personal information is called, the clauses that govern it in official
# content, and what to do about it. (Massachusetts IV.A.4.b.3 forbids these for employees and
# their families; for anyone, official posts keep every privacy protection and give only
# official contact details.)
_PRIVACY = "Chicago Use of Social Media Outlets IV.B.6"
_CONTACT = "Massachusetts IV.A.4.c; Chicago Use of Social Media Outlets IV.B.6"
_PERSONAL_KINDS = {
    "date_of_birth": ("Date of birth", _PRIVACY,
                      "Remove the date of birth; an age, if needed, is enough."),
    "home_address": ("Home address", _CONTACT,
                     "Remove the home address; give the block instead (\"the 1200 block of "
                     "Main Street\")."),
    "phone": ("Personal phone number", _CONTACT,
              "Only official department contact numbers may be posted. If this is an official "
              "line, add it to the department or district contact details."),
    "email": ("Personal e-mail address", _CONTACT,
              "Only official department e-mail addresses may be posted."),
    "ssn": ("Social Security number", _PRIVACY,
            "Remove the Social Security number."),
}
# What each kind of an employee's personal details is called.
_EMPLOYEE_KINDS = {
    "age": "Age of an employee", "family": "Family of an employee",
    "home": "Where an employee lives or comes from", "health": "Health of an employee",
    "private": "Private life of an employee", "detail": EMPLOYEE_PERSONAL.title,
}


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    phrases: re.Pattern | None
    patterns: tuple[re.Pattern, ...]
    exceptions: re.Pattern | None


def _compile(rule: Rule) -> _CompiledRule:
    patterns = tuple(re.compile(p.regex, 0 if p.case_sensitive else re.IGNORECASE)
                     for p in rule.patterns)
    return _CompiledRule(rule, compile_phrases(rule.phrases), patterns,
                         compile_phrases(rule.exceptions))


# Rules matched against text by their word lists and patterns; compiled once, at import.
# Personal information, identities, employees' details and tone have their own detectors;
# images are checked separately.
_DETECTED = (PERSONAL_INFO, STREET_ADDRESS, VICTIM_IDENTITY, JUVENILE_IDENTITY, EMPLOYEE_PERSONAL,
             TONE)
_TEXT_RULES = tuple(_compile(rule) for rule in RULES
                    if rule.applies_to == "text" and rule not in _DETECTED)
# More spans for a rule matched by its lists: what a detector finds besides them.
_MORE_SPANS = {ADVERTISING.code: find_endorsements}
_ORDER = {rule.code: index for index, rule in enumerate(RULES)}


def _spans(regex: re.Pattern | None, text: str) -> list[tuple[int, int]]:
    return [] if regex is None else [m.span() for m in regex.finditer(text) if m.end() > m.start()]


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def _finding(rule: Rule, text: str, start: int, end: int, context: CheckContext, *,
             title: str | None = None, clause: str | None = None,
             message: str | None = None) -> Finding:
    return Finding(rule=rule.code, severity=rule.severity,
                   clause=_cited(rule, context, clause),
                   title=title or rule.title, message=message or rule.message,
                   quote=text[start:end], start=start, end=end)


def _cited(rule: Rule, context: CheckContext, clause: str | None = None) -> str:
    """The finding's policy: the department's own directive and section for the rule when it
    names one, then the source clauses."""
    return citation(clause or rule.clause, context.directive_name, rule=rule.code,
                    sections=context.rule_sections)


def _text_findings(text: str, plain: str, context: CheckContext) -> list[Finding]:
    findings = []
    for compiled in _TEXT_RULES:
        excluded = _spans(compiled.exceptions, plain)
        spans = set()
        for regex in (compiled.phrases, *compiled.patterns):
            spans.update(span for span in _spans(regex, plain) if not _overlaps(span, excluded))
        detector = _MORE_SPANS.get(compiled.rule.code)
        if detector is not None:
            spans.update(span for span in detector(plain) if not _overlaps(span, excluded))
        spans.update(_spans(compile_phrases(context.extra_terms.get(compiled.rule.code, ())),
                            plain))
        for start, end in _merged(spans):
            findings.append(_finding(compiled.rule, text, start, end, context))
    return findings


def _merged(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join overlapping spans of one rule, so overlapping phrases give one finding
    ("search warrants" + "warrants will be served" -> "search warrants will be served")."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _personal_findings(text: str, plain: str, context: CheckContext) -> list[Finding]:
    findings = []
    for match in find_personal_information(plain, context):
        if match.kind == "street_address":
            findings.append(_finding(STREET_ADDRESS, text, match.start, match.end, context))
        else:
            title, clause, message = _PERSONAL_KINDS[match.kind]
            findings.append(_finding(PERSONAL_INFO, text, match.start, match.end, context,
                                     title=title, clause=clause, message=message))
    extra = compile_phrases(context.extra_terms.get(PERSONAL_INFO.code, ()))
    findings.extend(_finding(PERSONAL_INFO, text, start, end, context)
                    for start, end in _spans(extra, plain))
    return findings


def _identity_findings(text: str, plain: str, context: CheckContext) -> list[Finding]:
    """Names of victims, witnesses, complainants and juveniles. An administrator's phrases for
    these rules are more words for the person's role, not words that count on their own."""
    rules = {"victim": VICTIM_IDENTITY, "juvenile": JUVENILE_IDENTITY}
    victim_words = VICTIM_IDENTITY.phrases + tuple(context.extra_terms.get(VICTIM_IDENTITY.code, ()))
    juvenile_words = JUVENILE_IDENTITY.phrases + tuple(
        context.extra_terms.get(JUVENILE_IDENTITY.code, ()))
    return [_finding(rules[match.kind], text, match.start, match.end, context)
            for match in find_protected_identities(plain, victim_words, juvenile_words)]


def _employee_findings(text: str, plain: str, context: CheckContext) -> list[Finding]:
    """An employee's personal details. An administrator's phrases are more personal details:
    they count next to an employee, like the rule's own."""
    phrases = EMPLOYEE_PERSONAL.phrases + tuple(
        context.extra_terms.get(EMPLOYEE_PERSONAL.code, ()))
    return [_finding(EMPLOYEE_PERSONAL, text, detail.start, detail.end, context,
                     title=_EMPLOYEE_KINDS[detail.kind])
            for detail in find_employee_details(plain, phrases)]


def _tone_findings(text: str, plain: str, context: CheckContext) -> list[Finding]:
    """Insults, mockery and taunts; an administrator's phrases count wherever they stand."""
    spans = set(find_tone(plain))
    spans.update(_spans(compile_phrases(context.extra_terms.get(TONE.code, ())), plain))
    return [_finding(TONE, text, start, end, context) for start, end in _merged(spans)]


def _without_facts_inside_comments(findings: list[Finding]) -> list[Finding]:
    """A court fact inside a comment on the case ("he will be convicted") is the comment."""
    comments = [(f.start, f.end) for f in findings if f.rule == PENDING_PROSECUTION.code]
    return [f for f in findings if f.rule != COURT_CASE.code
            or not _overlaps((f.start, f.end), comments)]


def _image_findings(images: Sequence[ImageFacts], context: CheckContext) -> list[Finding]:
    findings = []
    for image in images:
        label = image.label.strip() or "(unnamed image)"
        for rule, missing in ((IMAGE_ALT, not image.alt_text.strip()),
                              (IMAGE_CREDIT, not image.credit.strip()),
                              (IMAGE_ATTESTATION, not image.attested)):
            if missing:
                findings.append(Finding(rule=rule.code, severity=rule.severity,
                                        clause=_cited(rule, context),
                                        title=rule.title,
                                        message=rule.message, quote=label,
                                        waiver=_waiver_text(RULES_BY_CODE[rule.code], image.key,
                                                            context.waivers)))
    return findings


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _waiver_text(rule: Rule, match: str, waivers: Sequence[Waiver]) -> str:
    """The text of the recorded waiver that allows this finding, or "" (rules that admit no
    exception, and waivers of another kind, allow nothing)."""
    if rule.waiver is None or rule.severity is not Severity.BLOCKING or not match:
        return ""
    return next((w.text for w in waivers if w.kind is rule.waiver and w.rule == rule.code
                 and _same(w.match, match)), "")


def _waived(findings: list[Finding], context: CheckContext) -> list[Finding]:
    if not context.waivers:
        return findings
    return [replace(f, waiver=_waiver_text(RULES_BY_CODE[f.rule], f.quote, context.waivers))
            if f.start is not None else f for f in findings]


def run_checks(text: str, images: Sequence[ImageFacts] = (),
               context: CheckContext = CheckContext()) -> list[Finding]:
    """Every finding for a post: text findings in reading order (rule order on a tie), then one
    finding per image per missing item. An empty list means nothing to fix or acknowledge."""
    plain = text.translate(_PLAIN)
    findings = _without_facts_inside_comments(
        _text_findings(text, plain, context) + _personal_findings(text, plain, context)
        + _identity_findings(text, plain, context) + _employee_findings(text, plain, context)
        + _tone_findings(text, plain, context))
    findings.sort(key=lambda f: (f.start, _ORDER[f.rule], f.end))
    return _waived(findings, context) + _image_findings(images, context)


def has_blocking(findings: Sequence[Finding]) -> bool:
    """Does anything stop release? A blocking finding allowed by a recorded waiver doesn't."""
    return any(f.severity is Severity.BLOCKING and not f.waiver for f in findings)


def is_notable(findings: Sequence[Finding]) -> bool:
    return any(f.severity is Severity.NOTABLE for f in findings)


def warnings(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.WARNING]


def rule(code: str) -> Rule:
    return RULES_BY_CODE[code]
