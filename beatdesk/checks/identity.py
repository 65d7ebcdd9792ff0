"""Who a post may not identify: victims, witnesses, complainants and juveniles.

Chicago "Use of Social Media Outlets" IV.B.6 asks every post to keep all privacy protections;
the Massachusetts model policy (IV.C.8.e) names the people concerned: informants, victims,
witnesses. A finding needs two things next to each other: a person's *name*, and a *cue* that
says what the person is.

A name is one to five capitalised words of any script ("Nguyễn Thị Lan", "Björn Ólafsson",
"Fatima Al-Sayed", "O'Leary"), with particles ("de la", "van", "bin") and initials, or a run of
letters from a script without capitals ("王伟"). Words that are not names are peeled off its
ends ("The", "Yesterday", "Witness"), and a run that contains a place or organisation word
("Marquette Park", "Family Dollar", "Victim Services") is no name.

Cues, each a documented pattern below:

- before the name: a role word ("the victim, Maria Lopez"; "witness Aaron Feldman"; "the
  victim's mother, Keisha Brown"), "identified as", "named", a relative clause ("the woman who was
  mugged, Chen Wei"), "a call from", "speaking with";
- after the name: a victim's predicate ("was struck", "was robbed at gunpoint", "who was
  stabbed", "told police", "called 911", "saw the crash"), a role ("Maria Lopez, the victim"),
  or the person's property ("Björn Ólafsson's apartment was burglarized");
- juveniles: an age under 18 next to the name ("Tyler Brooks, 15,", "16-year-old Kevin Zhang",
  "a 15-year-old named Jayden", "(14)", "age 13"), or a word for a child ("the juvenile, Ana
  Ruiz").

Near misses: names after an official's title (officers in commendations, commanders, the mayor,
aldermen) are never flagged, nor later mentions of the same names. A missing-person notice may
name the missing child (that is how the child is found) until the post says the child was found.

The role words are the rules' word lists, so an administrator extends them like any other list
("survivor" makes "the survivor, Mei Chen" a finding). A cue without a name is fine: "the
victim, a 34-year-old man" is how the directives want it said.
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import regex

from .rules import phrases_regex

_FLAGS = regex.IGNORECASE | regex.VERSION0

# ---- names ---------------------------------------------------------------------------------

# A capitalised word: "Lopez", "O'Leary", "McDonald", "Al-Sayed", "Ólafsson"; or a run of
# letters of a script without case ("王伟", "محمد").
_CASED = (r"\p{Lu}\p{M}*(?:[\p{Ll}\p{M}]+|['’](?=\p{Lu}))"
          r"(?:(?:['’\-]?\p{Lu}|-\p{Ll})\p{M}*[\p{Ll}\p{M}]+)*")
_UNCASED = r"[\p{Lo}][\p{Lo}\p{M}]{0,11}"
_WORD = rf"(?:{_CASED}|{_UNCASED})"
_INITIAL = r"\p{Lu}\."
_PARTICLE = (r"(?:de\s+la|de\s+los|de\s+las|van\s+der|van\s+den|de|del|della|da|das|do|dos|du|"
             r"van|von|der|den|ter|bin|binti|ibn|al|el|le|la|di|y)")
_GAP = r"[^\S\n]+"
NAME = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{N}}'’\-])(?:{_WORD}|{_INITIAL})"
    rf"(?:{_GAP}(?:{_PARTICLE}{_GAP})?(?:{_WORD}|{_INITIAL}))*"
    rf"(?:,?{_GAP}(?:Jr|Sr)\.?|{_GAP}(?:II|III|IV)\b)?(?![\p{{L}}\p{{M}}])")
_TOKEN = regex.compile(rf"{_WORD}|{_INITIAL}")

# Titles of officials: a name after one of these is an officer, an official or a spokesperson,
# whom the department names on purpose (commendations, promotions, statements). A title is
# capitalised ("Father Pfleger", but "her father, John"), except "officer", which people often
# write in lower case.
_TITLE_WORDS = frozenset("""
officer officers ofc po sgt sgts sergeant sergeants lt lts lieutenant lieutenants capt captain
captains cmdr commander commanders deputy deputies chief chiefs supt superintendent detective
detectives det investigator investigators agent agents trooper troopers sheriff marshal corporal
cpl major colonel firefighter firefighters paramedic paramedics k9 k-9 mayor ald alderman
aldermen alderwoman alderperson gov governor sen senator rep representative judge justice pastor
rev reverend father principal spokesperson spokeswoman spokesman commissioner director president
secretary chaplain cadet cadets recruit recruits dispatcher dispatchers facilitator crossing
guard dr
""".split())
OFFICIAL_TITLES = ("(?:[Pp]olice\\s+)?[Oo]fficers?|P\\.?O|Deputy\\s+Chief|Crossing\\s+[Gg]uard|"
                   "CAPS\\s+[Ff]acilitator|"
                   + "|".join(word.capitalize() if word != "k9" else "K-?9"
                              for word in sorted(_TITLE_WORDS, key=len, reverse=True)
                              if word not in ("po", "k-9")))
# Courtesy titles say the name is a private person's: "Mr. Rahman" is a name on its own.
COURTESY_TITLE = regex.compile(r"(?<!\w)(?:Mr|Mrs|Ms|Mx|Miss)\.?[^\S\n]+$")

# Capitalised words that start or end a run but are not names.
_NOT_NAME = frozenset("""
the a an this that these those he she they we our his her their its it i you your my on in at
of for from to by with after before during when while if and but or as so then also yesterday
today tonight tomorrow last next early late police officers detectives investigators
authorities residents neighbors neighbours witnesses victims anyone everyone someone update
updated breaking alert reminder missing wanted arrested charged please call thanks thank
congratulations congrats welcome join happy help have has had is are was were meet
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
victim victims witness eyewitness complainant survivor juvenile minor teen boy girl child
carjacking robbery burglary stabbing shooting homicide crash fire attack assault theft
""".split())
# Words that make a run an organisation, a business or a thing rather than a person.
_NOT_PERSON = frozenset("""
street st avenue ave road rd boulevard blvd drive dr way terrace parkway highway hwy expressway
square trail plaza mall center centre hospital medical memorial clinic health school high
elementary academy college university library cathedral mosque synagogue station district
department dept police unit services service program programs line lines store stores market
mart foods depot dollar general pizza diner restaurant cafe coffee bar grill tavern pub lounge
hotel motel inn club team league association foundation alliance council committee office
tower building apartments homes bridge county city village township state illinois chicago
cook company inc llc co corp corporation group bus train transit authority cta metra airport
zoo museum theater theatre stadium arena gym pool awareness month week day night safety
community neighbors neighborhood neighbourhood chamber commerce news affairs division bureau
area headquarters santa claus christmas thanksgiving easter halloween independence labor
northwestern loyola lurie stroger advocate advocates trinity swedish covenant walgreens target
costco jewel osco aldi kroger amazon uber lyft ford chevrolet toyota honda nissan dodge jeep
tesla hyundai kia bmw audi mercedes protection assistance rights compensation fund support
hotline impact statement statements notification north south east west northwest northeast
southwest southeast lower upper downtown scout scouts troop squad
""".split())
# Words that end place names but are also surnames ("Lincoln Park", "Hye-jin Park"): a run
# ending in one is a person only after a role word ("the victim, Hye-jin Park").
_PLACE_ENDINGS = frozenset("""
park parks hall field fields lake river shore grove ridge point island heights garden gardens
church temple bank banks beach hill hills lane court place rush mercy harbor harbour
""".split())

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
                 "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17}
_AGE_NUMBER = r"(?:\d{1,3}|" + "|".join(_NUMBER_WORDS) + ")"
# "15-year-old", "15 year old", "fifteen-year-old", "15-yr-old", "10-month-old"
AGE_ADJECTIVE = rf"(?P<age>{_AGE_NUMBER})[\s\-]+(?P<unit>years?|yrs?\.?|months?|weeks?|days?)[\s\-]+old"
# "Fifteen-year-old" is an age, capitalised at the start of a sentence, not a name.
_AGE_WORD = regex.compile(rf"{_AGE_NUMBER}-(?:years?|months?|weeks?|days?)-old", regex.IGNORECASE)
_PERSON_NOUN = (r"(?:man|woman|men|women|boy|girl|boys|girls|child|children|kid|kids|teen|"
                r"teenager|juvenile|minor|toddler|infant|baby|student|person|resident|driver|"
                r"pedestrian|cyclist|bicyclist|passenger|rider|victim|son|daughter)")

# ---- cues ------------------------------------------------------------------------------------

_FAMILY = (r"(?:mother|father|mom|dad|parents?|brother|sister|grandmother|grandfather|"
           r"grandparents?|aunt|uncle|cousin|family|wife|husband|son|daughter|guardian|"
           r"girlfriend|boyfriend|fianc[ée]e?|partner|relatives?|neighbou?r)")
_LINK = (rf"\s*(?:[,:(\-–—]\s*)?"
         rf"(?:(?:who\s+)?(?:is|was|were|are|has\s+been|have\s+been|had\s+been)\s+)?"
         rf"(?:(?:identified|named|listed|known)(?:\s+\S+){{0,6}}?\s+as\s+|named\s+)?"
         rf"(?:(?:a|an)\s+)?(?:{AGE_ADJECTIVE}\s+)?(?:{_PERSON_NOUN}\s+)?")
_VICTIM_VERB = (
    r"(?:struck|hit\s+by|run\s+over|shot|shot\s+and\s+killed|stabbed|slashed|robbed|mugged|"
    r"carjacked|kidnapped|abducted|sexually\s+assaulted|assaulted|raped|molested|battered|"
    r"beaten|beat\s+up|attacked|punched|kicked|choked|strangled|pistol[\s\-]whipped|"
    r"threatened|harassed|stalked|groped|injured|hurt|wounded|killed|murdered|slain|"
    r"pronounced\s+dead|found\s+dead|taken\s+to\s+(?:a|an|the)?\s*(?:[\w'’.\-]+\s+){0,3}"
    r"(?:hospital|medical\s+center|trauma\s+center)|transported\s+to|hospitali[sz]ed|"
    r"treated\s+(?:for|at)|rushed\s+to|scammed|defrauded|swindled|victimi[sz]ed|burned|"
    r"bitten|trapped|displaced|rescued|pushed|shoved|knocked\s+down|dragged|grabbed|"
    r"followed|spit\s+on|scalded|tied\s+up|held\s+(?:up|at\s+gunpoint|at\s+knifepoint)|"
    r"the\s+victim|a\s+victim|one\s+of\s+the\s+victims|"
    r"among\s+the\s+(?:victims|injured|dead))")
_ACTIVE_VERB = (
    r"(?:died|suffered|sustained|told\s+(?:police|officers|detectives|investigators|"
    r"dispatchers|us|911)|reported\s+(?:that|the|a|an|her|his|their|being|seeing|hearing|it)|"
    r"called\s+(?:911|9-1-1|police|the\s+police)|witnessed|saw\s+(?:the|a|an|two|three|"
    r"several|him|her|them|someone|smoke)|heard\s+(?:the|a|gunshots|shots|glass|someone|"
    r"screaming|screams)|fell\s+victim|filed\s+(?:a|the)\s+(?:police\s+)?(?:report|"
    r"complaint)|flagged\s+down|came\s+home\s+to|returned\s+home\s+to|woke\s+(?:up\s+)?to|"
    r"found\s+(?:her|his|their)\s+(?:car|home|house|apartment|door|window|garage|store)|"
    r"lost\s+(?:her|his|their)\s+(?:purse|wallet|phone|car)|identified\s+the\s+(?:suspect|"
    r"offender|shooter|gunman|man|driver)|"
    r"had\s+(?:her|his|their)\s+(?:[\w\-]+\s+){0,2}(?:taken|stolen|snatched|grabbed)|"
    r"said\s+(?:she|he|they)\s+(?:was|were|had\s+been)\s+"
    r"(?:robbed|attacked|assaulted|threatened|followed|hit|struck|grabbed|pushed|punched)|"
    r"said\s+(?:her|his|their)\s+(?:[\w\-]+\s+){0,2}(?:was|were|had\s+been)\s+"
    r"(?:stolen|taken|snatched|broken\s+into|damaged|vandali[sz]ed)|"
    r"said\s+(?:the|a|two|three)\s+(?:man|men|woman|offenders?|suspects?|gunman|shooter|"
    r"driver|robbers?))")
_PROPERTY = (r"(?:car|vehicle|truck|van|suv|home|house|apartment|garage|phone|cellphone|purse|"
             r"store|shop|bakery|restaurant|business|salon|"
             r"wallet|bike|bicycle|scooter|motorcycle|backpack|mailbox|packages?|front\s+door|"
             r"door|windows?|body|property|laptop|tires|catalytic\s+converter)")
_PROPERTY_VERB = (r"(?:stolen|taken|broken\s+into|burglari[sz]ed|vandali[sz]ed|damaged|"
                  r"ransacked|set\s+on\s+fire|torched|struck|hit|found|keyed|smashed|"
                  r"shot\s+at|entered|targeted)")
_ADVERB = r"(?:(?:\w+ly|also|then|later|not\s+seriously|critically|fatally)\s+)?"
# Appositions between a name and what is said of it: ", 34,", " (34)", ", of Berwyn,",
# ", a mother of two,".
_APPOSITIONS = (r"(?:\s*\(\s*\d{1,3}\s*\)|\s*,\s*(?:age\s+)?\d{1,3}(?=\s*,)"
                r"|\s*,\s*(?:of|from|a|an)\s[^,;!?\n()]{1,60}?(?=\s*,))*\s*,?\s*")
VICTIM_AFTER = regex.compile(
    rf"^(?:['’]s?\s+{_PROPERTY}\s+(?:was|were|had\s+been|has\s+been)\s+{_ADVERB}"
    rf"{_PROPERTY_VERB}"
    rf"|{_APPOSITIONS}(?:(?:who\s+)?(?:was|were|had\s+been|has\s+been|have\s+been|got|is|"
    rf"are)\s+{_ADVERB}{_VICTIM_VERB}|(?:who\s+)?{_ACTIVE_VERB}))(?!\w)", _FLAGS)
_RELATIVE_BEFORE = (rf"(?<!\w)who\s+(?:was|were|had\s+been)\s+{_ADVERB}{_VICTIM_VERB}"
                    rf"(?:\s+[\w'’\-]+){{0,4}}\s*,\s*$")
_CONTACT_BEFORE = (r"(?<!\w)(?:(?:call|calls|911\s+call|report|complaint|tip)\s+from|"
                   r"according\s+to|(?:spoke|spoken|speaking|talked|talking)\s+(?:with|to)|"
                   r"interview(?:ed|ing))\s+$")
_IDENTIFIED_BEFORE = (
    r"(?:(?<!\w)identified\s+(?:the\s+)?(?:victims?|deceased|decedent|dead\s+(?:man|woman)|"
    r"(?:man|woman|boy|girl|pedestrian|cyclist|bicyclist|driver|passenger|rider|motorist|person)"
    r"\s+(?:who\s+died|(?:who\s+was\s+)?(?:killed|struck|shot|stabbed|found\s+dead)))\s+as"
    r"|(?<!\w)(?:killed|died|dead|struck|shot|stabbed|victims?|deceased)(?:\s+[\w'’,]+){0,8}?"
    r"\s+(?:was|were|has\s+been|have\s+been)\s+identified(?:\s+[\w'’.]+){0,6}?\s+as)"
    r"\s+(?:(?:a|an)\s+)?$")
# Whose body, death or family: "the body of Aaliyah Thompson", "the family of ...".
_OF_BEFORE = (r"(?<!\w)(?:body|remains|death|murder|killing|shooting|stabbing|beating|"
              r"kidnapping|abduction|funeral|family|families|relatives|disappearance)\s+of\s+$")
# After a juvenile's name: ", 15,", " (14)", ", age 13", ", a 12-year-old", ", a juvenile".
JUVENILE_AFTER = regex.compile(
    rf"^\s*(?:(?:,|\()\s*(?:aged?\s+)?(?P<age>\d{{1,2}})(?=\s*(?:,|\)|;|\.|$|\s+years?\s+old))"
    rf"|,\s*(?:a|an)\s+{AGE_ADJECTIVE}"
    rf"|,\s*(?:a|an|the)\s+(?:\w+\s+)?(?:juvenile|minor|teen|teenager|child|toddler|infant)"
    rf"(?!\w))", _FLAGS)
_STRONG_BEFORE = regex.compile(r"(?<!\w)(?:named|identified\s+(?:\w+\s+){0,3}?as)\s+$", _FLAGS)
_OFFICIAL_BEFORE = regex.compile(
    rf"(?<![\w.])(?:{OFFICIAL_TITLES})s?\.?\s+(?:(?:[\p{{L}}\p{{M}}'’.\-]+\s+){{1,6}}?"
    rf"(?:and|&|,)\s+)?$")
MISSING_NOTICE = regex.compile(
    r"(?<!\w)(?:missing|last\s+seen|runaway|ran\s+away|endangered|amber\s+alert|"
    r"have\s+you\s+seen|help\s+(?:us\s+)?(?:find|locate))(?!\w)", _FLAGS)
FOUND = regex.compile(
    r"(?<!\w)(?:found\s+safe|been\s+found|been\s+located|was\s+located|were\s+located|"
    r"returned\s+home|home\s+safe|located\s+safe|found\s+unharmed|found\s+alive|safely\s+home)"
    r"(?!\w)", _FLAGS)


@dataclass(frozen=True)
class IdentityMatch:
    kind: str   # "victim" (victims, witnesses, complainants) or "juvenile"
    start: int
    end: int


@dataclass(frozen=True)
class _Name:
    start: int
    end: int
    words: int      # capitalised words, initials not counted
    uncased: bool   # written in a script without capitals
    courtesy: bool  # "Mr.", "Ms." ... before it
    place_like: bool  # ends like a place name ("... Park"): a person only after a role word


def _age(match) -> int | None:
    """The age an AGE_ADJECTIVE or JUVENILE_AFTER match gives, in years (a baby's is 0)."""
    raw = match.group("age")
    if raw is None:
        return None
    value = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw.lower())
    if value is None:
        return None
    unit = (match.groupdict().get("unit") or "year").lower()
    return value if unit.startswith("y") else 0


