"""Automatic screening of visitor comments: the reasons a comment waits for a moderator.

Each rule is a documented word list or pattern, tested with text it must catch and near-miss
text it must leave alone (``tests/test_screening.py``), and measured on a labelled corpus of
comments (``bench/screening_corpus.py``). Screening never decides a comment's fate: it *holds*
a comment for review (or, for an admin keyword marked "flag", only marks it), and a moderator
approves, hides or removes it citing the Takedown Policy.

Rules (``RULES``):

- ``obscenity``: vulgar and sexually explicit words, whoever they are aimed at (this module's
  list, plus the post checks' "obscene" list so both stay one vocabulary);
- ``slur``: slurs against a protected class (this module's list and the checks' "demeaning");
- ``threat``: threats of violence ("I'll kill you", "watch your back", "should be shot",
  "burn the precinct down");
- ``attack``: insults and name-calling aimed at a person: an officer, another visitor, anyone
  ("you are an idiot", "Officer Reyes is a moron", "these pigs", "get lost, loser");
- ``personal_info``: phone numbers, e-mail addresses, SSNs, dates of birth and street
  addresses, found by the post checks' detectors (``beatdesk.checks``);
- ``spam``: three or more links, or a known spam phrase;
- ``keyword``: an administrator's phrase (``ScreeningKeyword``), set to hold or only flag.

Viewpoint neutrality: criticism of a decision, a policy, the department or an officer's
conduct is never held for its opinion, however harsh. Words that judge conduct ("corrupt",
"incompetent", "liar", "cowardly", "useless", "thugs") are criticism; words whose only content
is contempt for a person ("idiot", "moron", "scum", "pigs", "clown") are name-calling.
Contempt words said of a thing ("this rule is stupid", "the answer was garbage", "a clown
show") are criticism too: the ``attack`` rule needs the word aimed at a person.

Visitors dodge word lists, so words are matched on a *skeleton* of the text: Unicode
compatibility forms folded (NFKC: full-width and mathematical letters), accents and invisible
characters dropped, look-alike letters from other scripts read as the Latin letter they
imitate (the Unicode confusables data of ``confusable_homoglyphs``), letters spaced out one by
one joined ("i d i o t", "i.d.i.o.t"), and in the words themselves digits and symbols read as
letters ("sh1t", "@$$hole", "f*ck") and repeated letters as one ("idiooot"). Quotes shown to
moderators are always the visitor's own characters.

Blocked commenters (``find_block``) are not screened: their comments are refused outright.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from confusable_homoglyphs.confusables import confusables_data
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from beatdesk import clock
from beatdesk.models import CommenterBlock, District, KeywordAction, ScreeningKeyword


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    description: str


RULES = (
    Rule("obscenity", "Obscenity",
         "Vulgar or sexually explicit words (Takedown clause 1), whoever they are aimed at."),
    Rule("slur", "Slur", "A slur against a protected class (Takedown clause 5)."),
    Rule("threat", "Threat", "A threat of violence against a person, a group or property "
                             "(Takedown clause 4)."),
    Rule("attack", "Personal attack",
         "An insult or name-calling aimed at a person: an officer, a visitor or anyone else "
         "(\"you are an idiot\", \"these pigs\"; Takedown clause 3). Criticism of a decision, "
         "a policy or someone's conduct is not an attack."),
    Rule("personal_info", "Personal information",
         "A phone number, e-mail address, social security number, date of birth or street "
         "address (Takedown clause 7)."),
    Rule("spam", "Links or spam", "Three or more links, or a known spam phrase (Takedown "
                                  "clause 6)."),
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


# --- the skeleton words are matched on ---------------------------------------------------------

_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u0060\u00b4\u2032"), "'")


def _latin(char: str) -> str:
    """The Latin letter ``char`` imitates (Unicode confusables data), or ""."""
    latin = [g["c"] for g in confusables_data.get(char, ())
             if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalpha()]
    return latin[0].lower() if latin else ""


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """What one character of a comment reads as: lower-case, unaccented, Latin where it
    imitates a Latin letter; "" for marks and invisible characters."""
    char = char.translate(_APOSTROPHES)
    lowered = char.lower()
    # look-alikes first: compatibility folding would turn some into other non-Latin letters
    # (a lunate sigma "ϲ" into "ς")
    if len(lowered) == 1 and not lowered.isascii() and _latin(lowered):
        return _latin(lowered)
    out = []
    for part in unicodedata.normalize("NFKC", char):
        for piece in unicodedata.normalize("NFKD", part.lower()):
            if unicodedata.combining(piece) or unicodedata.category(piece) in ("Cf", "Mn"):
                continue
            if not piece.isascii():
                piece = _latin(piece) or piece
            out.append(piece)
    return "".join(out)


# Single letters (or digits) each followed by one separator: a word spelt out to slip past a
# filter ("s t u p i d", "i.d.i.o.t", "b-i-t-c-h"). Spaces need four letters, so that text-speak
# ("u r a joke") keeps its words.
_SPACED = re.compile(r"(?<![^\W_])(?:(?:[^\W_] ){3,}|(?:[^\W_][.\-_*]){2,})[^\W_](?![^\W_])")


@dataclass(frozen=True)
class Skeleton:
    """A comment as the word rules read it, and where each of its characters came from."""

    text: str
    origin: tuple[int, ...]  # index in the original text of each character of ``text``
    source: str

    def quote(self, start: int, end: int) -> str:
        """The visitor's own characters behind ``text[start:end]``."""
        if start >= end:
            return ""
        return self.source[self.origin[start]:self.origin[end - 1] + 1]


