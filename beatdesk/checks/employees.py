"""An employee's personal details in a post (Massachusetts IV.A.4.b.2 and b.4; Chicago "Use of
Social Media Outlets" IV.B.6).

Official information about an employee may be posted: rank, assignment, years of service,
previous employment and military service, training, awards, education (Massachusetts
IV.A.4.b.1). General personal information (home town, where they live, age, marital status,
children) only with the employee's consent (b.2), and nothing else personal against their wishes
(b.4): health, life at home, religion.

A finding needs an *employee* and a *detail* tied to them:

- an employee is a rank or job title before a capitalised name ("Officer Jane Smith", "Sgt.
  Ray", "Dispatcher Ana Ruiz", "civilian member Tom Lee"), a name with its job after it ("Ana
  Ruiz, one of our dispatchers"), or "our officer", "one of our sergeants";
- a detail is an age (", 34,", "(34)", "34-year-old Officer ...", "turns 40", "40th birthday"),
  family ("his wife", "her two children", "a mother of three", "proud dad", "married"), where they
  live or come from ("lives in Beverly", "grew up in Pilsen", "where she lives"), health
  ("battling cancer", "on medical leave") or private life ("in her spare time", "his hobbies"),
  or one of the rule's phrases or an administrator's;
- tied: in the same sentence after the employee (or just before: "Proud dad Officer Smith",
  "34-year-old Officer Smith"), or in the next sentence when it starts with he, she or they; with
  no other person between them ("Officer Smith helped a woman and her children": the children
  are the woman's). Words that need a verb of their own ("a mother of three", "married") count
  only as the employee's apposition or predicate ("Officer Smith, a 12-year veteran and mother
  of three", "Officer Smith is a proud dad"), so "Officer Smith helped a mother of three" stays
  clear.

Each finding quotes the detail only ("mother of three", "34", "lives in Beverly"): the
employee's recorded consent names those words.
"""
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import regex

from .rules import compile_phrases

_I = regex.IGNORECASE | regex.VERSION1

_NAME_WORD = r"(?:\p{Lu}\p{M}*[\p{Ll}\p{M}]+(?:['’\-]\p{Lu}?[\p{Ll}\p{M}]+)*|\p{Lu}\.)"
_NAME = rf"(?-i:{_NAME_WORD}(?:[^\S\n]+{_NAME_WORD}){{0,2}})"
_TITLE = (r"(?:(?:police|patrol|youth|k-?9|tactical|traffic|school\s+resource|community\s+"
          r"service|community\s+policing|beat)\s+)?(?:officers?|ofc\.?|p\.o\.|sgt\.?|"
          r"sergeants?|lt\.?|lieutenants?|capt\.?|captains?|cmdr\.?|commanders?|"
          r"deputy\s+chief|chief|supt\.?|superintendent|det\.?|detectives?|investigators?|"
          r"evidence\s+technician|dispatchers?|telecommunicators?|crossing\s+guards?|cadets?|"
          r"recruits?|corporal|cpl\.?|records\s+clerk|clerk|aide|civilian\s+(?:members?|"
          r"employees?|staff)|caps\s+facilitator)")
_GROUP = (r"(?:officers?|sergeants?|detectives?|dispatchers?|employees?|members?|"
          r"colleagues?|teammates?|civilian\s+members?|lieutenants?|commanders?|"
          r"crossing\s+guards?|cadets?|telecommunicators?|clerks?)")
# An employee: title and name; a name and its job; or "our officer".
EMPLOYEE = regex.compile(
    rf"(?<![\w.])(?:{_TITLE}[^\S\n]+{_NAME}"
    rf"|{_NAME}(?=,[^\S\n]+(?:(?:one\s+of\s+)?our|an?|the)[^\S\n]+(?:\w+[^\S\n]+){{0,3}}?"
    rf"(?:{_GROUP}|member\s+of\s+(?:the|our)\s+department)\b)"
    rf"|(?:our|one\s+of\s+our|the\s+district's|this\s+district's)[^\S\n]+(?:own[^\S\n]+)?"
    rf"(?:\w+[^\S\n]+)?{_GROUP}(?:[^\S\n]+{_NAME})?)(?!\w)", _I)

_AGE = r"(?P<age>1[89]|[2-9]\d)"
AGE_AFTER = regex.compile(rf"^[^\S\n]*(?:,|\()[^\S\n]*(?:age[^\S\n]+|aged[^\S\n]+)?{_AGE}"
                          rf"(?:[^\S\n]+years?[^\S\n]+old)?(?=[^\S\n]*(?:,|\)|\.|;|$))", _I)
AGE_BEFORE = regex.compile(rf"(?<!\w)(?P<quote>{_AGE}[\s\-]+years?[\s\-]+old)"
                           rf"(?:[^\S\n]+\w+)?[^\S\n]*$", _I)
