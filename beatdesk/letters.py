"""Letters to a records requester: acknowledgement, clarification, extension, fee estimate,
denial and release.

Each kind has a template an administrator edits: a title and a Markdown body with
``{{placeholders}}``. The HTML shown on the template pages is rendered and sanitized once, when
the template is saved (:func:`beatdesk.text.markdown_html`). A kind nobody has edited uses the
built-in Illinois text below (the Freedom of Information Act, 5 ILCS 140).

A records officer makes a letter for a request (:func:`make_letter`): the template's fields are
filled from the request and from the few facts the kind needs (the question to clarify, the
statutory reasons for an extension, the fee, the exemptions of a denial, the release). Filling
is plain substitution, never a template language: every value is escaped so that nothing a
requester or an officer typed can become Markdown, a link or another placeholder. The letter is
set as a PDF under the department's letterhead (the release cover letter's, see
:mod:`beatdesk.release_pdf`), stored with its SHA-256, written to the archive with that hash,
noted in the request's history, e-mailed to the requester through the outbox with the PDF
attached when the request has an e-mail address, and included in the next release package as
``letters/<kind>-<n>.pdf``.
"""
from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from markdown_it import MarkdownIt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import archive, audit, clock, records
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import User
from beatdesk.models.letters import Letter, LetterKind, LetterTemplate
from beatdesk.models.platforms import OutboxKind, OutboxRow
from beatdesk.models.records import (Exemption, RecordsRequest, Redaction, Release,
                                     RequestState)
from beatdesk.records import EMAIL_VALUE, _event
from beatdesk.roles import Role
from beatdesk.text import markdown_html, normalise

K = LetterKind
TITLE_MAX = 200
BODY_MAX = 20_000
EXTRA_TEXT_MAX = 4_000
FEE_MAX = Decimal("1000000")

# 5 ILCS 140/3(e): the only reasons for which the time to respond may be extended.
EXTENSION_REASONS: dict[str, str] = {
    "i": "the requested records are stored in whole or in part at other locations than the "
         "office having charge of the requested records",
    "ii": "the request requires the collection of a substantial number of specified records",
    "iii": "the request is couched in categorical terms and requires an extensive search for "
           "the records responsive to it",
    "iv": "the requested records have not been located in the course of routine search and "
          "additional efforts are being made to locate them",
    "v": "the requested records require examination and evaluation by personnel having the "
         "necessary competence and discretion to determine if they are exempt from disclosure "
         "under Section 7 of the Act or should be revealed only with appropriate deletions",
    "vi": "the request cannot be complied with within the time limits prescribed by Section "
          "3(c) without unduly burdening or interfering with the operations of the public body",
    "vii": "there is a need for consultation, which shall be conducted with all practicable "
           "speed, with another public body or among two or more components of a public body "
           "having a substantial interest in the determination or in the subject matter of "
           "the request",
}

# --- placeholders ------------------------------------------------------------------------------

COMMON_FIELDS: dict[str, str] = {
    "request_number": "The request's number",
    "requester_name": "The requester's name",
    "requester_contact": "The requester's contact (e-mail or postal address)",
    "received_on": "The date the request was received",
    "due_on": "The date the answer is due",
    "original_due_on": "The due date before any extension",
    "description": "The records requested, as the requester described them",
    "letter_date": "Today's date",
    "officer_name": "The records officer making the letter (rank and name)",
    "department_name": "The department's name",
    "note": "The officer's optional note for this letter",
}
KIND_FIELDS: dict[LetterKind, dict[str, str]] = {
    K.ACKNOWLEDGEMENT: {},
    K.CLARIFICATION: {"clarification_question": "What the requester is asked to clarify"},
    K.EXTENSION: {
        "extension_days": "Business days of the extension",
        "extension_reasons": "The statutory reasons chosen, as a list (5 ILCS 140/3(e))",
        "extension_explanation": "The officer's explanation of the reasons",
    },
    K.FEE_ESTIMATE: {"fee_amount": "The estimated fee in dollars (e.g. 12.50)",
                     "fee_details": "What the fee is for"},
    K.DENIAL: {"exemptions": "Each exemption cited, as a list with its citation",
               "denial_explanation": "The factual basis for each exemption"},
    K.RELEASE: {
        "exemptions": "Each exemption applied to the released records, as a list",
        "release_package": "The release package's file name",
        "release_sha256": "The package's SHA-256",
        "record_count": "How many records the package holds",
        "withheld_count": "How many records were withheld in full",
        "redaction_count": "How many redactions were made",
        "released_on": "The date of the release",
        "release_outcome": "Released in full, or released in part",
    },
}
# Values that may hold several paragraphs or a list: their line breaks are kept.
BLOCK_FIELDS = frozenset({"note", "clarification_question", "extension_reasons",
                          "extension_explanation", "fee_details", "exemptions",
                          "denial_explanation"})
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# CommonMark: a backslash before any ASCII punctuation makes it a literal character.
MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def fields_for(kind: LetterKind) -> dict[str, str]:
    """The placeholders a template of ``kind`` may use, with what each one is."""
    return {**COMMON_FIELDS, **KIND_FIELDS[LetterKind(kind)]}