def skeleton(text: str) -> Skeleton:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            chars.append(folded)
            origin.append(index)
    folded_text = "".join(chars)
    # join spelt-out words, dropping the single separators between their letters
    keep = [True] * len(folded_text)
    for match in _SPACED.finditer(folded_text):
        for i in range(match.start() + 1, match.end(), 2):
            keep[i] = False
    chars = [c for c, k in zip(folded_text, keep) if k]
    origin = [o for o, k in zip(origin, keep) if k]
    return Skeleton("".join(chars), tuple(origin), text)


# In a listed word, a letter may be written as a digit or symbol, or repeated ("sh1t",
# "@$$hole", "idiooot"). Masked words ("f**k", "sh*t") are matched apart (``_masked``), so that
# no pattern has to guess which letter a "*" stands for.
_LEET = {"a": "a4@", "b": "b8", "e": "e3", "g": "g9", "i": "i1!|l¡", "l": "l1|i", "o": "o0",
         "s": "s5$", "t": "t7+", "u": "uv"}


def _fuzzy(word: str) -> str:
    """A regular expression for a listed word. A letter's class repeats possessively, or at most
    12 times when the next letter's class shares characters with it ("lowlife": "l" may be
    written "1", and so may "i"), so that no input makes it backtrack much."""
    tokens: list[tuple[str, str]] = []  # ("class", characters) or ("raw", regex)
    for position, char in enumerate(word):
        if char == "*" and position == len(word) - 1:
            tokens.append(("raw", "[a-z]*+"))  # a trailing * in a list: any ending
        elif char == " ":
            tokens.append(("raw", r"[\s\-]*+"))
        elif char == "-":
            tokens.append(("raw", r"[\s\-]?+"))
        elif char.isalpha():
            letters = _LEET.get(char, char)
            if not (tokens and tokens[-1] == ("class", letters)):  # "ll" reads like "l"
                tokens.append(("class", letters))
        else:
            tokens.append(("raw", re.escape(char)))
    parts = []
    for index, (kind, spec) in enumerate(tokens):
        if kind == "raw":
            parts.append(spec)
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        overlaps = following is not None and following[0] == "class" and set(spec) & set(
            following[1])
        # a class that could hand letters to the next one is bounded, so giving them back
        # costs a few steps, not one per letter of the comment
        parts.append(f"[{re.escape(spec)}]" + ("{1,12}" if overlaps else "++"))
    return "".join(parts)