_RELATIVE = (r"(?:wife|husband|spouse|fianc[ée]e?|children|child|kids|sons?|daughters?|twins|"
             r"baby|newborn|grandchildren|grandkids|grandsons?|granddaughters?|stepsons?|"
             r"stepdaughters?|stepchildren|parents|mother|father|mom|dad|sisters?|brothers?|"
             r"in-laws|family\s+of\s+\w+)")
_HOME_PLACE = (r"(?:(?-i:\p{Lu}[\p{L}\p{M}'’\-]*)(?:[^\S\n]+(?-i:\p{Lu}[\p{L}\p{M}'’\-]*)){0,2}"
               r"|(?:the|our|this)[^\S\n]+(?:same[^\S\n]+)?(?:\w+[^\S\n]+)?(?:neighbou?rhood|"
               r"district|community|area|beat|ward|suburbs?|city))")
# Details, by kind; "appositive" ones need the employee as their subject (see module notes).
DETAILS: tuple[tuple[str, bool, regex.Pattern], ...] = (
    ("age", False, regex.compile(
        rf"(?<!\w)(?:(?:turns|turned|turning|celebrates|celebrated|celebrating)[^\S\n]+"
        rf"{_AGE}(?!\w)|{_AGE}(?:st|nd|rd|th)[^\S\n]+birthday|(?:at[^\S\n]+)?(?:the[^\S\n]+)?"
        rf"age[^\S\n]+(?:of[^\S\n]+)?{_AGE}(?!\w)|aged[^\S\n]+{_AGE}(?!\w)|(?:is|was)[^\S\n]+"
        rf"{_AGE}[^\S\n]+years?[^\S\n]+(?:old|young)|{_AGE}[^\S\n]+years?[^\S\n]+young)", _I)),
    ("family", False, regex.compile(
        rf"(?<!\w)(?:his|her|their|whose)[^\S\n]+(?:(?:\w+|\d+)[^\S\n]+)?(?:and[^\S\n]+)?"
        rf"{_RELATIVE}(?!\w)", _I)),
    ("family", True, regex.compile(
        r"(?<!\w)(?:(?:father|mother|dad|mom|parent|grandfather|grandmother|grandpa|grandma|"
        r"grandparent)[^\S\n]+(?:of|to)[^\S\n]+(?:\w+|\d+)(?:[^\S\n]+(?:children|kids|boys|"
        r"girls|sons|daughters))?|expecting[^\S\n]+(?:a[^\S\n]+baby|twins|(?:his|her|their)"
        r"[^\S\n]+first(?:[^\S\n]+child)?|a[^\S\n]+(?:son|daughter|child))|engaged[^\S\n]+to"
        r"|married[^\S\n]+(?:to|for)[^\S\n]+\w+)(?!\w)", _I)),
    ("home", False, regex.compile(
        rf"(?<!\w)(?:(?:lives|lived|living|resides|resided|residing)[^\S\n]+(?:right[^\S\n]+)?"
        rf"(?:here[^\S\n]+)?(?:in|near|on|just[^\S\n]+outside(?:[^\S\n]+of)?)[^\S\n]+"
        rf"{_HOME_PLACE}|(?:grew[^\S\n]+up|was[^\S\n]+raised|born[^\S\n]+and[^\S\n]+raised)"
        rf"[^\S\n]+(?:in|on|near)[^\S\n]+{_HOME_PLACE}|(?:a[^\S\n]+)?(?:native|resident)"
        rf"[^\S\n]+of[^\S\n]+{_HOME_PLACE}|calls[^\S\n]+{_HOME_PLACE}[^\S\n]+home"
        rf"|where[^\S\n]+(?:he|she|they)[^\S\n]+(?:lives?|grew[^\S\n]+up|was[^\S\n]+raised|"
        rf"resides?)|(?:his|her|their)[^\S\n]+(?:own[^\S\n]+)?(?:home|house|apartment|"
        rf"neighbou?rhood|hometown|home[^\S\n]+town))(?!\w)", _I)),
    ("health", False, regex.compile(
        r"(?<!\w)(?:(?:battling|fighting|beat|beating|survived|survivor[^\S\n]+of|diagnosed"
        r"[^\S\n]+with|recovering[^\S\n]+from|undergoing|underwent|treatment[^\S\n]+for|living"
        r"[^\S\n]+with|suffers[^\S\n]+from|suffering[^\S\n]+from)[^\S\n]+(?:\w+[^\S\n]+){0,2}?"
        r"(?:cancer|leukemia|lymphoma|tumou?r|illness|disease|surgery|chemo(?:therapy)?|"
        r"stroke|heart[^\S\n]+attack|covid(?:-19)?|diabetes|ptsd|depression|addiction)"
        r"|(?:kidney|liver|heart|lung|bone[^\S\n]+marrow)[^\S\n]+transplant"
        r"|(?:on|from)[^\S\n]+(?:medical|sick|maternity|paternity|disability)[^\S\n]+leave)"
        r"(?!\w)", _I)),
    ("private", False, regex.compile(
        r"(?<!\w)(?:in[^\S\n]+(?:his|her|their)[^\S\n]+(?:spare|free|off-duty|off[^\S\n]+duty|"
        r"down)[^\S\n]+time|when[^\S\n]+(?:he|she|they)(?:'s|'re|[^\S\n]+is|[^\S\n]+are|"
        r"[^\S\n]+isn't|[^\S\n]+aren't)?[^\S\n]+not[^\S\n]+(?:on[^\S\n]+duty|on[^\S\n]+patrol|"
        r"at[^\S\n]+work|working|patrolling|in[^\S\n]+uniform)|(?:his|her|their)[^\S\n]+"
        r"(?:hobb(?:y|ies)|church|parish|mosque|synagogue|temple|religion|faith)"
        r"|(?:off[\s\-]duty|at[^\S\n]+home),?[^\S\n]+(?:he|she|they)[^\S\n]+(?:enjoys?|loves?|"
        r"likes?|spends?|coaches|plays|bakes|paints|restores|builds|collects|volunteers|"
        r"raises|gardens|fishes|hunts))(?!\w)", _I)),
)