def escape_markdown(value: str) -> str:
    """``value`` as literal text inside Markdown: punctuation escaped, and no line of it
    indented (an indented line would become code)."""
    lines = [MARKDOWN_PUNCTUATION.sub(r"\\\1", line.strip()) for line in value.split("\n")]
    return "\n".join(lines)


def _inline_value(value: str) -> str:
    return escape_markdown(" ".join(value.split()))


def _block_value(value: str) -> str:
    """Paragraphs kept (a blank line between them), lines inside one joined by hard breaks."""
    paragraphs = [p for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return "\n\n".join("\\\n".join(escape_markdown(line) for line in p.strip().split("\n")
                                   if line.strip())
                       for p in paragraphs)


def _list_value(items: list[str]) -> str:
    return "\n".join(f"- {_inline_value(item)}" for item in items)


def fill(markdown: str, values: dict[str, str], raw: frozenset[str] = frozenset()) -> str:
    """Replace each ``{{name}}`` in ``markdown`` by its value, escaped as literal text (names
    in ``raw`` hold Markdown this module built, already escaped). One pass: a value is never
    read again for placeholders. An unknown name is left as it is."""
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if name in raw:
            return value
        return _block_value(value) if name in BLOCK_FIELDS else _inline_value(value)
    return PLACEHOLDER.sub(replace, markdown)


def unknown_placeholders(kind: LetterKind, *texts: str) -> list[str]:
    allowed = fields_for(kind)
    found = []
    for text in texts:
        for name in PLACEHOLDER.findall(text):
            if name not in allowed and name not in found:
                found.append(name)
    return found


# --- the built-in Illinois texts ---------------------------------------------------------------

_SIGNATURE = """\
{{note}}

Sincerely,\\
{{officer_name}}\\
Records officer, {{department_name}}
"""

DEFAULT_TEMPLATES: dict[LetterKind, tuple[str, str]] = {
    K.ACKNOWLEDGEMENT: ("Your public records request {{request_number}} was received", """\
Dear {{requester_name}},

We received your request under the Illinois Freedom of Information Act (5 ILCS 140) on
{{received_on}}. You asked for:

> {{description}}

The Act gives us 5 business days after the day of receipt to respond (5 ILCS 140/3(d); 21
business days for a request for a commercial purpose, 5 ILCS 140/3.1). We will respond by
**{{due_on}}**. Should we need more time for one of the reasons Section 3(e) allows, we will
tell you in writing why, and the date by which we will respond.

Your request number is {{request_number}}. Please quote it when you write to us about this
request.

""" + _SIGNATURE),
    K.CLARIFICATION: ("Request {{request_number}}: we need more detail", """\
Dear {{requester_name}},

Thank you for your request of {{received_on}} under the Illinois Freedom of Information Act
(5 ILCS 140), for:

> {{description}}

To find the records you are looking for, please tell us:

{{clarification_question}}

Please reply to this letter, quoting request {{request_number}}. If the request as written
would be unduly burdensome to answer, Section 3(g) of the Act (5 ILCS 140/3(g)) gives you the
opportunity to confer with us to reduce it to manageable proportions. We will continue with
your request as soon as we hear from you.

""" + _SIGNATURE),
    K.EXTENSION: ("Request {{request_number}}: the time to respond is extended", """\
Dear {{requester_name}},

We received your request on {{received_on}} for:

> {{description}}

Under Section 3(e) of the Illinois Freedom of Information Act (5 ILCS 140/3(e)), we are
extending the time to respond by {{extension_days}} business days, for the following reasons
the Act allows:

{{extension_reasons}}

{{extension_explanation}}

We will respond to your request by **{{due_on}}** (it was due {{original_due_on}}). As
Section 3(f) requires, this letter tells you the reasons for the extension and the date by
which our response will be forthcoming.

""" + _SIGNATURE),
    K.FEE_ESTIMATE: ("Request {{request_number}}: estimated fees", """\
Dear {{requester_name}},

We received your request on {{received_on}} for:

> {{description}}

We estimate the fees for providing these records at **${{fee_amount}}**.

{{fee_details}}

Section 6 of the Illinois Freedom of Information Act (5 ILCS 140/6) allows a public body to
charge for copies: the first 50 pages of black and white, letter or legal sized copies are
free, and each further page costs no more than 15 cents; records provided in electronic form
cost no more than the actual cost of the recording medium. You may ask us to waive or reduce
the fees if you state the specific purpose of your request and that a waiver or reduction is
in the public interest (5 ILCS 140/6(c)).

Please tell us whether you wish to go ahead, quoting request {{request_number}}. We will
provide the records once the fee is paid or waived.

""" + _SIGNATURE),
    K.DENIAL: ("Request {{request_number}}: records withheld", """\
Dear {{requester_name}},

We received your request on {{received_on}} for:

> {{description}}

We have denied your request, in whole or in part, under the following exemptions of the
Illinois Freedom of Information Act:

{{exemptions}}

Why each exemption applies:

{{denial_explanation}}

The person responsible for this denial is {{officer_name}}, Records officer,
{{department_name}} (5 ILCS 140/9(a)).

**Your right to review.** You have the right to have this denial reviewed by the Public Access
Counselor of the Office of the Illinois Attorney General (5 ILCS 140/9.5). You may file a
request for review within 60 days after the date of this letter, with a copy of your request
and of this letter: Public Access Counselor, Office of the Attorney General, 500 South Second
Street, Springfield, Illinois 62701; telephone 1-877-299-3642; e-mail publicaccess@ilag.gov.
You also have the right to seek judicial review of this denial by filing a lawsuit in the
circuit court (5 ILCS 140/11).

""" + _SIGNATURE),
    K.RELEASE: ("Request {{request_number}}: records released", """\
Dear {{requester_name}},

In answer to your request of {{received_on}} for:

> {{description}}

we released {{record_count}} records on {{released_on}} ({{release_outcome}}), in the package
{{release_package}}. Its SHA-256 is {{release_sha256}}: the package's manifest lists the hash
of every file in it.

Records withheld in full: {{withheld_count}}. Redactions: {{redaction_count}}. The exemptions
of the Illinois Freedom of Information Act applied:

{{exemptions}}

Each redaction is marked where it was made and listed in the package's redaction log. Where
any part of your request was denied, you have the right to have the denial reviewed by the
Public Access Counselor of the Office of the Illinois Attorney General within 60 days (5 ILCS
140/9.5; 500 South Second Street, Springfield, Illinois 62701; 1-877-299-3642), or to seek
judicial review in the circuit court (5 ILCS 140/11).

""" + _SIGNATURE),
}


@lru_cache(maxsize=16)
def _default_html(kind: LetterKind) -> str:
    return markdown_html(DEFAULT_TEMPLATES[kind][1])


# --- permissions -------------------------------------------------------------------------------

def _active(user: User | None) -> bool:
    return user is not None and user.active


def can_edit_templates(user: User | None) -> bool:
    """Administrators edit the letter templates."""
    return _active(user) and user.role is Role.ADMIN


def can_make_letters(user: User | None) -> bool:
    """Records officers make and send letters."""
    return _active(user) and user.role is Role.RECORDS


def can_view_letters(user: User | None) -> bool:
    """Records officers and administrators read a request's letters."""
    return _active(user) and user.role in (Role.RECORDS, Role.ADMIN)


# --- templates ---------------------------------------------------------------------------------

def parse_kind(kind: str | LetterKind) -> LetterKind:
    try:
        return LetterKind(kind)
    except ValueError:
        raise ValidationFailed("Choose a kind of letter from the list.", field="kind") from None


def template_for(session: Session, kind: LetterKind | str) -> LetterTemplate:
    """The saved template of ``kind``, or the built-in text (a row not added to the session)."""
    kind = parse_kind(kind)
    saved = session.scalars(select(LetterTemplate).where(LetterTemplate.kind == kind)).first()
    if saved is not None:
        return saved
    title, body = DEFAULT_TEMPLATES[kind]
    return LetterTemplate(kind=kind, title=title, body_markdown=body,
                          body_html=_default_html(kind), updated_by_id=None, updated_at=None)


def all_templates(session: Session) -> list[LetterTemplate]:
    return [template_for(session, kind) for kind in LetterKind]


def _clean_template(kind: LetterKind, title: str, body: str) -> tuple[str, str]:
    title = " ".join(normalise(title or "", "The title", field="title").split())
    body = normalise(body or "", "The letter text", field="body_markdown").strip() + "\n"
    if not title:
        raise ValidationFailed("Enter the letter's title.", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"The title is {len(title):,} characters; the most is "
                               f"{TITLE_MAX}.", field="title")
    if not body.strip():
        raise ValidationFailed("Enter the letter's text.", field="body_markdown")
    if len(body) > BODY_MAX:
        raise ValidationFailed(f"The text is {len(body):,} characters; the most is "
                               f"{BODY_MAX:,}.", field="body_markdown")
    unknown = unknown_placeholders(kind, title, body)
    if unknown:
        names = ", ".join("{{" + name + "}}" for name in unknown)
        raise ValidationFailed(f"A {kind.label.lower()} letter has no field {names}. Use the "
                               "fields listed beside the text.",
                               field="title" if unknown_placeholders(kind, title)
                               else "body_markdown")
    return title, body


def save_template(session: Session, actor: Actor, kind: LetterKind | str, title: str,
                  body_markdown: str) -> LetterTemplate:
    """Save the template of ``kind``: its HTML is rendered and sanitized here, once; the change
    is audited (and so archived) with the text before and after.

    Raises PermissionDenied (not an administrator), ValidationFailed (no title or text, too
    long, a character that can't be stored, a placeholder the kind does not have).
    """
    if not can_edit_templates(actor.user):
        raise PermissionDenied("Only an administrator may edit the letter templates.")
    kind = parse_kind(kind)
    title, body = _clean_template(kind, title, body_markdown)
    template = session.scalars(select(LetterTemplate).where(LetterTemplate.kind == kind)).first()
    before = template_for(session, kind) if template is None else template
    before_title, before_body = before.title, before.body_markdown
    if before_title == title and before_body == body:
        raise Conflict(f"The {kind.label.lower()} letter already reads like this; nothing "
                       "was changed.")
    if template is None:
        template = LetterTemplate(kind=kind)
        session.add(template)
    template.title, template.body_markdown = title, body
    template.body_html = markdown_html(body)
    template.updated_by_id, template.updated_at = actor.user.id, clock.utcnow()
    session.flush()
    audit.record_event(session, actor, "records.letter_template_saved", obj=template,
                       details={"kind": kind.value,
                                "title": {"from": before_title, "to": title},
                                "body_markdown": {"from": before_body, "to": body},
                                "body_sha256": hashlib.sha256(body.encode()).hexdigest()})
    return template


def sample_values(kind: LetterKind) -> dict[str, str]:
    """Made-up facts for the template preview."""
    values = {
        "request_number": "123", "requester_name": "Pat Example",
        "requester_contact": "pat@example.org", "received_on": "Nov 16, 2026",
        "due_on": "Nov 23, 2026", "original_due_on": "Nov 23, 2026",
        "description": "Posts and comments about the parade on Main Street.",
        "letter_date": clock.local_date_text(clock.utcnow()), "officer_name": "Officer A. Smith",
        "department_name": "Police Department", "note": "",
        "clarification_question": "Which dates do you mean?",
        "extension_days": "5", "extension_explanation": "The records are in two offices.",
        "fee_amount": "12.50", "fee_details": "250 pages of copies.",
        "denial_explanation": "The records name a victim of a crime.",
        "release_package": "request-123-release.zip", "release_sha256": "0" * 64,
        "record_count": "12", "withheld_count": "1", "redaction_count": "3",
        "released_on": "Nov 20, 2026", "release_outcome": "released in part",
    }
    raw = {"extension_reasons": _list_value([f"5 ILCS 140/3(e)({code}): {EXTENSION_REASONS[code]}"
                                             for code in ("i", "v")]),
           "exemptions": _list_value(["5 ILCS 140/7(1)(c): Personal information the "
                                      "disclosure of which would constitute a clearly "
                                      "unwarranted invasion of personal privacy"])}
    allowed = fields_for(kind)
    return {k: v for k, v in {**values, **raw}.items() if k in allowed}


def preview_html(kind: LetterKind | str, title: str, body_markdown: str) -> tuple[str, str]:
    """The title and sanitized HTML of an unsaved template, filled with made-up facts.
    Raises ValidationFailed as ``save_template`` does."""
    kind = parse_kind(kind)
    title, body = _clean_template(kind, title, body_markdown)
    values = sample_values(kind)
    raw = frozenset({"extension_reasons", "exemptions"})
    return (_plain(fill(title, values, raw)), markdown_html(fill(body, values, raw)))


# --- the facts a letter needs ------------------------------------------------------------------

@dataclass(frozen=True)
class LetterFacts:
    """The filled values (plain text) and the ones already written as Markdown."""

    values: dict[str, str]
    raw: frozenset[str]
    details: dict  # what the archive record keeps of the kind's facts


def _text(extra: dict, name: str, label: str, *, required: bool = False) -> str:
    value = extra.get(name) or ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label} must be text.", field=name)
    value = normalise(value, label, field=name).strip()
    if required and not value:
        raise ValidationFailed(f"Enter {label[0].lower() + label[1:]}.", field=name)
    if len(value) > EXTRA_TEXT_MAX:
        raise ValidationFailed(f"{label} is {len(value):,} characters; the most is "
                               f"{EXTRA_TEXT_MAX:,}.", field=name)
    return value


