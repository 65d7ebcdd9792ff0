"""Insults, mockery and harassment of a person in official text (Detroit 102.8-4.4.a,
Deerfield C.a.i, Massachusetts IV.A.6.c, Chicago Twitter IV.B).

The ideas come from the screening of visitors' comments (``beatdesk.screening``): strong words
insult wherever they stand, weak words only when aimed at someone. Official posts differ from
comments in what they mock: suspects ("dumbest criminal of the week", "bet he regrets it", "lol
at this guy"), drivers, a person's intelligence ("not exactly a rocket scientist"). The lists
stay narrow so that routine police text stays clear: a clown at the circus, fool-proof tips,
"nice shot" of a sunset, a rocket scientist at career day.

``find_tone`` returns spans of the text (code points); the strong words and fixed phrases are
the rule's word list (``rules.TONE``), with its near misses, and the patterns below say what a
word list can't.
"""
import re
from collections.abc import Iterator

from .rules import TONE, compile_phrases

_F = re.IGNORECASE

# Words that insult a person only when aimed at one: "what a clown", "this genius".
_WEAK = (r"(?:clowns?|fools?|losers?|jerks?|genius(?:es)?|einsteins?|sherlock|masterminds?|"
         r"rocket\s+scientists?|brain\s+surgeons?|piece\s+of\s+work|sad\s+sack|muppets?|"
         r"twits?|jokers?|goofs?|goofballs?|dingbats?|slobs?|punks?|creeps?|lowlifes?|"
         r"degenerates?)")
_INTENSIFIER = (r"(?:absolute|total|complete|real|utter|little|big|stupid|dumb|pathetic|"
                r"sorry|brilliant|budding|aspiring|would-be)")
# Aimed at someone: "what a", "such a", "this", "these", "you", "a real", "our resident".
AIMED = re.compile(
    rf"(?<![\w'])(?:what\s+an?|such\s+an?|this|that|these|those|you|you\s+two|"
    rf"an?\s+{_INTENSIFIER}|a\s+bunch\s+of|bunch\s+of)\s+"
    rf"(?:{_INTENSIFIER}\s+){{0,2}}{_WEAK}(?!\w)(?![\s-]+(?:idea|ideas|move|plan|plans|"
    rf"invention|costume|costumes|show|shows|act|acts|car|nose|noses|school|college|world|"
    rf"light|lights|proof|fish|face|paint|painting|balloons?|kit|kits|shed|box|belt|bar|"
    rf"award|awards|grant|grants|program|programs|students?|kids?|team|teams|puzzles?|"
    rf"level|hour|minds?|band|bands|rock|music|concert|chicken|bar)(?!\w))", _F)
# A contempt word before a person: "dumb crook", "stupid driver", "clueless thieves".
CONTEMPT = re.compile(
    r"(?<!\w)(?:dumb|dumber|dumbest|stupid|stupider|stupidest|brainless|clueless|pathetic|"
    r"worthless|idiotic|moronic|genius|inept|bumbling|hapless|dim-witted|dimwitted|"
    r"half-witted|pitiful)\s+(?:\w+\s+)?(?:criminals?|crooks?|thief|thieves|"
    r"burglars?|robbers?|suspects?|drivers?|motorists?|guys?|dudes?|man|men|woman|women|"
    r"person|people|offenders?|perps?|perpetrators?|shoplifters?|vandals?|scammers?|"
    r"fraudsters?|teens?|kids?|individuals?|fellas?|parkers?)(?!\w)", _F)
# Laughing at someone.
_LAUGH = r"(?:lol|lolol|lmao|lmfao|rofl|ha(?:ha)+|he(?:he)+|😂|🤣|😆|🤡)"
_SOMEONE = (r"(?:guys?|dudes?|geniuses|genius|clowns?|suspects?|crooks?|thief|thieves|"
            r"drivers?|man|men|woman|women|lady|ladies|fellas?|fellows?|characters?|"
            r"individuals?|offenders?|burglars?|robbers?|criminals?|people|person|folks)")
LAUGHING = re.compile(
    rf"(?<!\w){_LAUGH}\s*(?:,\s*)?(?:at|@)\s+(?:this|that|these|those|the|our|some)\s+\w+"
    rf"|(?<![\w'])(?:this|that|these|those)\s+{_SOMEONE}(?!\w)[^.!?\n]{{0,60}}?"
    rf"(?<!\w){_LAUGH}(?!\w)"
    rf"|(?<!\w){_LAUGH}(?!\w)[^.!?\n]{{0,30}}?(?<![\w'])(?:this|that|these|those)\s+"
    rf"{_SOMEONE}(?!\w)", _F)
# Taunting a suspect or an offender.
_PERSON_PRONOUN = (r"(?:he|she|they|him|her|them|"
                   r"the\s+(?:suspect|driver|thief|burglar|guy|man|woman))")