# Somebody else between the employee and the detail: the detail is theirs.
OTHER_PERSON = regex.compile(
    r"(?<!\w)(?:man|men|woman|women|boys?|girls?|child|children|kids?|baby|babies|toddlers?|"
    r"infants?|residents?|neighbou?rs?|owners?|drivers?|victims?|suspects?|persons?|people|"
    r"famil(?:y|ies)|mothers?|fathers?|moms?|dads?|seniors?|students?|teens?|teenagers?|"
    r"customers?|callers?|pedestrians?|cyclists?|motorists?|passengers?|homeowners?|tenants?|"
    r"clients?|patients?|citizens?|couples?|lady|ladies|gentlem[ae]n|grand(?:mother|father|ma|"
    r"pa)s?|veterans?\s+(?:who|whose)|visitors?|guests?|friends?|someone|somebody|"
    r"mr|mrs|ms|miss)(?!\w)", _I)
# A name of two or more capitalised words that is not the employee's, an official's, a place's
# or a unit's ("Maria Lopez", but not "Englewood District" or "Commander Ortega").
OTHER_NAME = regex.compile(
    rf"(?<!{_TITLE}[^\S\n]+)(?-i:\p{{Lu}}\p{{Ll}}+(?:[^\S\n]+\p{{Lu}}\p{{Ll}}+)+)", _I)
_NOT_A_PERSON_ENDINGS = frozenset("""
district districts park police department station unit division bureau street avenue road
boulevard drive school award awards medal center centre library church hospital precinct area
team force academy office section group program day week month year ceremony event festival
parade run walk drive lake river beach market plaza square mall village club association
league
""".split())
# What may stand between the employee and an appositive detail: ", a 12-year veteran and ".
APPOSITIVE_END = regex.compile(
    r"(?:^|[,(:]|(?<!\w)(?:who|whose|is|was|who's|she's|he's|they're|and|as|became|being|"
    r"now|has\s+been|have\s+been|recently|just|also|his|her|their|celebrat\w+|turn\w*))"
    r"[^\S\n]*(?:(?:an?|the|proud|devoted|loving|busy|single|new|first-time|doting|"
    r"lifelong|longtime|happily|newly|recently|soon-to-be)[^\S\n]+)*$", _I)
# Just before an employee: "Proud dad Officer Smith", "A mother of three, Sgt. Ray".
BEFORE_EMPLOYEE = regex.compile(r"^[^\S\n]*,?[^\S\n]*(?:(?:and|to|for)[^\S\n]+)?$", _I)
PRONOUN_START = regex.compile(r"^[\s\"'“‘(]*(?:he|she|they|his|her|their)(?!\w)", _I)
# A sentence that goes on about the employee of the one before: "In his spare time he ...".
PRONOUN = regex.compile(r"(?<!\w)(?:he|she|they|his|her|their|him|them)(?!\w)", _I)
SENTENCE_END = regex.compile(
    r"(?<!(?<!\w)(?:sgt|ofc|lt|det|capt|cmdr|supt|cpl|mr|mrs|ms|dr|st|ave|no|jr|sr|p\.o|"
    r"\p{Lu}))[.!?]+(?=\s|$)|\n+", _I)
_GAP_MAX = 140


@dataclass(frozen=True)
class EmployeeDetail:
    kind: str   # "age", "family", "home", "health", "private", "detail"
    start: int
    end: int


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _other_name(gap: str) -> bool:
    return any(match.group(0).split()[-1].lower() not in _NOT_A_PERSON_ENDINGS
               for match in OTHER_NAME.finditer(gap))