def _list(extra: dict, name: str) -> list[str]:
    value = extra.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, (str, int)):
        value = [value]
    return [str(v).strip() for v in value if str(v).strip()]


def _officer_name(user: User) -> str:
    return " ".join(p for p in (getattr(user, "rank", ""), getattr(user, "full_name", "")) if p) \
        or user.login_id


def request_number(request: RecordsRequest) -> str:
    return str(request.id)


def _exemption_lines(exemptions: list[Exemption]) -> list[str]:
    return [f"{e.citation}: {e.label}" for e in exemptions]


def _chosen_exemptions(session: Session, ids: list[str]) -> list[Exemption]:
    chosen = []
    for raw in ids:
        try:
            exemption = session.get(Exemption, int(raw))
        except (TypeError, ValueError):
            exemption = None
        if exemption is None or not exemption.active:
            raise ValidationFailed("Choose the exemptions from the list.", field="exemption_ids")
        if exemption not in chosen:
            chosen.append(exemption)
    return chosen


def _release_of(session: Session, request: RecordsRequest, release_id) -> Release:
    if release_id in (None, ""):
        release = session.scalars(select(Release).where(Release.request_id == request.id)
                                  .order_by(Release.created_at.desc(), Release.id.desc())
                                  .limit(1)).first()
        if release is None:
            raise Conflict("Build the release package first: a release letter describes it.")
        return release
    try:
        release = session.get(Release, int(release_id))
    except (TypeError, ValueError):
        release = None
    if release is None or release.request_id != request.id:
        raise ValidationFailed("Choose a release of this request.", field="release_id")
    return release


