"""Private persons' data in a text, for suggested redactions. Pure: no database, no clock.

The post checks' detectors (:mod:`beatdesk.checks.personal`, :mod:`beatdesk.checks.identity`)
find phone numbers (libphonenumber's matcher, region US), e-mail addresses, street and home
addresses, dates of birth, Social Security numbers and the names of victims, witnesses,
complainants and juveniles. This module reuses them, adds what a record holds and a post does
not (network addresses, a seven-digit number after "call" or "phone", "victim's name: ..."),
and leaves out what looks like private data and is not:

- case and report numbers ("RD 2026-123456", "case #24-1187"), times ("12:30:45"), dates,
  versions ("version 10.2.3.4", "v2.1.0.5") and short codes are no phone or network address;
- loopback, unspecified and multicast network addresses are nobody's connection;
- the department's and its districts' own phone numbers, e-mail domains and addresses
  (``CheckContext``) are official contact details, not private data.

Each passage carries its kind; :data:`EXEMPTION_CODES` gives the Illinois exemption a
suggestion cites: private information (5 ILCS 140/7(1)(b): personal e-mail addresses, home and
personal phone numbers, home addresses, Social Security numbers), personal privacy (7(1)(c):
network addresses, dates of birth, a juvenile's name) and the identity of persons who provide
information to law enforcement (7(1)(d)(iv): victims, witnesses and complainants).
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from beatdesk.checks.findings import CheckContext
from beatdesk.checks.identity import NAME, find_protected_identities
from beatdesk.checks.personal import DATE, find_personal_information
from beatdesk.checks.rules import JUVENILE_IDENTITY, VICTIM_IDENTITY

EXEMPTION_CODES = {
    "email": "7(1)(b)", "phone": "7(1)(b)", "home_address": "7(1)(b)",
    "street_address": "7(1)(b)", "ssn": "7(1)(b)", "network": "7(1)(c)",
    "date_of_birth": "7(1)(c)", "juvenile_name": "7(1)(c)", "victim_name": "7(1)(d)(iv)",
}
REASONS = {
    "email": "An e-mail address: a private person's is private information.",
    "phone": "A phone number that is not one of the department's lines.",
    "home_address": "An address where somebody lives.",
    "street_address": "A street address: withhold it if it is a private person's home.",
    "ssn": "A Social Security number.",
    "network": "A network (IP) address identifies a person's connection.",
    "date_of_birth": "A date of birth.",
    "juvenile_name": "The name of a juvenile (an age under 18 or a word for a child next to "
                     "it).",
    "victim_name": "The name of a victim, witness or complainant.",
}

_PERSONAL_KINDS = {"email": "email", "phone": "phone", "home_address": "home_address",
                   "street_address": "street_address", "ssn": "ssn",
                   "date_of_birth": "date_of_birth"}

# Numbers that name a case, a report or an item, not a person's line.
_NUMBER_LABEL = re.compile(
    r"(?<!\w)(?:case|report|incident|RD|CB|IR|event|ticket|citation|docket|file|order|invoice|badge|"
    r"star|employee|unit|no|number|#|ref(?:erence)?|version|ver|v)\s*(?:no\.?|number|#)?\s*"
    r"[:#]?\s*$", re.IGNORECASE)
# A phone number's digits, grouped as people write them: 312-555-0142, (312) 555 0142,
# +1 312.555.0142, 3125550142, 1-312-555-0142.
_PHONE_SHAPE = re.compile(
    r"^(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s*|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}"
    r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?$", re.IGNORECASE)
# A seven-digit local number right after a word saying it is one: "call 555-0199".
_LOCAL_PHONE = re.compile(
    r"(?<!\w)(?:call|phone|tel|telephone|cell|mobile|text|reach\s+(?:me|him|her|them)\s+at|"
    r"number\s+is|at)\s*[:.]?\s*(\d{3}[-.\s]\d{4})(?![\d-])", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|"
                   r"(?:\d{1,3}\.){3}\d{1,3})?(?:%[\w.]+)?(?![\w:])")
_VERSION_BEFORE = re.compile(r"(?<!\w)(?:version|ver\.?|v|release|build|firmware|app)\s*$",
                             re.IGNORECASE)
# A birth label near a full date (the checks' pattern wants the date right after the label).
_BIRTH_NEAR = re.compile(
    rf"(?<!\w)(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|birthday|born)(?!\w)"
    rf"[^.!?\n\d]{{0,30}}?(?P<date>{DATE})(?!\w)", re.IGNORECASE)
_DATE = re.compile(DATE, re.IGNORECASE)
# "Victim's name: Maria Lopez", "juvenile name is Ana Ruiz", "aged 15, Kevin Zhang".
_NAME_LABEL = re.compile(
    r"(?<!\w)(?P<role>victim|witness|complainant|juvenile|minor|child)(?:['’]s)?\s+"
    r"(?:full\s+)?name\s*(?::|is|was|-)?\s*$", re.IGNORECASE)
_AGE_LABEL = re.compile(r"(?<!\w)aged?\s+(?P<age>\d{1,2})\s*[,:]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Passage:
    """A private value found in a text: its kind and where it is (code points)."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def exemption_code(self) -> str:
        return EXEMPTION_CODES[self.kind]

    @property
    def reason(self) -> str:
        return REASONS[self.kind]


