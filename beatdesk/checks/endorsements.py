"""Private business and commercial endorsement in official text (Detroit 102.8-4.4.d, Deerfield
C.a.iv, Chicago Twitter IV.E, Massachusetts IV.A.6.e).

A department may thank volunteers, host a charity event or a food drive, and name the church,
school, club or park district it works with. What it may not do without News Affairs' approval is
promote a private business: name one as sponsor ("sponsored by Acme Alarms", "brought to you by
..."), thank one for donating ("thanks to Lou Malnati's for donating lunch"), send people to one
("visit Joe's Diner", "available at Walgreens") or recommend one ("we recommend Acme Alarms").

A *business* is a capitalised name (up to six words, with "&", "and", "of") that has a business
word ("Diner", "Alarms", "Hardware", "Inc."), a possessive ("Mario's") or an ampersand, or is a
known brand ("Home Depot", "Walgreens"), and none of the words of a public body or a
community organisation ("Church", "School", "Club", "Association", "Park District", "CAPS").
After "sponsored by" and "brought to you by", any name counts except those and officials named
with their title ("Mayor Johnson"): sponsorship is the promotion.

``find_endorsements`` returns the spans of the text to quote: from the words that promote to the
end of the business's name, so an exception News Affairs approves names exactly those words.
"""
from collections.abc import Iterator

import regex

_F = regex.VERSION0

# A capitalised word of a name: "Acme", "Malnati's", "AT&T", "7-Eleven", "Jewel-Osco", "Inc."
_TOKEN = (r"(?:[\p{Lu}\d][\p{L}\p{M}\d'’&\-]*"
          r"(?:(?<=(?<!\w)(?:Inc|Co|Corp|Ltd|Bros|St|Mt|Jr|Sr|\p{Lu}))\.)?|&)")
_JOIN = r"(?:[^\S\n]+(?:(?:and|of|the|de|la|del|on\s+the)[^\S\n]+)?)"
NAME = rf"(?P<name>(?:(?i:the)[^\S\n]+)?{_TOKEN}(?:{_JOIN}{_TOKEN}){{0,5}})"

SPONSORED = regex.compile(
    rf"(?<!\w)(?i:sponsored|brought[^\S\n]+to[^\S\n]+you|underwritten|paid[^\S\n]+for)"
    rf"[^\S\n]+(?i:by)[^\S\n]+{NAME}", _F)
# Words that need a business name after them.
_THANKS = (r"(?i:thanks|thank[\s\-]+you|thank-you|shout[\s\-]?outs?|kudos|grateful|gratitude|"
           r"appreciation)")
_FRIENDS = (r"(?:(?i:our|the)[^\S\n]+(?i:friends|partners|neighbou?rs|folks)[^\S\n]+"
            r"(?i:at|from)[^\S\n]+)")
_FOR_GIVING = (r"(?i:for[^\S\n]+(?:(?:their|its|the|a|his|her|such[^\S\n]+a|so[^\S\n]+much|"
               r"all)[^\S\n]+)?(?:(?:generous(?:ly)?|kind(?:ly)?|continued|ongoing)[^\S\n]+)?"
               r"(?:donat\w*|sponsor\w*|provid\w*|suppl\w*|contribut\w*|gift\w*|underwrit\w*))")
THANKED = regex.compile(
    rf"(?<!\w){_THANKS}[^\S\n]*(?:,[^\S\n]*)?(?:(?i:again|so\s+much|very\s+much)[^\S\n]+)?"
    rf"(?:(?i:to)[^\S\n]+)?{_FRIENDS}?{NAME}[^.!?\n]{{0,60}}?{_FOR_GIVING}", _F)
DONATED_BY = regex.compile(
    rf"(?<!\w)(?i:donated|provided|supplied|contributed|gifted|presented)[^\S\n]+(?i:by)"
    rf"[^\S\n]+{_FRIENDS}?{NAME}", _F)
NAME_DONATED = regex.compile(
    rf"{NAME}[^\S\n]+(?:(?i:generously|kindly|graciously|also)[^\S\n]+)?"
    rf"(?i:donated|is[^\S\n]+donating|are[^\S\n]+donating|sponsored|is[^\S\n]+sponsoring|"
    rf"are[^\S\n]+sponsoring|supplied|underwrote)(?!\w)", _F)
SENT_CUSTOM = regex.compile(
    rf"(?<!\w)(?i:visit|stop[^\S\n]+by|stop[^\S\n]+in[^\S\n]+at|swing[^\S\n]+by|"
    rf"head[^\S\n]+(?:over[^\S\n]+)?to|check[^\S\n]+out|shop[^\S\n]+at|eat[^\S\n]+at|"
    rf"dine[^\S\n]+at|order[^\S\n]+from|get[^\S\n]+(?:yours|one|them|it)[^\S\n]+at|"
    rf"available(?:[^\S\n]+now)?[^\S\n]+at|sold[^\S\n]+at|on[^\S\n]+sale[^\S\n]+at|"
    rf"buy(?:[^\S\n]+\w+){{0,2}}[^\S\n]+at|pick(?:[^\S\n]+\w+){{0,2}}[^\S\n]+up[^\S\n]+at)"
    rf"[^\S\n]+{_FRIENDS}?{NAME}", _F)
RECOMMENDED = regex.compile(
    rf"(?<!\w)(?i:we|i|officers|our[^\S\n]+officers|the[^\S\n]+district|the[^\S\n]+department)"
    rf"[^\S\n]+(?:(?i:highly|really|strongly|totally|all|always)[^\S\n]+)?"
    rf"(?i:recommend|endorse|love|swear[^\S\n]+by|trust|prefer|vouch[^\S\n]+for|"
    rf"are[^\S\n]+(?:big[^\S\n]+)?fans[^\S\n]+of|can't[^\S\n]+get[^\S\n]+enough[^\S\n]+of)"
    rf"[^\S\n]+{NAME}", _F)