def _extend(session: Session, actor: Actor, request: RecordsRequest, extra: dict,
            codes: list[str], explanation: str) -> None:
    """Take the request's one extension for the letter that announces it."""
    from beatdesk.due_dates import rules_for

    raw = extra.get("extension_days")
    try:
        days = int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        days = None
    if days is None:
        raise ValidationFailed("Enter the business days of the extension: the deadline has "
                               "not been extended yet.", field="extension_days")
    reason = ", ".join(f"5 ILCS 140/3(e)({code})" for code in codes)
    records.extend_request(session, actor, request, rules_for(request.rules_key),
                           f"{reason}: {explanation}" if explanation else reason, days)


def letter_facts(session: Session, actor: Actor, request: RecordsRequest, kind: LetterKind,
                 extra: dict) -> LetterFacts:
    """Every field a letter of ``kind`` fills, from the request and ``extra`` (the kind's own
    facts, as a form sends them). Raises ValidationFailed or Conflict for missing facts."""
    extra = extra or {}
    from beatdesk.release import department_letterhead
    department = department_letterhead(session)[0]
    values = {
        "request_number": request_number(request), "requester_name": request.requester_name,
        "requester_contact": request.requester_contact,
        "received_on": clock.local_date_text(request.received_on),
        "due_on": clock.local_date_text(request.due_on),
        "original_due_on": clock.local_date_text(request.original_due_on),
        "description": request.description,
        "letter_date": clock.local_date_text(clock.utcnow()),
        "officer_name": _officer_name(actor.user), "department_name": department,
        "note": _text(extra, "note", "The note"),
    }
    raw: set[str] = set()
    details: dict = {}
    if kind is K.CLARIFICATION:
        values["clarification_question"] = _text(extra, "clarification_question",
                                                 "The question for the requester",
                                                 required=True)
        details["question"] = values["clarification_question"]
    elif kind is K.EXTENSION:
        codes = _list(extra, "extension_reasons")
        if not codes:
            raise ValidationFailed("Choose at least one of the reasons 5 ILCS 140/3(e) allows.",
                                   field="extension_reasons")
        unknown = [c for c in codes if c not in EXTENSION_REASONS]
        if unknown:
            raise ValidationFailed("Choose the reasons from the list.",
                                   field="extension_reasons")
        codes = [c for c in EXTENSION_REASONS if c in codes]
        explanation = _text(extra, "extension_explanation", "The explanation")
        extended_now = request.extended_at is None
        if extended_now:
            # Not extended yet: the letter takes the extension, with the reasons it gives.
            _extend(session, actor, request, extra, codes, explanation)
        values["extension_days"] = str(request.extension_days)
        values["extension_reasons"] = _list_value(
            [f"5 ILCS 140/3(e)({code}): {EXTENSION_REASONS[code]}" for code in codes])
        raw.add("extension_reasons")
        values["due_on"] = clock.local_date_text(request.due_on)
        values["extension_explanation"] = explanation if extended_now \
            else explanation or request.extension_reason
        details.update(reasons=codes, days=request.extension_days, extended_now=extended_now)
    elif kind is K.FEE_ESTIMATE:
        amount = _text(extra, "fee_amount", "The fee", required=True).replace("$", "") \
            .replace(",", "").strip()
        try:
            fee = Decimal(amount)
        except InvalidOperation:
            fee = None
        if fee is None or not fee.is_finite() or fee < 0 or fee > FEE_MAX \
                or fee != fee.quantize(Decimal("0.01")):
            raise ValidationFailed("Enter the fee in dollars and cents, e.g. 12.50 (at most "
                                   f"{FEE_MAX:,}).", field="fee_amount")
        values["fee_amount"] = f"{fee.quantize(Decimal('0.01')):,}"
        values["fee_details"] = _text(extra, "fee_details", "What the fee is for")
        details["fee_amount"] = str(fee.quantize(Decimal("0.01")))
    elif kind is K.DENIAL:
        exemptions = _chosen_exemptions(session, _list(extra, "exemption_ids"))
        if not exemptions and request.denial_exemption is not None:
            exemptions = [request.denial_exemption]
        if not exemptions:
            raise ValidationFailed("Choose each exemption the denial cites.",
                                   field="exemption_ids")
        values["exemptions"] = _list_value(_exemption_lines(exemptions))
        raw.add("exemptions")
        values["denial_explanation"] = _text(extra, "denial_explanation",
                                             "The reason for the denial", required=True)
        details["exemptions"] = [e.code for e in exemptions]
    elif kind is K.RELEASE:
        release = _release_of(session, request, extra.get("release_id"))
        exemptions = list(session.scalars(
            select(Exemption).where(Exemption.id.in_(
                select(Redaction.exemption_id).where(Redaction.request_id == request.id,
                                                     Redaction.removed_at.is_(None))))
            .order_by(Exemption.id)))
        lines = _exemption_lines(exemptions) or ["None: nothing was withheld or redacted."]
        values.update(
            release_package=release.package_name, release_sha256=release.package_sha256,
            record_count=f"{release.record_count:,}", withheld_count=f"{release.withheld_count:,}",
            redaction_count=f"{release.redaction_count:,}",
            released_on=clock.local_date_text(release.created_at),
            release_outcome=RequestState(release.outcome).label.lower(),
            exemptions=_list_value(lines))
        raw.add("exemptions")
        details.update(release_id=release.id, package_sha256=release.package_sha256,
                       exemptions=[e.code for e in exemptions])
    return LetterFacts(values=values, raw=frozenset(raw), details=details)