def _names(text: str) -> Iterator[_Name]:
    for match in NAME.finditer(text):
        tokens = list(_TOKEN.finditer(match.group(0)))
        while tokens and (tokens[0].group(0).lower() in _NOT_NAME | _TITLE_WORDS
                          or _AGE_WORD.fullmatch(tokens[0].group(0))):
            tokens.pop(0)
        while tokens and tokens[-1].group(0).lower() in _NOT_NAME:
            tokens.pop()
        if not tokens:
            continue
        if any(t.group(0).lower() in _NOT_PERSON for t in tokens):
            continue
        place_like = tokens[-1].group(0).lower() in _PLACE_ENDINGS
        start = match.start() + tokens[0].start()
        end = match.start() + tokens[-1].end()
        courtesy = COURTESY_TITLE.search(text, max(0, start - 6), start)
        if courtesy:
            start = courtesy.start()
        words = sum(1 for t in tokens if not t.group(0).endswith("."))
        uncased = any(not t.group(0)[0].isupper() and t.group(0)[0].isalpha() for t in tokens)
        yield _Name(start, end, words, uncased, courtesy is not None, place_like)


@lru_cache(maxsize=64)
def _role_before(victim_words: tuple[str, ...], juvenile_words: tuple[str, ...]):
    """Patterns that end right before a name: a role word and its link to the name."""
    victim_roles = phrases_regex(victim_words)
    juvenile_roles = phrases_regex(juvenile_words)
    victim = (rf"(?:{victim_roles}(?:['’]s?\s+{_FAMILY})?{_LINK}$|{_RELATIVE_BEFORE}|"
              rf"{_CONTACT_BEFORE}(?:{victim_roles}\s+)?$|{_IDENTIFIED_BEFORE}|{_OF_BEFORE})")
    juvenile = rf"(?:{juvenile_roles}(?:['’]s?\s+{_FAMILY})?{_LINK}$)"
    role_after = (rf"^{_APPOSITIONS}(?:(?:is|was|were|are)\s+)?(?:the|a|an|one|another)\s+"
                  rf"(?:[\w\-]+\s+){{0,2}}?"
                  rf"{victim_roles}")
    return (regex.compile(victim, _FLAGS), regex.compile(juvenile, _FLAGS),
            regex.compile(role_after, _FLAGS))