_BUSINESS_WORDS = frozenset("""
alarm alarms security pizza pizzeria diner cafe café coffee bakery bakeries restaurant
restaurants grill bar pub tavern kitchen deli market markets grocery groceries foods
supermarket store stores shop shoppe shops boutique mart hardware lumber supply supplies auto
autos automotive motors garage tire tires towing insurance bank realty properties construction
plumbing electric roofing landscaping cleaners salon barber barbershop spa fitness gym cycles
bikes bicycles sports outfitters pharmacy drugs dental dentistry law attorneys inc inc. llc
llc. ltd ltd. co co. corp corp. corporation company group enterprises industries holdings
brands solutions services systems technologies tech labs studios media brewing brewery winery
distillery liquors liquor wine candy donuts doughnuts bagels burgers tacos taqueria bbq chicken
wings subs sandwiches creamery dealership depot outlet warehouse wholesale furniture mattress
mattresses appliances electronics wireless mobile telecom cable energy logistics moving storage
locksmith locksmiths hotel inn motel cinema cinemas theaters lanes arcade bistro eatery
steakhouse cantina pancake pancakes cookies sweets treats paints optical jewelers jewelry
florist florists flowers nursery pets vet veterinary car cars carwash wash laundromat cleaning
""".split())
# Words of a public body or a community organisation: a name with one is never a business.
_ORGANISATION_WORDS = frozenset("""
church churches parish cathedral chapel mosque masjid synagogue temple congregation ministry
ministries school schools academy elementary university college library libraries district
department police fire sheriff club clubs association council foundation society alliance
coalition league scouts rotary lions kiwanis elks vfw legion pta pto ymca ywca salvation army
pantry shelter hospital ward alderman alderwoman alderperson caps pal cpd cta cfd cps committee
commission board nonprofit non-profit charity charities habitat humanity mission chamber
government agency authority federal fbi dea atf usps officer officers cadets explorers
auxiliary troop
""".split())
# Words of a place or a group of people: no business unless the name also has a business word
# ("City of Chicago", "Park Ridge neighbors", but "Windy City Cycles").
_PLACE_WORDS = frozenset("""
park parks high middle center centre cross city village town county state neighbors
neighbours residents volunteers volunteer community friends office unit team juniors students
families parents pack guard crew youth
""".split())
_TITLES = frozenset("""
officer officers ofc sgt sergeant lt lieutenant capt captain cmdr commander chief deputy supt
superintendent det detective mayor ald alderman alderwoman alderperson gov governor sen senator
rep representative judge pastor rev reverend father fr sister brother dr mr mrs ms mx miss
principal coach director president commissioner
""".split())
BRANDS = frozenset("""
target walmart costco starbucks walgreens cvs amazon uber lyft comcast xfinity at&t verizon
t-mobile menards aldi kroger dunkin dunkin' subway chipotle pepsi coca-cola nike adidas apple
google microsoft ring adt simplisafe nest arlo geico progressive chase fedex ups doordash
grubhub ikea petsmart petco autozone midas toyota ford honda chevrolet chevy nissan hyundai kia
tesla 7-eleven shell potbelly kfc popeyes jewel jewel-osco
""".split()) | {"home depot", "best buy", "whole foods", "state farm", "wells fargo",
                "bank of america", "jiffy lube", "burger king", "taco bell", "dairy queen",
                "krispy kreme", "ace hardware"}
_POSSESSIVE = regex.compile(r"\p{L}(?:['’]s|s['’])$")


def _words(name: str) -> list[str]:
    return [w.strip(".,").lower().replace("’", "'") for w in name.split()]


def is_business(name: str, *, any_name: bool = False) -> bool:
    """Is ``name`` (a run of capitalised words) a private business, or one of the names it
    lists ("Officer Lee and Acme Hardware")? With ``any_name``, every name is, except a public
    body, a community organisation or an official with a title."""
    parts = regex.split(r",?[^\S\n]+and[^\S\n]+|,[^\S\n]*", name)
    if len(parts) > 1:
        return any(_is_business(part, any_name) for part in parts if part.strip())
    return _is_business(name, any_name)


def _is_business(name: str, any_name: bool) -> bool:
    words = _words(name)
    if words and words[0] == "the":
        words = words[1:]
    if not words or words[0] in _TITLES:
        return False
    bare = [w[:-2] if w.endswith("'s") else w for w in words]
    if any(w in _ORGANISATION_WORDS for w in bare) or (
            "bank" in bare and ("food" in bare or "blood" in bare)):
        return False
    tokens = name.split()
    if (any(w in _BUSINESS_WORDS for w in bare) or " ".join(bare) in BRANDS
            or bare[0] in BRANDS):
        return True
    if any(w in _PLACE_WORDS for w in bare):
        return False
    return any_name or any(_POSSESSIVE.search(t.rstrip(".,")) for t in tokens) or "&" in name


def find_endorsements(text: str) -> Iterator[tuple[int, int]]:
    """Spans of ``text`` that promote a private business."""
    for pattern, any_name in ((SPONSORED, True), (THANKED, False), (DONATED_BY, False),
                              (NAME_DONATED, False), (SENT_CUSTOM, False),
                              (RECOMMENDED, False)):
        for match in pattern.finditer(text, overlapped=pattern is NAME_DONATED):
            if is_business(match.group("name"), any_name=any_name):
                end = match.end() if pattern in (THANKED, NAME_DONATED) else match.end("name")
                yield match.start(), end