def _word_pattern(words: Iterable[str]) -> re.Pattern:
    alternatives = "|".join(_fuzzy(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def _phrases(words: Iterable[str]) -> str:
    return "|".join(_fuzzy(w) for w in sorted(words, key=len, reverse=True))


# --- word lists --------------------------------------------------------------------------------
# Entries match whole words; a trailing * matches any ending. Words with a common innocent
# meaning ("cock", "dick", "pussy", "ass", "prick", "porn" in "porn spam") are left out, and so
# are mild words the Takedown Policy does not call vulgar ("damn", "hell", "crap", "pissed").
OBSCENE_WORDS = (
    "fuck*", "fck*", "fuk", "fuking", "fukin", "phuck*", "motherfuck*", "clusterfuck*", "f-ing",
    "f-in", "shit*", "shite", "bullshit*", "horseshit*", "chickenshit*", "dipshit*", "cunt*",
    "asshole*", "arsehole*", "bitch*", "biatch", "whore*", "slut*", "twat*", "wanker*",
    "dickhead*", "cocksucker*", "bollocks", "bastard*", "porno", "blowjob*", "handjob*",
    "jerk off", "jack off", "dildo*", "cumshot*",
)
# Slurs against protected classes: kept minimal; administrators extend the post checks'
# "demeaning" list (used here too) without a code change.
SLUR_WORDS = (
    "nigger*", "nigga*", "niggaz", "faggot*", "fag", "fags", "fagg*", "kike", "kikes", "spic",
    "spics", "chink", "chinks", "wetback*", "tranny", "trannies", "retard", "retards",
    "retarded", "gook", "gooks", "raghead*", "towelhead*", "sand nigger*", "dyke", "dykes",
    "beaner", "beaners", "spaz", "mongoloid*", "coons",
)
# Innocent phrases that contain a listed word.
SLUR_EXCEPTIONS = re.compile(r"chink in (?:the|our|their|his|her|my|your) armou?r|"
                             r"spic[\s\-]and[\s\-]span")

_OBSCENE = _word_pattern(OBSCENE_WORDS)
_SLUR = _word_pattern(SLUR_WORDS)

# A word with letters hidden behind "*" or "#" ("f**k", "sh*t", "f#cking", "n****r"): it counts
# when its first letter and every letter it shows fit a listed word of the same length.
_MASKED_TOKEN = re.compile(r"(?<![a-z0-9@$!|])[a-z0-9@$!|]++[*#][a-z0-9@$!|*#]*+")
_ENDING_FORMS = ("", "s", "ed", "er", "ers", "ing", "in", "y", "ty", "head", "heads")


def _forms(words: Iterable[str]) -> dict[int, list[str]]:
    by_length: dict[int, list[str]] = {}
    for word in words:
        if " " in word or "-" in word:
            continue
        endings = _ENDING_FORMS if word.endswith("*") else ("",)
        for ending in endings:
            form = word.rstrip("*") + ending
            by_length.setdefault(len(form), []).append(form)
    return by_length


_MASKABLE = (("obscenity", _forms(OBSCENE_WORDS)), ("slur", _forms(SLUR_WORDS)))


def _masked(token: str) -> tuple[str, str] | None:
    """The rule and listed word a masked token stands for, if any."""
    for rule, by_length in _MASKABLE:
        for form in by_length.get(len(token), ()):
            if token[0] in _LEET.get(form[0], form[0]) and all(
                    t in "*#" or t in _LEET.get(f, f) for t, f in zip(token, form)):
                return rule, form
    return None

# Name-calling. STRONG words are insults wherever they stand (unless the writer means
# themselves: "I felt like an idiot"); WEAK words have innocent uses ("a pig got loose", "the
# plan is garbage", "the clown at the fair") and count only when aimed at a person.
STRONG_INSULTS = (
    "idiot", "idiots", "idiota", "idiotas", "moron", "morons", "moronic", "imbecile*",
    "dumbass*", "jackass*", "scumbag*", "scum", "lowlife", "lowlifes", "low life", "low lifes",
    "dirtbag*", "douchebag*", "douche", "douches", "cretin*", "numbskull*", "nitwit*",
    "halfwit*", "dimwit*", "bootlicker*", "bootlicking", "boot licker*", "boot licking",
    "brain-dead", "brainless", "pea-brained", "knuckle-dragger*", "stfu", "gtfo",
)
WEAK_INSULTS = (
    "stupid", "stupidest", "dumb", "dumber", "dumbest", "pathetic", "worthless", "clown",
    "clowns", "fool", "fools", "loser", "losers", "pig", "pigs", "jerk", "jerks", "trash",
    "garbage", "sheep", "rat", "rats", "twit", "twits", "muppet", "muppets", "tool", "tools",
    "idiotic", "piggy",
)
# Not here on purpose: "joke", "disgusting", "ignorant", "useless", "incompetent", "corrupt",
# "liar", "coward": they judge what someone did or said ("the chief is a joke", "the officers
# were ignorant of the new law") and stay as criticism.
# Weak words that are never an insult as a whole sentence or after "what a" ("Garbage.",
# "What a joke."): said of a thing, they are criticism.
_THING_WORDS = ("trash", "garbage", "stupid", "dumb", "pathetic", "idiotic", "worthless",
                "tool", "tools")
PEOPLE = (
    "cop", "cops", "copper", "coppers", "officer", "officers", "police", "policeman",
    "policemen", "policewoman", "policewomen", "sergeant", "sgt", "detective", "detectives",
    "lieutenant", "chief", "commander", "deputy", "deputies", "captain", "trooper", "troopers",
    "people", "commenter", "commenters", "poster", "guy", "guys", "man", "men", "woman",
    "women", "lady", "dude", "he", "she", "they", "judge", "mayor", "snitch", "pig", "pigs",
)
# Who a contempt word placed before a noun insults ("idiot cops"); "a fat man" or "stupid
# people" describe someone or no one in particular.
OFFICIALS = tuple(p for p in PEOPLE if p not in (
    "people", "guy", "guys", "man", "men", "woman", "women", "lady", "dude", "he", "she", "they",
    "poster"))
_ARTICLES = (r"(?:a|an|the|such|so|such an?|the most|the biggest|nothing but|all|just|bunch of|"
             r"a bunch of|total|complete|absolute|utter|real|fucking|f\*+cking|damn|freaking|"
             r"little|big|lying|sack of|piece of|typical|brain|pure|you|whole|lot of|an? "
             r"absolute|an? total|an? complete|clueless|spineless|useless|corrupt|lazy|racist|"
             r"fascist|incompetent|two-bit|dirty|stinking|miserable|sorry|ignorant|disgusting|ugly|"
             r"[a-z]+\s+(?:and|or|&)(?:\s+an?)?)")
_STRONG = _phrases(STRONG_INSULTS)
_WEAK = _phrases(WEAK_INSULTS)
_ANY_INSULT = f"(?:{_STRONG}|{_WEAK})"
# The writer calling themselves names ("I felt like an idiot", "call me a fool").
_SELF = re.compile(r"(?:\bi'?m|\bi\s+am|\bi\s+was|\bi\s+was\s+being|\bfelt\s+like|\bfeel\s+like|"
                   r"\bcall\s+me|\bme,?|\bmyself|\bam\s+i|\bmade\s+me\s+(?:look|feel)\s+like|"
                   r"\bi\s+(?:looked|look|acted)\s+like)\s+(?:(?:a|an|such|so|total|complete|"
                   r"absolute|the|biggest|real|like|bit\s+of\s+an?|an?\s+absolute)\s+)*$")
_NOT_A_PERSON_AFTER = re.compile(r"\s*(?:-|\s)(?:show|car|world|college|school|shoes|costume|"
                                 r"roast|farm|pen|pens|tail|tails|light|lights|box|proof|"
                                 r"pickup|fish|nose)\b")
# After "stupid police" or "dumb cop": a thing of theirs, not them ("a stupid police policy").
_THEIR_THING_AFTER = re.compile(r"\s+(?:policy|policies|rules?|department|budget|reports?|station|"
                                r"cars?|chases?|shows?|unions?|contract|procedures?|response|"
                                r"logic|work|training|tactics|data|system|academy|radio|scanner|"
                                r"lines?|lights|sirens|presence|stops?|movies?|tv|drama|"
                                r"quotas?|overtime|pensions?)\b")
_NOT_A_PERSON_BEFORE = re.compile(r"(?:guinea|pond|soap|pot-bellied|pet|roast|roasted|escaped|"
                                  r"loose|circus|party|birthday|rodeo|rodeo|water|lab)\s*$")
_YOU = r"(?:you|u|ya|yu|youre|you're|you\s+are|u\s+r|u\s+are|ur|you\s+were|you\s+guys\s+are|" \
       r"you\s+people\s+are|you\s+all\s+are|y'?all\s+are|you\s+people|you\s+guys|you\s+all|y'?all)"
_COPULA = r"(?:is|are|was|were|'s|'re|r|be|being|remains?|acting like|act like|look like|" \
          r"looks like|sounds? like|=)"
ATTACK_PATTERNS = (
    # a strong insult, anywhere (self-reference is checked in code)
    ("strong", re.compile(rf"(?<![a-z0-9])(?:{_STRONG})(?![a-z0-9])")),
    # "you are an idiot", "you're such a pathetic loser", "u r a joke", "you stupid pigs"
    ("you", re.compile(rf"(?<![a-z0-9']){_YOU}\s+(?:(?:{_ARTICLES})\s+){{0,4}}{_ANY_INSULT}"
                       rf"(?![a-z0-9])")),
    # "Officer Reyes is a dumb ...", "cops are pigs", "the chief is a spineless scumbag"
    ("copula", re.compile(rf"(?<![a-z0-9])(?:{'|'.join(PEOPLE)})(?:\s+[a-z]+)?\s+{_COPULA}\s+"
                          rf"(?:(?:{_ARTICLES})\s+){{0,4}}{_ANY_INSULT}(?![a-z0-9])")),
    # "What a moron", "what a bunch of clowns", "what a loser this sergeant is"
    ("what", re.compile(rf"\bwhat\s+(?:a|an)\s+(?:(?:{_ARTICLES})\s+){{0,3}}{_ANY_INSULT}"
                        rf"(?![a-z0-9])")),
    # a contempt word before a person: "idiot cops", "brainless cop", "fat pig"
    ("before", re.compile(rf"(?<![a-z0-9])(?:{_ANY_INSULT})\s+(?:{'|'.join(OFFICIALS)})"
                          rf"(?![a-z0-9])")),
    # addressed to someone: "Get lost, loser.", "Nice try, idiot", "Shut up, you clown"
    ("vocative", re.compile(rf"(?:^|[,.!?;:]|\bhey|\bok|\bokay|\blisten|\bnice try)\s*"
                            rf"(?:you\s+)?(?:(?:{_ARTICLES})\s+){{0,2}}{_ANY_INSULT}"
                            rf"\s*(?:[,.!?]|$)")),
    # "pigs in blue", "oink oink", "these pigs", "dirty pigs"
    ("pigs", re.compile(r"\bpigs?\s+(?:in\s+(?:blue|uniform)|with\s+badges)|\boink\b|"
                        r"\b(?:these|those|you|dirty|filthy|fascist|racist|corrupt|damn|"
                        r"here come the|bunch of|all)\s+pigs\b|\bfat\s+pigs?\b")),
    # telling someone off
    ("phrase", re.compile(r"(?:^|[,.!?;:]\s*|\band\s+)shut\s+(?:the\s+\w+\s+|your\s+\w+\s+)?up\b|"
                          r"\bget\s+(?:a\s+life|lost)\b|\bnobody\s+asked\s+(?:you|u)\b|"
                          r"\bkiss\s+my\s+a(?:ss|rse)\b|\bscrew\s+(?:you|u)\b|"
                          r"\bgo\s+to\s+hell\b|\bwaste\s+of\s+(?:oxygen|space|skin|air|a\s+"
                          r"badge|a\s+uniform|a\s+human)\b|\bsorry\s+excuse\s+for\s+an?\s+"
                          r"(?:human|person|man|woman|cop|officer)\b|\bscum\s+of\s+the\s+earth|"
                          r"\b(?:hey|nice\s+try|ok|okay|sure|well)\s*,?\s+(?:genius|einstein|"
                          r"sherlock|sweetie|princess)\b|\blearn\s+to\s+read\b|"
                          r"\b(?:sack|piece)\s+of\s+(?:garbage|trash|crap|filth|work)\b")),
)

# Threats. Matched on the skeleton with digits read as letters ("k1ll").
_FUTURE = (r"(?:'ll|ll|will|shall|am going to|'m going to|m going to|m gonna|'m gonna|"
           r"are going to|'re going to|re gonna|'re gonna|are gonna|gonna|going to|would|"
           r"'d|wanna|want to|am gonna)")
_HARM = (r"(?:kill|kil|shoot|stab|hurt|murder|beat|beat up|strangle|rape|slit|execute|end|"
         r"choke|burn|bomb|firebomb|blow up|shoot up|punch|smash|bash|put a bullet in|gut|"
         r"torch|lynch|hang)")
# What follows "shoot you", "beat you" or "hurt your" when nobody is threatened.
_NOT_HARM_AFTER = re.compile(r"\s*(?:(?:a|an|the|my|some)\s+)?(?:message|text|e-?mail|note|line|dm|"
                             r"pm|link|call|photos?|pictures?|video|wedding|portraits?|headshots?|"
                             r"feelings|chances|record|score|time|to\s+it|there|to\s+the)\b")
_VICTIM = (rf"(?:you|u|ya|him|her|them|your|his|their|y'?all|every|all|each|the next|"
           rf"(?:that|the|this|those|these|any|some|a|one)\s+(?:\w+\s+)?(?:{'|'.join(PEOPLE)}|"
           rf"station|precinct|district|office|building|headquarters|hq|family|kids?))\b")
_PLACE = r"(?:station|precinct|district office|office|headquarters|hq|police station)"
THREAT_PATTERNS = (
    re.compile(rf"\b(?:i|we|i'?m|we'?re|i'?ll|we'?ll|ill)\s*{_FUTURE}\s+(?:[^\s.!?]+\s+)?{_HARM}\s+"
               rf"{_VICTIM}"),
    re.compile(rf"\b(?:i'?ll|we'?ll|ill)\s+(?:[^\s.!?]+\s+)?{_HARM}\s+{_VICTIM}"),
    re.compile(rf"\b(?:someone|somebody|some\s*one|people|we|y'?all|they|u|you\s+all)\s+"
               rf"(?:should|needs?\s+to|oughta|ought\s+to|gotta|got\s+to|have\s+to|will|must)\s+"
               rf"(?:\w+\s+)?{_HARM}\s+{_VICTIM}"),
    re.compile(r"\byou(?:'re| are| r|re)?\s+(?:going to|gonna)\s+(?:die|bleed|pay|get hurt|"
               r"regret (?:this|it))\b|\byou(?:'?ll|\s+will)?\s+(?:die|pay for this|get what'?s coming|"
               r"end up\s+(?:in\s+(?:the|a)\s+(?:hospital|ditch|morgue|body bag|grave)|dead))\b"),
    re.compile(r"\b(?:better\s+)?watch\s+your\s+back\b|\bi\s+know\s+where\s+(?:you|he|she|they)\s+"
               r"lives?\b|\bwe\s+know\s+where\s+(?:you|he|she|they|the\s+\w+|your\s+\w+)\s+"
               r"lives?\b|\b(?:i|we)\s+(?:have|got)\s+your\s+(?:home\s+)?address\b|"
               r"\bshame\s+if\s+something\s+(?:happened|happens)\b|\b(?:i'?m|we'?re|i\s+am|"
               r"we\s+are)\s+coming\s+for\s+(?:you|u|him|her|them|your)\b|\bcatch\s+(?:you|u)\s+(?:off\s+duty|alone|after)\b|"
               r"\bbetter\s+hope\s+i\s+never\b|\bput\s+(?:you|u|him|her|them)\s+in\s+the\s+"
               r"ground\b|\bslit\s+(?:your|his|her|their)\s+throats?\b|"
               r"\bhope\s+(?:your|you|ur)\s+kids\s+are\s+safe\b"),
    re.compile(r"\b(?:should|ought to|deserves?\s+to|needs?\s+to|must)\s+(?:be|get)\s+(?:shot|"
               r"killed|hanged|hung|lynched|executed|beaten|stabbed|burned|strung up|run over)\b|\b(?:deserves?\s+to|should|must)\s+die\b"),
    re.compile(r"\b(?:hope|wish|pray)\s+(?:that\s+)?(?:someone|somebody|you|your|ur|u|he|she|"
               r"they|the|that|this|those|these|his|her|their|every|all)\b(?:\s+(?!never\b|not\b|"
               r"no\b|nobody\b|\w+n't\b)\w+){0,3}\s+(?:dies|die|gets?\s+shot|gets?\s+killed|"
               r"blows?\s+up|burns?\s+down|rots?\s+in|suffers?)\b"),
    re.compile(r"\b(?:kill|shoot|murder)\s+(?:all|every|the)\s+(?:the\s+)?(?:cops?|police|officers?|"
               r"pigs|of\s+them)\b|\bdeath\s+to\s+(?:all\s+|the\s+)?\w+|\bdead\s+(?:cops|pigs)\b"),
    re.compile(rf"\b(?:burn|bomb|firebomb|blow\s+up|shoot\s+up|torch)\s+(?:down\s+)?(?:the|that|"
               rf"this|your|their)\s+(?:\w+\s+)?{_PLACE}\b|\bburn\s+(?:the|your|that)\s+"
               rf"(?:\w+\s+)?{_PLACE}\s+down\b"),
    re.compile(rf"\brun\s+{_VICTIM}\s+(?:over|down)\b"),
    re.compile(r"\b(?:kill|kil)\s+(?:your\s*self|urself|yourselves)\b|\bkys\b|"
               r"\baim\s+at\s+the\s+(?:cops|police|officers)\b"),
)
_THREAT_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                              "@": "a", "$": "s", "!": "i"})