_JAIL = r"(?:jail|lockup|lock-up|county|cook\s+county|prison|the\s+(?:cell|slammer|clink))"
TAUNTS = re.compile(
    rf"(?<!\w)(?:(?:i\s+|we\s+)?bet\s+{_PERSON_PRONOUN}(?:'s|'re|\s+is|\s+are)?\s+"
    rf"(?:regret\w*|wish\w*|sorry|kicking\s+(?:himself|herself|themselves)|rethinking)"
    rf"|{_PERSON_PRONOUN}(?:'ll|\s+will)\s+(?:surely\s+|definitely\s+|probably\s+|soon\s+)?"
    rf"regret"
    rf"|(?:hope|hoping)\s+(?:he|she|they)\s+(?:enjoys?|likes?|loves?)\s+(?:his|her|their)\s+"
    rf"(?:stay\s+(?:in|at|behind)\s+(?:bars|{_JAIL})|new\s+(?:digs|roommates?|cellmates?|"
    rf"bunkmates?|accommodations|bracelets|jumpsuit)|time\s+(?:in|behind)\s+(?:bars|{_JAIL})|"
    rf"cell|jumpsuit|bracelets)"
    rf"|enjoy\s+(?:your|his|her|their)\s+(?:stay|time)\s+(?:in|at|behind)\s+(?:bars|{_JAIL})"
    rf"|(?:his|her|their)\s+new\s+(?:digs|roommates?|cellmates?|bunkmates?|accommodations|"
    rf"bracelets)"
    rf"|(?:shiny|silver)\s+bracelets"
    rf"|we(?:'re|\s+are)\s+coming\s+for\s+(?:you|him|her|them)"
    rf"|see\s+(?:you|ya)\s+soon,?\s+(?:buddy|pal|friend|genius|champ|sweetheart|sport)"
    rf"|(?:so\s+long|bye(?:[\s-]bye)?|buh[\s-]bye|adios|hasta\s+la\s+vista),?\s+"
    rf"(?:buddy|pal|genius|champ|sucker|sweetheart|sport)"
    rf"|free\s+ride\s+(?:downtown|to\s+(?:jail|lockup|county|the\s+station)))(?!\w)", _F)
# Sarcasm about a person's wits or their conduct, and mock awards.
SARCASM = re.compile(
    r"(?<!\w)(?:(?:(?:is|was|'s|isn't|wasn't|not)\s+)?(?:not|no)\s+(?:exactly\s+|quite\s+)?"
    r"(?:an?\s+)?(?:rocket\s+scientists?|brain\s+surgeons?|genius(?:es)?|einsteins?|"
    r"mensa\s+material)"
    r"|(?:worst|dumbest|stupidest|laziest)\s+(?:criminal|crook|thief|thieves|burglar|driver|"
    r"parker|parking\s+job|getaway|disguise|excuse|alibi|escape\s+attempt|suspect|"
    r"shoplifter)s?\s+(?:of\s+the\s+(?:day|week|month|year)|award|prize|ever)"
    r"|(?:award|prize|trophy)\s+for\s+(?:the\s+)?(?:worst|dumbest|stupidest|laziest)"
    r"|(?:the\s+)?brains\s+(?:of|behind)\s+the\s+operation"
    r"|(?:didn't|did\s+not)\s+think\s+(?:this|that|it)\s+through"
    r"|(?:won't|will\s+not)\s+be\s+winning\s+any\s+(?:awards|prizes))(?!\w)", _F)
# Where "clown" and the like are not a person: a circus, a party, a parade.
_ENTERTAINMENT = re.compile(r"(?<!\w)(?:circus|circuses|carnival|fair|festival|parade|party|"
                            r"parties|birthday|balloons?|magician|juggl\w*|face\s+paint\w*|"
                            r"rodeo|show|entertainment|entertainers?|mime|costume|halloween)"
                            r"(?!\w)", _F)
_CLOWNISH = re.compile(r"(?:clowns?|jokers?|goofs?|goofballs?|fools?)$", _F)
# The writer calling themselves, or the reader, names in sympathy ("don't feel like an idiot").
SELF = re.compile(r"(?:\bi'?m|\bi\s+am|\bi\s+was|\bfelt\s+like|\bfeel\s+like|\bfeeling\s+like|"
                  r"\bcall\s+me|\bme,?|\bmyself|\bam\s+i|\bmade\s+(?:me|you)\s+(?:look|feel)\s+"
                  r"like|\bi\s+(?:looked|look|acted)\s+like)\s+(?:(?:a|an|such|so|total|complete|"
                  r"absolute|the|biggest|real|like|bit\s+of\s+an?|an?\s+absolute)\s+)*$", _F)
_SENTENCE_END = re.compile(r"[.!?\n]")


def _sentence(text: str, start: int, end: int) -> str:
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return text[before[-1] if before else 0:after.start() if after else len(text)]


def _built_in_spans(text: str) -> Iterator[tuple[int, int]]:
    phrases = compile_phrases(TONE.phrases)
    exceptions = compile_phrases(TONE.exceptions)
    excluded = [m.span() for m in exceptions.finditer(text)] if exceptions else []
    for match in phrases.finditer(text):
        if any(match.start() < e and s < match.end() for s, e in excluded):
            continue
        if SELF.search(text[max(0, match.start() - 60):match.start()]):
            continue  # "I felt like an idiot"
        if text[match.end():match.end() + 6].lower().startswith(("-proof", " proof")):
            continue  # "idiot-proof"
        yield match.span()
    for match in AIMED.finditer(text):
        before = text[max(0, match.start() - 60):match.start()]
        words = match.group(0)
        if SELF.search(before):
            continue
        if _CLOWNISH.search(words) and _ENTERTAINMENT.search(
                _sentence(text, match.start(), match.end())):
            continue  # the clowns at the circus
        yield match.span()
    for pattern in (CONTEMPT, LAUGHING, TAUNTS, SARCASM):
        yield from (m.span() for m in pattern.finditer(text))


def find_tone(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that insult, mock or taunt a person, joined where they overlap."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(set(_built_in_spans(text))):
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
