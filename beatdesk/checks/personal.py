"""Personal information detectors (Massachusetts IV.A.4.b.3 and IV.A.4.c).

Real parsers where they exist: phone numbers go through libphonenumber (``phonenumbers``, the
only module that imports it). Dates of birth, street addresses, e-mail addresses and Social
Security numbers are recognised by the documented patterns below.
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers
import regex
from phonenumbers import PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

from .findings import CheckContext

MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
        rf"|\d{{4}}-\d{{2}}-\d{{2}}"
        rf"|{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
        rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS},?\s+\d{{4}})")
# A birth label followed by a full date: "DOB 03/15/1990", "born on March 15, 1990".
# "Never give a caller your date of birth" (no date) and "born in 1990" (a year) stay clear.
DATE_OF_BIRTH = re.compile(
    rf"(?<!\w)(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?)"
    rf"\s*(?::|-|\bis\b|\bwas\b)?\s*{DATE}(?!\w)", re.IGNORECASE)

SUFFIXES = (r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Court|Ct|Place|Pl|"
            r"Way|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl")
# A house number, an optional direction, one to four capitalised words (any script), and a
# street suffix: "1718 S. State St.", "42 Elm Street Apt 3", "1530 W. Ñandú Ave."; or, with a
# direction, no suffix: "4412 N. Kedzie". A block ("the 1200 block of Main Street") has no
# capitalised word right after its number, so it is never an address.
_DIRECTION = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+"
_UNIT = r"(?:,?\s*(?i:Apt|Apartment|Unit|Suite|Ste|#)\.?\s*[\w-]+)?"
STREET_ADDRESS = regex.compile(
    rf"(?<![\w/.,$-])\d{{1,6}}[A-Za-z]?\s+"
    rf"(?:(?:{_DIRECTION})?(?:[\p{{Lu}}0-9][\w'’.-]*\s+){{1,4}}?(?i:{SUFFIXES})\b\.?"
    rf"|{_DIRECTION}(?:\p{{Lu}}[\p{{L}}\p{{M}}'’-]*|\d+(?:st|nd|rd|th))"
    rf"(?:\s+\p{{Lu}}[\p{{L}}\p{{M}}'’-]*)?(?![\w.]*\s+(?i:block)))"
    rf"{_UNIT}")
# Words just before an address that say it is where somebody lives.
RESIDENCE_CUE = re.compile(
    r"(?<!\w)(?:lives?|living|resides?|residing|residence|home|house|apartment|moved\s+to|"
    r"address|residents?\s+of|homeowners?|tenants?)(?!\w)[^.!?\n]{0,40}$", re.IGNORECASE)
# A person "of" an address: "Maria Lopez, 34, of 1200 N. Main St.", "John Doe of 12 Elm St.".
PERSON_OF = regex.compile(r"(?:\b\d{1,3}\s*,|\p{Lu}[\p{Ll}\p{M}'’-]+,?)\s+of\s+$")
# Words just after an address that say somebody lives there: ", where she lives".
RESIDENCE_AFTER = regex.compile(
    r"^[^.!?\n]{0,20}?(?<!\w)where\s+(?:she|he|they|the\s+\w+|\p{Lu}\w+)\s+"
    r"(?:lives?|lived|resides?|resided|stays?|stayed|rents?)(?!\w)", regex.IGNORECASE)
# A flat or unit number makes an address somebody's home (a suite is an office).
HOME_UNIT = re.compile(r"(?i:Apt|Apartment|Unit|#)\.?\s*[\w-]+$")
EMAIL = re.compile(r"(?<![\w.+@-])[\w.+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![\w@])")
# Social Security numbers: never 000, 666 or 9xx in the area, 00 in the group or 0000 in the
# serial. Dashed or spaced, or nine digits right after an "SSN" label.
SSN = re.compile(
    r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])"
    r"|(?i:\bSSN|\bSS#|\bsocial\s+security(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*"
    r"(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}(?!\d)")

# Organisational lines (tip hotlines and the like) rather than somebody's own phone.
ORGANISATIONAL_NUMBER_TYPES = frozenset({PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST,
                                         PhoneNumberType.UAN, PhoneNumberType.PREMIUM_RATE})

_ABBREVIATIONS = {
    "street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
    "lane": "ln", "court": "ct", "place": "pl", "terrace": "ter", "circle": "cir",
    "parkway": "pkwy", "highway": "hwy", "square": "sq", "trail": "trl", "north": "n",
    "south": "s", "east": "e", "west": "w", "apartment": "apt", "suite": "ste",
}


@dataclass(frozen=True)
class PersonalMatch:
    kind: str   # "date_of_birth", "home_address", "street_address", "phone", "email", "ssn"
    start: int
    end: int


def official_phone(raw: str, region: str = "US") -> str | None:
    """A contact phone as typed in the settings, in E.164; ``None`` if it isn't a number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def email_domain(value: str) -> str:
    return value.rpartition("@")[2].strip().lower() if "@" in value else ""


def website_domain(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def normalise_address(value: str) -> str:
    words = re.findall(r"[a-z0-9#]+", value.lower())
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _official_domain(domain: str, official: frozenset[str]) -> bool:
    domain = domain.lower()
    return any(domain == d or domain.endswith("." + d) for d in official if d)


def find_personal_information(text: str, context: CheckContext) -> Iterator[PersonalMatch]:
    """Every date of birth, street address, phone number, e-mail and SSN the text gives away,
    except the department's and districts' own contact details."""
    for match in DATE_OF_BIRTH.finditer(text):
        yield PersonalMatch("date_of_birth", match.start(), match.end())

    official_addresses = [normalise_address(a) for a in context.official_addresses if a.strip()]
    for match in STREET_ADDRESS.finditer(text):
        found = normalise_address(match.group(0))
        if any(found and found in official for official in official_addresses):
            continue
        before = text[max(0, match.start() - 60):match.start()]
        after = text[match.end():match.end() + 60]
        home = (RESIDENCE_CUE.search(before) or PERSON_OF.search(before)
                or RESIDENCE_AFTER.search(after) or HOME_UNIT.search(match.group(0)))
        kind = "home_address" if home else "street_address"
        yield PersonalMatch(kind, match.start(), match.end())

    for match in PhoneNumberMatcher(text, context.region or "US",
                                    leniency=phonenumbers.Leniency.VALID):
        e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        if e164 in context.official_phones:
            continue
        if phonenumbers.number_type(match.number) in ORGANISATIONAL_NUMBER_TYPES:
            continue
        yield PersonalMatch("phone", match.start, match.end)

    for match in EMAIL.finditer(text):
        if not _official_domain(match.group(1), context.official_email_domains):
            yield PersonalMatch("email", match.start(), match.end())

    for match in SSN.finditer(text):
        yield PersonalMatch("ssn", match.start(), match.end())