SPAM_PHRASES = (
    "click here", "buy now", "limited time offer", "act now", "viagra", "cialis",
    "online casino", "payday loan", "buy followers", "make money fast", "100% free",
    "work from home and earn", "crypto giveaway", "double your bitcoin", "seo services",
    "cheap replica", "dm me to earn", "hot singles", "free gift card", "free iphone",
)
_SPAM = re.compile("|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in SPAM_PHRASES),
                   re.IGNORECASE)
_EARNINGS = re.compile(r"\b(?:earn|make)\s+\$\s?\d[\d,]*\s*(?:a|per|/)\s*(?:day|week|hour)\b",
                       re.IGNORECASE)
# A link: an address with a scheme or "www.", or a bare domain ending in a common top-level
# domain. Quantifiers are possessive and a match starts only at a word's start, so that a long
# run like "a.a.a.a…" is read once, not once per dot.
_LINK = re.compile(r"(?<![\w.-])(?:https?://|www\.)[^\s<>\"]++|(?<![\w.-])[a-z0-9-]++"
                   r"(?:\.[a-z0-9-]++)++(?:/[^\s<>\"]*+)?", re.IGNORECASE)
_LINK_DOMAINS = frozenset(("com", "net", "org", "info", "biz", "io", "ru", "xyz", "top", "click",
                           "shop", "online", "site", "gov", "edu", "us"))