def _phone_ok(text: str, start: int, end: int) -> bool:
    value = text[start:end].strip()
    if not _PHONE_SHAPE.match(value):
        return False
    return not _NUMBER_LABEL.search(text[max(0, start - 20):start])


def _balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """Without a bracket it opens or closes: "(815-555-0188" -> "815-555-0188"."""
    value = text[start:end]
    if value.startswith("(") and ")" not in value:
        start += 1
    if value.endswith(")") and "(" not in value:
        end -= 1
    return start, end


_ABBREVIATED = frozenset("st ave rd blvd dr ln ct pl ter cir pkwy hwy sq trl apt ste".split())


def _address_end(text: str, start: int, end: int) -> int:
    """An address ends before a full stop that ends the sentence ("... 77 Oak Lane.") and
    keeps one that abbreviates ("... Kedzie Ave.")."""
    value = text[start:end]
    if value.endswith("."):
        last = value[:-1].rsplit(None, 1)[-1].lower()
        if last not in _ABBREVIATED and len(last) > 1:
            return end - 1
    return end


def _network(text: str) -> list[tuple[int, int]]:
    found = []
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            raw = match.group(0)
            if _VERSION_BEFORE.search(text[max(0, match.start() - 12):match.start()]):
                continue
            try:
                address = ipaddress.ip_interface(raw).ip if "/" in raw else \
                    ipaddress.ip_address(raw.split("%")[0])
            except ValueError:
                continue
            if isinstance(address, ipaddress.IPv6Address) and \
                    sum(1 for g in raw.split("%")[0].split(":") if g) < 3:
                continue  # "::1", "a::b": too short to be anybody's address
            if address.is_loopback or address.is_unspecified or address.is_multicast:
                continue
            found.append(match.span())
    return found


def _names_after(text: str, label: re.Pattern) -> list[tuple[str, int, int]]:
    """Names right after a label such as "victim's name:" or "aged 15," (role, start, end)."""
    found = []
    for match in NAME.finditer(text):
        before = text[max(0, match.start() - 40):match.start()]
        cue = label.search(before)
        if cue is None:
            continue
        if "age" in cue.groupdict():
            if int(cue.group("age")) >= 18:
                continue
            role = "juvenile"
        else:
            role = "juvenile" if cue.group("role").lower() in ("juvenile", "minor", "child") \
                else "victim"
        found.append((role, match.start(), match.end()))
    return found


def find_private_passages(text: str, context: CheckContext = CheckContext()) -> list[Passage]:
    """Every private value in ``text``, in reading order, without overlaps of the same kind."""
    if not text or not text.strip():
        return []
    spans: dict[tuple[int, int, str], None] = {}
    for match in find_personal_information(text, context):
        kind = _PERSONAL_KINDS[match.kind]
        start, end = match.start, match.end
        if kind == "phone":
            start, end = _balanced(text, start, end)
            if not _phone_ok(text, start, end):
                continue
        if kind in ("home_address", "street_address"):
            end = _address_end(text, start, end)
        if kind == "date_of_birth":  # the date itself, not its label
            date = _DATE.search(text, start, end)
            if date:
                start, end = date.span()
        spans[(start, end, kind)] = None
    for match in _LOCAL_PHONE.finditer(text):
        spans[(match.start(1), match.end(1), "phone")] = None
    for match in _BIRTH_NEAR.finditer(text):
        spans[(match.start("date"), match.end("date"), "date_of_birth")] = None
    for start, end in _network(text):
        spans[(start, end, "network")] = None
    victim_words = VICTIM_IDENTITY.phrases + tuple(
        context.extra_terms.get(VICTIM_IDENTITY.code, ()))
    juvenile_words = JUVENILE_IDENTITY.phrases + tuple(
        context.extra_terms.get(JUVENILE_IDENTITY.code, ()))
    for match in find_protected_identities(text, victim_words, juvenile_words):
        spans[(match.start, match.end, f"{match.kind}_name")] = None
    for label in (_NAME_LABEL, _AGE_LABEL):
        for role, start, end in _names_after(text, label):
            spans[(start, end, f"{role}_name")] = None
    # A juvenile who is also a victim is suggested once, as a juvenile.
    for start, end, kind in list(spans):
        if kind == "victim_name" and (start, end, "juvenile_name") in spans:
            del spans[(start, end, kind)]
    # A date of birth's date is no phone number; an e-mail address holds no second finding.
    ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in ordered:
        if any(k != kind and a <= start and end <= b and _outranks(k, kind)
               for a, b, k in kept):
            continue
        if any(k == kind and a <= start and end <= b for a, b, k in kept):
            continue
        kept.append((start, end, kind))
    return [Passage(kind, start, end, text[start:end]) for start, end, kind in kept]


_RANK = {"email": 0, "network": 1, "date_of_birth": 2, "ssn": 2, "home_address": 3,
         "street_address": 3, "phone": 4, "victim_name": 5, "juvenile_name": 5}


def _outranks(kind: str, other: str) -> bool:
    """Whether a finding of ``kind`` swallows one of ``other`` inside it."""
    return _RANK[kind] < _RANK[other]
