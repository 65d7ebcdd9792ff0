"""Automatic screening of visitor comments: the reasons a comment waits for a moderator.

Each rule is a documented word list or pattern, tested with text it must catch and near-miss
text it must leave alone (``tests/test_screening.py``). Screening never decides a comment's
fate: it *holds* a comment for review (or, for an admin keyword marked "flag", only marks it),
and a moderator approves, hides or removes it citing the Takedown Policy.

Rules (``RULES``):

- ``obscenity``: obscene words and slurs (this module's list, plus the post checks' "obscene"
  and "demeaning" lists so both stay one vocabulary);
- ``threat``: threats of violence ("I'll kill you", "watch your back", "should be shot");
- ``attack``: insults aimed at a person ("you are an idiot"); criticism of a decision, a policy
  or the department is not an attack and is never held for its opinion;
- ``personal_info``: phone numbers, e-mail addresses, SSNs, dates of birth and street
  addresses, found by the post checks' detectors (``beatdesk.checks``);
- ``spam``: three or more links, or a known spam phrase;
- ``keyword``: an administrator's phrase (``ScreeningKeyword``), set to hold or only flag.

Blocked commenters (``find_block``) are not screened: their comments are refused outright.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beatdesk import clock
from beatdesk.models import CommenterBlock, District, KeywordAction, ScreeningKeyword


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    description: str


RULES = (
    Rule("obscenity", "Obscenity or slur",
         "Obscene or sexually explicit words, and slurs against a protected class."),
    Rule("threat", "Threat", "A threat of violence against a person or a group."),
    Rule("attack", "Personal attack", "An insult aimed at a person (\"you are an idiot\")."),
    Rule("personal_info", "Personal information",
         "A phone number, e-mail address, social security number, date of birth or street "
         "address."),
    Rule("spam", "Links or spam", "Three or more links, or a known spam phrase."),
    Rule("keyword", "Keyword list", "A word or phrase an administrator listed."),
)
RULE_TITLES = {rule.code: rule.title for rule in RULES}


@dataclass(frozen=True)
class ScreenFlag:
    """One reason to hold (or, when ``holds`` is false, only mark) a comment."""

    rule: str
    reason: str
    quote: str
    holds: bool = True

    @property
    def title(self) -> str:
        return RULE_TITLES.get(self.rule, self.rule)


# --- word lists -------------------------------------------------------------------------------
# Stems matched as whole words, with common endings; "Scunthorpe", "cocktail", "assessment",
# "class" and "fire retardant" stay clean because matching is on word boundaries.
OBSCENE_STEMS = (
    "fuck", "motherfuck", "shit", "bullshit", "asshole", "arsehole", "bitch", "cunt", "cock",
    "cocksucker", "dickhead", "pussy", "whore", "slut", "bastard", "porn", "wanker", "twat",
)
# Slurs against protected classes (kept minimal; extend with admin keywords).
SLURS = (
    "nigger", "nigga", "faggot", "fag", "kike", "spic", "chink", "wetback", "tranny", "retard",
    "gook", "raghead",
)
_ENDINGS = r"(?:s|es|ed|er|ers|ing|in|y|head|heads)?"
# Visitors dodge filters with digits and symbols: "sh1t", "f*ck", "a$$hole".
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i"})
_MASKED = re.compile(r"\b(f[*#]+(?:c?k|ck)|sh[*#]+t|b[*#]+tch|c[*#]+nt|a[*#]{2,}hole)\w*",
                     re.IGNORECASE)


def _word_pattern(words: Iterable[str]) -> re.Pattern:
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives}){_ENDINGS}(?![\w])", re.IGNORECASE)


_OBSCENE = _word_pattern(OBSCENE_STEMS + SLURS)

_FUTURE = (r"(?:'ll|will|shall|am going to|'m going to|m going to|are going to|'re going to|"
           r"gonna|going to)")
_HARM = r"(?:kill|shoot|stab|hurt|murder|beat up|strangle|rape|slit|execute)"
_TARGET = (r"(?:you|u|ya|him|her|them|your|his|their|y'all|every|all|"
           r"(?:that|the|this|those|these)\s+(?:guy|man|woman|cop|cops|pig|pigs|officer|officers|"
           r"sergeant|chief|commander|mayor|people|kid|family))\b")
THREAT_PATTERNS = (
    re.compile(rf"\b(?:i|we)\s*{_FUTURE}\s+(?:\w+\s+)?{_HARM}\s+{_TARGET}", re.IGNORECASE),
    re.compile(rf"\b(?:i'll|we'll|ill)\s+(?:\w+\s+)?{_HARM}\s+{_TARGET}", re.IGNORECASE),
    re.compile(r"\byou(?:'re| are| r|re)?\s+(?:going to|gonna)\s+(?:die|bleed|regret (?:this|it))\b",
               re.IGNORECASE),
    re.compile(r"\b(?:better\s+)?watch\s+your\s+back\b", re.IGNORECASE),
    re.compile(r"\bi\s+know\s+where\s+(?:you|he|she|they)\s+lives?\b", re.IGNORECASE),
    re.compile(r"\b(?:should|ought to|deserves? to|needs? to)\s+be\s+(?:shot|killed|hanged|hung|"
               r"lynched|executed|beaten|stabbed|burned)\b", re.IGNORECASE),
    re.compile(r"\b(?:kill|shoot)\s+(?:all|every)\s+(?:the\s+)?(?:cops?|police|officers?|of them)\b",
               re.IGNORECASE),
    re.compile(r"\bdeath\s+to\s+(?:all\s+|the\s+)?\w+", re.IGNORECASE),
)

INSULTS = ("idiot", "idiots", "moron", "morons", "imbecile", "imbeciles", "stupid", "dumb",
           "loser", "losers", "scum", "scumbag", "scumbags", "worthless", "pathetic", "clown",
           "clowns", "jerk", "jerks", "fool", "fools", "trash", "garbage", "dumbass", "dimwit",
           "pig", "pigs", "lowlife", "dirtbag", "dirtbags", "ignorant")
_INSULT = "|".join(INSULTS)
ATTACK_PATTERNS = (
    # "you are an idiot", "you're such a pathetic loser", "you pigs"
    re.compile(rf"\byou(?:'re| are| r|re)?\s+(?:(?:a|an|such an?|so|the most|nothing but "
               rf"an?|all|just an?|bunch of)\s+)*(?:\w+\s+)?(?:{_INSULT})\b", re.IGNORECASE),
    re.compile(rf"\bwhat\s+an?\s+(?:\w+\s+)?(?:{_INSULT})\b", re.IGNORECASE),
    re.compile(rf"\b(?:shut\s+up|get\s+lost)\s*,?\s+(?:you\s+)?(?:\w+\s+)?(?:{_INSULT})\b",
               re.IGNORECASE),
)

SPAM_PHRASES = (
    "click here", "buy now", "limited time offer", "act now", "viagra", "cialis",
    "online casino", "payday loan", "buy followers", "make money fast", "100% free",
    "work from home and earn", "crypto giveaway", "double your bitcoin", "seo services",
    "cheap replica", "dm me to earn",
)
_SPAM = re.compile("|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in SPAM_PHRASES),
                   re.IGNORECASE)
_EARNINGS = re.compile(r"\b(?:earn|make)\s+\$\s?\d[\d,]*\s*(?:a|per|/)\s*(?:day|week|hour)\b",
                       re.IGNORECASE)
_LINK = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|"
                   r"org|info|biz|io|ru|xyz|top|click|shop|online|site|gov|edu|us)(?:/[^\s<>\"]*)?",
                   re.IGNORECASE)
MAX_LINKS = 2  # a comment with more links than this is held

QUOTE_MAX = 300


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX - 1] + "…"


def _first(patterns: Sequence[re.Pattern], text: str) -> re.Match | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match
    return None


def links_in(text: str) -> list[str]:
    return [m.group(0) for m in _LINK.finditer(text)]


def screen_text(text: str, *, keywords: Sequence[ScreeningKeyword] = (),
                detector_findings: Sequence = ()) -> list[ScreenFlag]:
    """Every screening flag for ``text``; an empty list lets the comment through.

    ``detector_findings`` are the post checks' findings for the same text (personal
    information, obscene and demeaning words); ``keywords`` the administrator's active phrases.
    """
    flags: list[ScreenFlag] = []
    plain = unicodedata.normalize("NFKC", text)
    folded = plain.translate(_LEET)  # same length as plain: one character for one
    seen: set[tuple[str, str]] = set()

    def add(rule: str, reason: str, quote: str, holds: bool = True) -> None:
        key = (rule, quote.casefold())
        if key not in seen:
            seen.add(key)
            flags.append(ScreenFlag(rule, reason, _quote(quote), holds))

    for pattern in (_OBSCENE, _MASKED):
        for match in pattern.finditer(folded):
            add("obscenity", "Obscene language or a slur.", plain[match.start():match.end()])
    for finding in detector_findings:
        if finding.rule in ("obscene", "demeaning"):
            add("obscenity", "Obscene language or a slur.", finding.quote)

    threat = _first(THREAT_PATTERNS, plain)
    if threat:
        add("threat", "Looks like a threat of violence.", threat.group(0))
    attack = _first(ATTACK_PATTERNS, plain)
    if attack:
        add("attack", "Looks like an insult aimed at a person.", attack.group(0))

    for finding in detector_findings:
        if finding.rule == "personal_info":
            add("personal_info", f"Personal information: {finding.title.lower()}.",
                finding.quote)

    links = links_in(plain)
    if len(links) > MAX_LINKS:
        add("spam", f"Contains {len(links)} links (more than {MAX_LINKS}).", " ".join(links))
    spam = _SPAM.search(plain) or _EARNINGS.search(plain)
    if spam:
        add("spam", "A known spam phrase.", spam.group(0))

    for keyword in keywords:
        match = keyword_pattern(keyword.phrase).search(plain)
        if match:
            holds = keyword.action == KeywordAction.HOLD
            add("keyword", f"Listed phrase “{keyword.phrase}” ({keyword.action.label.lower()}).",
                match.group(0), holds)
    return flags


def keyword_pattern(phrase: str) -> re.Pattern:
    """An admin phrase matched as whole words, whatever the case and spacing."""
    words = [re.escape(unicodedata.normalize("NFKC", w)) for w in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def active_keywords(session: Session) -> list[ScreeningKeyword]:
    return list(session.scalars(select(ScreeningKeyword).where(ScreeningKeyword.active.is_(True))
                                .order_by(ScreeningKeyword.id)))


def detector_findings_for(text: str, context) -> list:
    """The post checks' detectors run over a comment (personal information, obscene words),
    with ``context`` (a ``checks.CheckContext``) naming the official contact details."""
    from beatdesk import checks

    return [f for f in checks.run_checks(text, context=context)
            if f.rule in ("personal_info", "obscene", "demeaning")]


def detector_findings(session: Session, district: District, text: str) -> list:
    """The post checks' detectors run over a comment (personal information, obscene words).

    The district's and department's own phone numbers, addresses and e-mail domains are
    official, so a visitor quoting them is not flagged.
    """
    from beatdesk import checks

    return detector_findings_for(text, checks.context_for(session, district))


def screen_comment(session: Session, district: District, text: str,
                   name: str = "") -> list[ScreenFlag]:
    """Screen a visitor's comment with every rule, the detectors and the admin keywords.

    The name the visitor gives is shown too, so it is screened by the word rules (not for
    personal information: a name is expected there).
    """
    keywords = active_keywords(session)
    flags = screen_text(text, keywords=keywords,
                        detector_findings=detector_findings(session, district, text))
    seen = {(flag.rule, flag.quote.casefold()) for flag in flags}
    for flag in screen_text(name, keywords=keywords) if name else ():
        if (flag.rule, flag.quote.casefold()) not in seen:
            flags.append(ScreenFlag(flag.rule, f"In the name: {flag.reason[0].lower()}"
                                               f"{flag.reason[1:]}", flag.quote, flag.holds))
    return flags


# --- blocks -----------------------------------------------------------------------------------

def normalise_email(email: str) -> str:
    return email.strip().lower()


def parse_network(value: str) -> str:
    """A CIDR block in canonical form ("203.0.113.7" becomes "203.0.113.7/32").

    Raises ValueError for anything that is not an address or network.
    """
    return str(ipaddress.ip_network(value.strip(), strict=False))


def _active_blocks(now: datetime):
    return select(CommenterBlock).where(
        CommenterBlock.lifted_at.is_(None),
        or_(CommenterBlock.expires_at.is_(None), CommenterBlock.expires_at > now))


def find_block(session: Session, email: str, client_addr: str) -> CommenterBlock | None:
    """The active block matching this e-mail address or client address, if any."""
    now = clock.utcnow()
    email = normalise_email(email)
    conditions = [CommenterBlock.network != ""]
    if email:
        conditions.append(CommenterBlock.email == email)
    candidates = session.scalars(_active_blocks(now).where(or_(*conditions))
                                 .order_by(CommenterBlock.id))
    try:
        address = ipaddress.ip_address(client_addr) if client_addr else None
    except ValueError:
        address = None
    for block in candidates:
        if email and block.email == email:
            return block
        if block.network and address is not None:
            network = ipaddress.ip_network(block.network, strict=False)
            if address.version == network.version and address in network:
                return block
    return None