MAX_LINKS = 2  # a comment with more links than this is held

# Personal information a visitor gives away that the post checks' detectors leave alone, because
# in a post it is the department's own business:
# - a street address said of a person ("the guy at 1419 W Erie St", "Tenant in 2B at ..."); in a
#   post a street address is only a warning, and a comment naming a meeting place stays;
# - a number the visitor calls a social security number, whatever its digits;
# - a full date called someone's birthday.
_PERSON_CUE = re.compile(
    r"(?<!\w)(?:guy|man|woman|lady|he|she|him|her|his|they|them|lives?|living|tenant|tenants|"
    r"neighbou?rs?|landlord|owner|kid|teen|suspect|driver|dealer|ex|cousin|girlfriend|"
    r"boyfriend|wife|husband|mom|dad|family|somebody|someone|person|whoever)(?!\w)",
    re.IGNORECASE)
_SSN_LABELLED = re.compile(r"\b(?:ssn|ss#|social(?:\s+security)?(?:\s+(?:number|no\.?|#))?)"
                           r"\s*(?:is|was|:|#)?\s*\d{3}[- ]?\d{2}[- ]?\d{4}(?!\d)", re.IGNORECASE)
_BIRTHDAY = re.compile(r"\b(?:birthday|b-?day)\s*(?:is|was|:|-)?\s*(?:on\s+)?"
                       r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?!\d)", re.IGNORECASE)


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(mark, 0, start) for mark in ".!?\n")
    rights = [i for i in (text.find(mark, end) for mark in ".!?\n") if i >= 0]
    return text[left + 1:start] + " " + text[end:min(rights) if rights else len(text)]