_AGE_BEFORE = regex.compile(
    rf"(?<!\w){AGE_ADJECTIVE}\s*,?\s+(?:{_PERSON_NOUN}\s*[,:]?\s+)?"
    rf"(?:(?:named|identified\s+as)\s+)?$",
    _FLAGS)


def find_protected_identities(text: str, victim_words: Iterable[str],
                              juvenile_words: Iterable[str]) -> Iterator[IdentityMatch]:
    """Every name the text gives of a victim, witness or complainant, and of a juvenile."""
    victim_before, juvenile_before, role_after = _role_before(tuple(victim_words),
                                                              tuple(juvenile_words))
    missing_notice = MISSING_NOTICE.search(text) and not FOUND.search(text)
    names = list(_names(text))
    officials: set[str] = set()
    for name in names:
        before = text[max(0, name.start - 80):name.start]
        if _OFFICIAL_BEFORE.search(before):
            officials.add(text[name.start:name.end])
            officials.update(text[name.start:name.end].split())
    for name in names:
        quote = text[name.start:name.end]
        if quote in officials:
            continue
        before = text[max(0, name.start - 120):name.start]
        after = text[name.end:name.end + 200]
        strong = bool(_STRONG_BEFORE.search(before)) or name.courtesy
        full_name = name.words >= 2 or name.uncased or strong

        role_before = bool(victim_before.search(before))
        victim = full_name and (role_before or (not name.place_like and (
            bool(VICTIM_AFTER.search(after)) or bool(role_after.search(after)))))
        if victim:
            yield IdentityMatch("victim", name.start, name.end)

        if missing_notice:
            continue
        juvenile = False
        if full_name:
            age_before = _AGE_BEFORE.search(before)
            age_after = JUVENILE_AFTER.search(after)
            for match in (age_before, age_after):
                if match is not None:
                    age = _age(match)
                    juvenile = juvenile or age is None or age < 18
            juvenile = juvenile or bool(juvenile_before.search(before))
        if juvenile:
            yield IdentityMatch("juvenile", name.start, name.end)