def _clear_gap(gap: str) -> bool:
    return len(gap) <= _GAP_MAX and not OTHER_PERSON.search(gap) and not _other_name(gap)


def _details(text: str, start: int, end: int, phrases
             ) -> Iterator[tuple[str, bool, int, int]]:
    for kind, appositive, pattern in DETAILS:
        for match in pattern.finditer(text, start, end):
            yield kind, appositive, match.start(), match.end()
    if phrases is not None:
        for match in phrases.finditer(text, start, end):
            if match.end() > match.start():
                yield "detail", True, match.start(), match.end()


def _blanked(text: str, start: int, end: int, spans: Iterable[tuple[int, int]]) -> str:
    """``text[start:end]`` with the employee's details already found in it blanked out, so
    "a mother of three who lives in Beverly" ties both details to the employee."""
    chars = list(text[start:end])
    for span_start, span_end in spans:
        for index in range(max(span_start, start), min(span_end, end)):
            chars[index - start] = " "
    return "".join(chars)


def _about_the_employee(sentence: str) -> bool:
    """Does a sentence without an employee of its own go on about the one before? It speaks of
    "he", "she" or "they" before anybody else."""
    pronoun = PRONOUN.search(sentence)
    return pronoun is not None and _clear_gap(sentence[:pronoun.start()])


def _tied(text: str, mentions: list[tuple[int, int]], sentence_start: int,
          inherited: bool, appositive: bool, start: int, end: int,
          found: Iterable[tuple[int, int]]) -> bool:
    before = [m for m in mentions if m[1] <= start]
    if before:
        gap = _blanked(text, before[-1][1], start, found)
    elif inherited:
        gap = _blanked(text, sentence_start, start, found)
        gap = gap[PRONOUN_START.match(gap).end():] if PRONOUN_START.match(gap) else gap
        gap = " " + gap if gap and not gap[0].isspace() else gap
        if appositive and not PRONOUN.search(text, sentence_start, end) and gap.strip():
            return False
    else:
        after = [m for m in mentions if m[0] >= end]
        return bool(after) and bool(BEFORE_EMPLOYEE.match(text[end:after[0][0]]))
    if not _clear_gap(gap):
        return False
    return not appositive or bool(APPOSITIVE_END.search(gap)) or not gap.strip()


def find_employee_details(text: str, phrases: Iterable[str] = ()) -> list[EmployeeDetail]:
    """Every personal detail of an employee in ``text``; ``phrases`` are more detail words
    (the rule's list and an administrator's)."""
    detail_phrases = compile_phrases(tuple(phrases))
    mentions_all = [m.span() for m in EMPLOYEE.finditer(text)]
    if not mentions_all:
        return []
    starts = [m[0] for m in mentions_all]
    found: dict[tuple[int, int], str] = {}
    previous_had_employee = False
    for sentence_start, sentence_end in _sentences(text):
        first = bisect_left(starts, sentence_start)
        mentions = mentions_all[first:bisect_left(starts, sentence_end, first)]
        inherited = (not mentions and previous_had_employee
                     and _about_the_employee(text[sentence_start:sentence_end]))
        if mentions or inherited:
            for mention_start, mention_end in mentions:
                age = AGE_AFTER.match(text[mention_end:sentence_end])
                if age:
                    found.setdefault((mention_end + age.start("age"), mention_end + age.end()),
                                     "age")
                offset = max(sentence_start, mention_start - 40)
                age = AGE_BEFORE.search(text[offset:mention_start])
                if age:
                    found.setdefault((offset + age.start("quote"), offset + age.end("quote")),
                                     "age")
            candidates = sorted(_details(text, sentence_start, sentence_end, detail_phrases),
                                key=lambda detail: (detail[2], -detail[3]))
            for kind, appositive, start, end in candidates:
                if any(m[0] <= start < m[1] for m in mentions):
                    continue  # inside the employee's own name or title
                if _tied(text, mentions, sentence_start, inherited, appositive, start, end,
                         found):
                    found.setdefault((start, end), kind)
        # The next sentence's "he" or "she" is the employee only if nobody else was named
        # after them ("Officer Smith found the boy. He had been missing ...": the boy).
        last = mentions[-1][1] if mentions else sentence_start
        previous_had_employee = (bool(mentions) or inherited) and _clear_gap(
            _blanked(text, last, sentence_end, found))
    merged: list[EmployeeDetail] = []
    for (start, end), kind in sorted(found.items()):
        if merged and start < merged[-1].end:
            if end > merged[-1].end:
                merged[-1] = EmployeeDetail(merged[-1].kind, merged[-1].start, end)
            continue
        merged.append(EmployeeDetail(kind, start, end))
    return merged