QUOTE_MAX = 300


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_MAX else text[:QUOTE_MAX - 1] + "…"


def links_in(text: str) -> list[str]:
    links = []
    for match in _LINK.finditer(text):
        link = match.group(0)
        host = link.split("/", 1)[0]
        if link.lower().startswith(("http://", "https://", "www.")) or \
                host.rsplit(".", 1)[-1].lower() in _LINK_DOMAINS:
            links.append(link)
    return links


def _attacks(skel: Skeleton) -> Iterable[tuple[int, int]]:
    """Spans of the skeleton that call a person names."""
    text = skel.text.translate(_THREAT_LEET)
    for kind, pattern in ATTACK_PATTERNS:
        for match in pattern.finditer(skel.text if kind == "strong" else text):
            start, end = match.span()
            before, after = text[:start], text[end:]
            if kind in ("strong", "you", "what", "vocative") and _SELF.search(before):
                continue  # "I felt like an idiot", "call me a fool"
            if kind in ("what", "vocative") and match.group(0).strip(" ,.!?;:").split()[-1] \
                    in _THING_WORDS:
                continue  # "What a joke." "Garbage."
            if kind != "phrase" and _NOT_A_PERSON_AFTER.match(after):
                continue  # "a clown show", "idiot light", "pig roast"
            if kind == "before" and _THEIR_THING_AFTER.match(after):
                continue  # "a stupid police policy"
            if _NOT_A_PERSON_BEFORE.search(before):
                continue  # "guinea pig", "pond scum", "the party clown"
            yield start, end