# --- Markdown to the PDF's lines ---------------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})


@dataclass(frozen=True)
class Line:
    """One block of a letter: ``kind`` is heading, text or rule; ``indent`` in millimetres."""

    kind: str
    text: str = ""
    indent: float = 0.0
    grey: bool = False


def _inline(token) -> str:
    out, href, start = [], None, 0
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(child.content or "")
        elif child.type == "link_open":
            href, start = child.attrGet("href"), len("".join(out))
        elif child.type == "link_close":
            shown = "".join(out)[start:]
            if href and href.removeprefix("mailto:") != shown:
                out.append(f" ({href})")
            href = None
    return "".join(out)


def markdown_lines(markdown: str) -> list[Line]:
    """The blocks of a filled letter, as the PDF and the e-mail's text show them: headings,
    paragraphs, list items with their bullet or number, quotations indented."""
    lines: list[Line] = []
    lists: list[list] = []  # [ordered, count] per open list
    quote, heading, marker = 0, False, ""
    for token in _markdown.parse(markdown):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([False, 0])
        elif kind == "ordered_list_open":
            lists.append([True, int(token.attrGet("start") or 1) - 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1][1] += 1
            marker = f"{lists[-1][1]}." if lists[-1][0] else "•"
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "hr":
            lines.append(Line("rule"))
        elif kind in ("inline", "code_block", "fence"):
            text = _inline(token) if kind == "inline" else token.content.rstrip("\n")
            indent = 5.0 * len(lists) + 6.0 * quote
            if marker:
                text, marker = f"{marker} {text}", ""
            lines.append(Line("heading" if heading else "text", text, indent, grey=quote > 0))
    return lines


def _plain(markdown: str) -> str:
    return "\n".join(line.text for line in markdown_lines(markdown) if line.kind != "rule")


def plain_text(markdown: str) -> str:
    """A filled letter as plain text (the e-mail's body): one block a paragraph."""
    blocks = []
    for line in markdown_lines(markdown):
        if line.kind == "rule":
            blocks.append("----")
        else:
            blocks.append(" " * int(line.indent // 2.5) + line.text)
    return "\n\n".join(blocks) + "\n"


def render_pdf(session: Session, title: str, body: str, request: RecordsRequest,
               letter_date: str, footer: str) -> bytes:
    """The letter as a PDF: the department's letterhead, the date, the addressee, the title
    and the filled text; each page numbered in its footer."""
    from beatdesk.release import department_letterhead
    from beatdesk.release_pdf import PdfVolume, draw_letterhead

    volume = PdfVolume(title, footer, cover=None, contents=False)
    name, lines = department_letterhead(session)
    draw_letterhead(volume, name, lines)
    volume.line(letter_date, size=10.5, height=5.4)
    volume.gap(3)
    volume.line(request.requester_name, size=10.5, height=5.4)
    volume.line(request.requester_contact, size=10.5, height=5.4)
    volume.gap(4)
    volume.line(title, size=13, style="B", height=7)
    volume.gap(2)
    for line in markdown_lines(body):
        if line.kind == "rule":
            volume.rule()
        elif line.kind == "heading":
            volume.gap(1.5)
            volume.line(line.text, size=11.5, style="B", height=6, indent=line.indent)
        else:
            volume.line(line.text, size=10.5, height=5.4, indent=line.indent,
                        color=(70, 70, 70) if line.grey else (26, 26, 26))
        volume.gap(1.8)
    return volume.output()


# --- making and sending a letter ---------------------------------------------------------------

def requester_email(session: Session, request: RecordsRequest) -> str:
    """The address a letter is e-mailed to: the one given on the public request form, else an
    e-mail address in the request's contact; "" when there is none."""
    from beatdesk.models.records_portal import PortalAccess

    access = session.get(PortalAccess, request.id)
    if access is not None and access.email:
        return access.email
    match = EMAIL_VALUE.search(request.requester_contact or "")
    return match.group(0).strip(".,;:()<>") if match else ""


def _queue_email(session: Session, request: RecordsRequest, letter: Letter, to: str,
                 text: str) -> OutboxRow:
    now = clock.utcnow()
    row = OutboxRow(kind=OutboxKind.EMAIL, records_request_id=request.id,
                    idempotency_key=uuid.uuid4().hex,
                    payload={"to": to, "subject": letter.title,
                             "text": text,
                             "attachments": [{
                                 "filename": letter.file_name,
                                 "content_type": "application/pdf",
                                 "data": base64.b64encode(letter.pdf).decode("ascii")}]},
                    available_at=now, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def make_letter(session: Session, actor: Actor, request: RecordsRequest, kind: str,
                extra: dict) -> Letter:
    """Make a letter of ``kind`` for ``request`` from its template, store it as a PDF with its
    SHA-256, archive it, note it in the request's history, and (``extra["send"]``, the
    default) e-mail it to the requester with the PDF attached when there is an address.

    ``extra`` holds the kind's own facts: ``clarification_question``; ``extension_reasons``
    (codes of 5 ILCS 140/3(e), e.g. ``["i", "v"]``), ``extension_explanation`` and, when the
    request has not been extended yet, ``extension_days`` (the letter takes the extension);
    ``fee_amount`` and ``fee_details``; ``exemption_ids`` and ``denial_explanation``;
    ``release_id`` (default: the latest release); and for every kind an optional ``note``.

    Raises PermissionDenied (not a records officer), ValidationFailed (an unknown kind, a
    missing or malformed fact, an extension the rules don't allow) and Conflict (a release
    letter before a release).
    """
    if not can_make_letters(actor.user):
        raise PermissionDenied("Only a records officer may make letters to a requester.")
    kind = parse_kind(kind)
    extra = dict(extra or {})
    facts = letter_facts(session, actor, request, kind, extra)
    template = template_for(session, kind)
    title = _plain(fill(template.title, facts.values, facts.raw)).replace("\n", " ")[:300] \
        or kind.label
    body = fill(template.body_markdown, facts.values, facts.raw)
    number = (session.scalar(select(func.max(Letter.number)).where(
        Letter.request_id == request.id, Letter.kind == kind)) or 0) + 1
    pdf = render_pdf(session, title, body, request, facts.values["letter_date"],
                     f"{request.label} · {kind.label} letter {number}")
    digest = hashlib.sha256(pdf).hexdigest()
    letter = Letter(request_id=request.id, kind=kind, number=number, title=title,
                    body_markdown=body, sha256=digest, size=len(pdf), pdf=pdf, sent_to="",
                    created_by_id=actor.user.id, created_at=clock.utcnow())
    session.add(letter)
    session.flush()
    send = _truthy(extra.get("send", True))
    to = requester_email(session, request) if send else ""
    if to:
        text = (plain_text(body) + f"\nThe letter is attached as {letter.file_name} "
                f"(SHA-256 {digest}).\n")
        row = _queue_email(session, request, letter, to, text)
        letter.sent_to, letter.outbox_id = to[:320], row.id
    session.flush()
    how = f"e-mailed to {to}" if to else "not e-mailed"
    _event(session, actor, request, "letter", request.state,
           f"{kind.label} letter {letter.file_name} (SHA-256 {digest}), {how}.")
    archive.append(session, record_type="records.letter", object_id=letter.id,
                   district_id=None, actor=actor, content={
                       "request_id": request.id, "kind": kind.value, "number": number,
                       "file": letter.file_name, "title": title, "sha256": digest,
                       "bytes": len(pdf), "sent_to": letter.sent_to,
                       "outbox_id": letter.outbox_id, "created_at": letter.created_at,
                       "body_markdown": body, "facts": facts.details})
    audit.record_event(session, actor, "records.letter_made", obj=letter,
                       details={"request": request.id, "kind": kind.value,
                                "file": letter.file_name, "sha256": digest,
                                "sent_to": letter.sent_to})
    return letter


def letters_of(session: Session, request: RecordsRequest) -> list[Letter]:
    """The request's letters, oldest first (the PDF bytes are not read)."""
    return list(session.scalars(select(Letter).where(Letter.request_id == request.id)
                                .order_by(Letter.created_at, Letter.id)))


def get_letter(session: Session, request: RecordsRequest, letter_id: int) -> Letter:
    letter = session.get(Letter, letter_id)
    if letter is None or letter.request_id != request.id:
        raise NotFound("There is no such letter for this request.")
    return letter


def package_files(session: Session, request: RecordsRequest):
    """``(name, pdf bytes)`` of each letter for a release package, ``letters/<kind>-<n>.pdf``,
    oldest first, one at a time."""
    ids = list(session.scalars(select(Letter.id).where(Letter.request_id == request.id)
                               .order_by(Letter.created_at, Letter.id)))
    for letter_id in ids:
        row = session.execute(select(Letter.kind, Letter.number, Letter.pdf)
                              .where(Letter.id == letter_id)).one()
        yield f"letters/{LetterKind(row.kind).value}-{row.number}.pdf", row.pdf