def screen_text(text: str, *, keywords: Sequence[ScreeningKeyword] = (),
                detector_findings: Sequence = ()) -> list[ScreenFlag]:
    """Every screening flag for ``text``; an empty list lets the comment through.

    ``detector_findings`` are the post checks' findings for the same text (personal
    information, obscene and demeaning words); ``keywords`` the administrator's active phrases.
    """
    flags: list[ScreenFlag] = []
    plain = unicodedata.normalize("NFKC", text)
    skel = skeleton(text)
    seen: set[tuple[str, str]] = set()

    def add(rule: str, reason: str, quote: str, holds: bool = True) -> None:
        key = (rule, quote.casefold())
        if quote and key not in seen:
            seen.add(key)
            flags.append(ScreenFlag(rule, reason, _quote(quote), holds))

    slur_spans = []
    for match in _SLUR.finditer(skel.text):
        if not any(e.start() <= match.start() < e.end()
                   for e in SLUR_EXCEPTIONS.finditer(skel.text)):
            slur_spans.append(match.span())
            add("slur", "A slur against a protected class.", skel.quote(*match.span()))
    for match in _OBSCENE.finditer(skel.text):
        add("obscenity", "Vulgar or obscene language.", skel.quote(*match.span()))
    for match in _MASKED_TOKEN.finditer(skel.text):
        masked = _masked(match.group(0))
        if masked is not None:
            reason = ("Vulgar or obscene language." if masked[0] == "obscenity"
                      else "A slur against a protected class.")
            add(masked[0], reason, skel.quote(*match.span()))
    for finding in detector_findings:
        if finding.rule == "obscene":
            add("obscenity", "Vulgar or obscene language.", finding.quote)
        elif finding.rule == "demeaning":
            add("slur", "A slur against a protected class.", finding.quote)

    threat_text = skel.text.translate(_THREAT_LEET)
    threats = (m for pattern in THREAT_PATTERNS for m in pattern.finditer(threat_text)
               if not _NOT_HARM_AFTER.match(threat_text, m.end()))
    threat = next(threats, None)
    if threat:
        add("threat", "Looks like a threat of violence.", skel.quote(*threat.span()))
    for start, end in _attacks(skel):
        add("attack", "Looks like an insult or name-calling aimed at a person.",
            skel.quote(start, end))
        break

    for finding in detector_findings:
        if finding.rule == "personal_info":
            add("personal_info", f"Personal information: {finding.title.lower()}.",
                finding.quote)
        elif finding.rule == "street_address" and _PERSON_CUE.search(
                _sentence_around(text, finding.start or 0, finding.end or len(text))):
            add("personal_info", "Personal information: a street address, said of a person.",
                finding.quote)
    for pattern, what in ((_SSN_LABELLED, "a social security number"),
                          (_BIRTHDAY, "a date of birth")):
        match = pattern.search(plain)
        if match:
            add("personal_info", f"Personal information: {what}.", match.group(0))

    links = links_in(plain)
    if len(links) > MAX_LINKS:
        add("spam", f"Contains {len(links)} links (more than {MAX_LINKS}).", " ".join(links))
    spam = _SPAM.search(plain) or _EARNINGS.search(plain)
    if spam:
        add("spam", "A known spam phrase.", spam.group(0))

    for keyword in keywords:
        match = keyword_pattern(keyword.phrase).search(skel.text)
        if match:
            holds = keyword.action == KeywordAction.HOLD
            add("keyword", f"Listed phrase “{keyword.phrase}” ({keyword.action.label.lower()}).",
                skel.quote(*match.span()), holds)
    return flags


@lru_cache(maxsize=1024)
def keyword_pattern(phrase: str) -> re.Pattern:
    """An admin phrase matched as whole words on a comment's skeleton: whatever the case,
    spacing, accents or look-alike letters."""
    words = [re.escape(skeleton(w).text) for w in phrase.split() if skeleton(w).text]
    if not words:
        return re.compile(r"(?!)")  # only invisible characters: it can match nothing
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


@lru_cache(maxsize=1)
def _active_keywords_query():
    return (select(ScreeningKeyword).where(ScreeningKeyword.active.is_(True))
            .order_by(ScreeningKeyword.id))


def active_keywords(session: Session) -> list[ScreeningKeyword]:
    return list(session.scalars(_active_keywords_query()))


def detector_findings_for(text: str, context) -> list:
    """The post checks' detectors run over a comment (personal information, obscene words),
    with ``context`` (a ``checks.CheckContext``) naming the official contact details."""
    from beatdesk import checks

    return [f for f in checks.run_checks(text, context=context)
            if f.rule in ("personal_info", "street_address", "obscene", "demeaning")]


def detector_findings(session: Session, district: District, text: str) -> list:
    """The post checks' detectors run over a comment (personal information, obscene words).

    The district's and department's own phone numbers, addresses and e-mail domains are
    official, so a visitor quoting them is not flagged.
    """
    from beatdesk import checks

    return detector_findings_for(text, checks.context_for(session, district,
                                                          rule_citations=False))


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


@lru_cache(maxsize=1)
def _block_candidates():
    """Active blocks of a network, or of the e-mail address given (built once: every comment
    POST runs it). An empty address matches no e-mail block (checked below)."""
    return (select(CommenterBlock).where(
        CommenterBlock.lifted_at.is_(None),
        or_(CommenterBlock.expires_at.is_(None), CommenterBlock.expires_at > bindparam("now")),
        or_(CommenterBlock.network != "", CommenterBlock.email == bindparam("email")))
        .order_by(CommenterBlock.id))


def find_block(session: Session, email: str, client_addr: str) -> CommenterBlock | None:
    """The active block matching this e-mail address or client address, if any."""
    email = normalise_email(email)
    candidates = session.scalars(_block_candidates(), {"now": clock.utcnow(), "email": email})
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
