"""The policy-check rule set: every rule with its clause, word list, patterns and near misses.

How text is matched:
- A *phrase* matches as whole words in any case; a space in it matches any run of spaces or
  hyphens, and a hyphen in it matches a hyphen, a space or nothing ("officer involved" finds
  "officer-involved"; "re-elect" finds "reelect"); a trailing ``*`` matches any ending ("fuck*").
- A *pattern* is a documented regular expression for what a word list can't say.
- An *exception* is a near miss: a match overlapping one of a rule's exceptions is dropped
  ("cardiac arrest" is not an arrest). Exceptions apply to the built-in lists only; a phrase an
  administrator adds always counts.
Curly quotes, non-breaking spaces and typographic dashes are read as their plain forms.
"""
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .findings import Severity, WaiverKind

# Each rule cites the clauses that govern the department's official accounts (Detroit 102.8-4.4
# and 4.7, Deerfield C, Chicago "Use of Social Media Outlets" IV.B and "Twitter" IV, the
# Massachusetts model policy IV.A), never the sections on members' personal accounts (Detroit
# 4.5-4.6, Deerfield F, Chicago V, Massachusetts IV.C).
GUILT_CLAUSE = ("Detroit 102.8-4.4.c; Deerfield C.a.iii; "
                "Chicago Use of Social Media Outlets IV.B.2")
CONFIDENTIAL_CLAUSE = ("Detroit 102.8-4.4.c; Deerfield C.a.iii; "
                       "Chicago Use of Social Media Outlets IV.B.3; Massachusetts IV.A.4.e.1")
PERSONAL_CLAUSE = "Chicago Use of Social Media Outlets IV.B.6; Massachusetts IV.A.4.c"
POLITICAL_CLAUSE = "Detroit 102.8-4.4.d; Deerfield C.a.iv; Massachusetts IV.A.6.f"
ADVERTISING_CLAUSE = ("Detroit 102.8-4.4.d; Deerfield C.a.iv; Chicago Twitter IV.E; "
                      "Massachusetts IV.A.6.e")
IDENTITY_CLAUSE = "Chicago Use of Social Media Outlets IV.B.6"
COPYRIGHT_CLAUSE = ("Detroit 102.8-4.4.e; Deerfield C.3; Chicago Use of Social Media Outlets "
                    "IV.B.4; Massachusetts IV.A.6.d")
TONE_CLAUSE = "Detroit 102.8-4.4.a; Deerfield C.a.i; Massachusetts IV.A.6.c; Chicago Twitter IV.B"
EMPLOYEE_CLAUSE = ("Massachusetts IV.A.4.b.2 and IV.A.4.b.4; "
                   "Chicago Use of Social Media Outlets IV.B.6")
IMAGE_CLAUSE = ("Detroit 102.8-4.4.c and 4.7; Deerfield C.a.iii; "
                "Chicago Use of Social Media Outlets IV.B.3; Massachusetts IV.A.4.d")
# What a finding a waiver can allow tells the author.
NEWS_AFFAIRS_EXCEPTION = "News Affairs can approve an exception for this post."

@dataclass(frozen=True)
class Pattern:
    description: str  # what it finds, in words, for the help page
    regex: str
    case_sensitive: bool = False


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    clause: str  # short names of the source policy clauses; findings cite them via .citations
    title: str
    description: str  # what the rule looks for
    message: str      # what the author should do about a finding
    phrases: tuple[str, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    exceptions: tuple[str, ...] = ()
    applies_to: str = "text"  # "text" or "image"
    extendable: bool = True   # may an administrator add phrases?
    # Who may allow a blocking finding of this rule for one post (a recorded ``Waiver``);
    # None: nobody, the text or image must change.
    waiver: WaiverKind | None = None
    notes: tuple[str, ...] = field(default=())  # decisions worth knowing, for the help page

    @property
    def source_reference(self) -> str:
        """The source policies behind the rule, each named in full (``clause`` is short)."""
        from .citations import source_reference

        return source_reference(self.clause)


def _word_list(name: str) -> tuple[str, ...]:
    lines = resources.files("beatdesk.checks").joinpath("data", name).read_text("utf-8")
    return tuple(line.strip() for line in lines.splitlines()
                 if line.strip() and not line.lstrip().startswith("#"))


GUILT = Rule(
    code="guilt", severity=Severity.BLOCKING, clause=GUILT_CLAUSE,
    title="Statement about guilt or innocence",
    description="Statements that a suspect or arrestee is guilty or innocent, or words that "
                "presume it (\"caught red-handed\", \"the killer\").",
    message="Describe what happened and who was charged; never say or imply that anyone is "
            "guilty or innocent. Use \"the suspect\" or \"the arrestee\".",
    phrases=(
        "guilty", "is innocent", "was innocent", "are innocent", "were innocent", "innocent of",
        "did nothing wrong", "wrongly accused", "falsely accused", "he did it", "she did it",
        "they did it", "red-handed", "caught red-handed", "the killer", "the murderer",
        "the thief", "the robber", "the burglar", "the rapist", "got our man",
        "got our guy", "confessed", "confessed to",
    ),
    exceptions=(
        # court events are facts about a court case (a warning), not our statement of guilt
        "pleaded guilty", "pleaded not guilty", "pleads guilty", "pleads not guilty", "pled guilty",
        "pled not guilty", "plead guilty", "plead not guilty", "guilty plea", "not guilty plea",
        "found guilty", "found not guilty", "guilty verdict", "not guilty verdict",
        "verdict of guilty", "verdict of not guilty",
        # the standard reminder departments add to arrest posts
        "presumed innocent until proven guilty", "innocent until proven guilty",
        "killer whale", "killer whales",
    ),
    notes=("\"The thief\" and the like count because they presume guilt; in a prevention tip, "
           "write \"thieves\" or \"a thief\".",
           "\"All suspects are presumed innocent until proven guilty\" is fine."),
)

# Who a comment on a case is about: the person charged, by pronoun or role.
_ACCUSED = (r"(?:he|she|they|him|her|them|(?:the|this|that|these|those)\s+(?:suspects?|arrestees?|"
            r"defendants?|offenders?|accused|men|man|women|woman|drivers?|thief|thieves|"
            r"burglars?|robbers?|pair|trio|two|three|four|guy|guys|individuals?))")

PENDING_PROSECUTION = Rule(
    code="pending_prosecution", severity=Severity.BLOCKING, clause=GUILT_CLAUSE,
    title="Comment about a pending prosecution",
    description="Comments on a case before the courts: how strong the case or the evidence is, "
                "what the verdict or sentence will or should be, what the judge, jury or "
                "prosecutors should do, or how lenient the courts are.",
    message="Remove the comment. Official posts state only the facts the charging authority "
            "has released (the charge as filed, the next court date) and never comment on a "
            "pending case.",
    phrases=(
        "open-and-shut case", "open and shut case", "slam dunk", "slam-dunk", "throw the book at",
        "throw away the key", "lock him up", "lock her up", "lock them up", "rot in jail",
        "rot in prison", "rot in a cell", "rot behind bars", "justice will be served",
        "going away for a long time", "away for a very long time", "never walk free",
        "never see the light of day", "slap on the wrist", "on a technicality",
        "revolving door", "catch and release", "soft on crime", "charges will stick",
        "the charges will stick", "walk free", "walks free", "get off easy", "gets off easy",
        "maximum sentence", "expect a conviction", "conviction is certain",
    ),
    patterns=(
        Pattern("what the person charged will, should or deserves to get: \"he will be "
                "convicted\", \"she should go to prison\", \"they deserve life\"",
                rf"(?<!\w){_ACCUSED}(?:'ll|\s+will|\s+(?:is|are)\s+going\s+to|\s+should|"
                r"\s+must|\s+deserves?(?:\s+to)?)\s+(?:(?:surely|definitely|certainly|"
                r"probably|now|never)\s+)?(?:be\s+)?(?:convicted|found\s+guilty|"
                r"go\s+(?:to\s+)?(?:prison|jail)|(?:be\s+)?spend(?:ing)?\s+(?:\w+\s+){0,6}?"
                r"(?:in\s+(?:prison|jail)|behind\s+bars)|do\s+(?:hard\s+)?time|"
                r"serve\s+(?:hard\s+)?time|"
                r"get\s+(?:life|the\s+maximum|what's\s+coming)|life(?:\s+in\s+prison)?|"
                r"the\s+maximum|plead\s+guilty|rot|locked\s+up|put\s+away|sentenced\s+to)"
                r"(?!\w)"),
        Pattern("how strong the case or the evidence is: \"an airtight case\", \"the "
                "evidence is overwhelming\", \"the case against him is solid\"",
                r"(?<!\w)(?:(?:strong|solid|airtight|air-tight|iron-?clad|watertight|"
                r"rock-solid)\s+case(?!\s+(?:for|of)\b)(?:\s+against\s+(?:him|her|them))?|"
                r"(?:the\s+)?evidence\s+(?:is|was|against\s+(?:him|her|them)\s+is)\s+"
                r"(?:overwhelming|conclusive|undeniable|irrefutable|airtight|clear)|"
                r"(?:overwhelming|conclusive|undeniable|irrefutable)\s+evidence|"
                r"case\s+against\s+(?:him|her|them|the\s+\w+)\s+is\s+(?:airtight|air-tight|"
                r"strong|solid|rock-solid|iron-?clad|watertight|overwhelming))(?!\w)"),
        Pattern("what the court, judge, jury or prosecutors should do: \"we hope the judge "
                "...\", \"the jury should ...\", \"no bail for ...\"",
                r"(?<!\w)(?:(?:hope|hoping|hopefully|trust|urge|urging|expect|want)\s+"
                r"(?:that\s+)?"
                r"(?:the\s+)?(?:judge|jury|courts?|prosecutors?|state's\s+attorney|"
                r"district\s+attorney)(?!\w)|(?:the\s+)?(?:judge|jury|courts?|prosecutors?)"
                r"\s+(?:should|must|better|needs?\s+to)(?!\w)|no\s+(?:bail|bond)\s+for|"
                r"(?:should|must)(?:\s+not|n't)?\s+(?:get|be\s+given|receive|stay|remain)\s+"
                r"(?:no\s+)?(?:bail|bond|locked\s+up|behind\s+bars|in\s+jail)(?!\w))"),
    ),
    exceptions=("revolving door of volunteers",),
    waiver=None,
    notes=("Stating the charge as filed, the next court date or that charges are pending is "
           "a fact, not a comment: it is the \"Facts about a court case\" warning, which the "
           "author acknowledges.",
           "No one may allow a comment on a pending prosecution: the text must change."),
)

COURT_CASE = Rule(
    code="court_case", severity=Severity.WARNING, clause=GUILT_CLAUSE,
    title="Facts about a court case",
    description="Charges, court dates, trials, pleas or sentencing mentioned as facts.",
    message="Stick to the facts the charging authority or the court record has made public (the "
            "charge as filed, the next court date); don't comment on the case. Acknowledge "
            "with a reason if this is such a fact.",
    phrases=(
        "trial", "trials", "stand trial", "awaiting trial", "trial date", "charged with",
        "was charged", "were charged", "has been charged", "have been charged", "will be charged",
        "is charged", "are charged", "charges", "faces charges", "facing charges",
        "criminal charges", "felony charge", "misdemeanor charge", "court date",
        "court appearance", "appear in court", "bond court", "bond hearing", "detention hearing",
        "preliminary hearing", "arraignment", "arraigned", "indictment", "indicted",
        "plea deal", "plea agreement", "plea bargain", "pleaded guilty", "pleaded not guilty",
        "pleads guilty", "pleads not guilty", "pled guilty", "pled not guilty", "guilty plea",
        "not guilty plea", "entered a plea", "sentencing", "sentenced", "grand jury", "jury",
        "prosecutor", "prosecutors", "prosecution", "district attorney", "state's attorney",
        "convicted", "conviction", "found guilty", "found not guilty", "acquitted", "verdict",
    ),
    exceptions=("clinical trial", "clinical trials", "free trial", "trial run", "trial period",
                "trial basis", "jury duty", "service charges", "k9 trials", "k-9 trials",
                "field trials", "time trials", "time trial"),
    notes=("A comment on the case (how strong it is, what the sentence should be) is a "
           "blocking \"Comment about a pending prosecution\" instead.",),
)

CONFIDENTIAL = Rule(
    code="confidential", severity=Severity.BLOCKING, clause=CONFIDENTIAL_CLAUSE,
    title="Confidential or operational information",
    description="Investigation details, warrants to be served, search warrants, undercover "
                "work, informants, surveillance operations, tactical plans, criminal records "
                "(CORI).",
    message="Remove operational details. Say only what the investigation can make public; "
            "ask the investigating unit or News Affairs if unsure.",
    phrases=(
        "search warrant", "search warrants", "warrant sweep", "warrant sweeps", "no-knock",
        "undercover", "informant", "informants", "confidential informant", "confidential source",
        "criminal offender record information", "rap sheet", "criminal history", "wiretap",
        "wiretaps", "sting operation", "stakeout", "under surveillance", "surveillance operation",
        "surveillance team", "tactical plan", "operational plan", "operations plan",
        "staging area", "planned raid", "raid planned", "law enforcement sensitive",
        "for official use only", "not for release", "details of the investigation",
    ),
    patterns=(
        Pattern("a warrant about to be served or executed (\"warrants will be served\")",
                r"(?<!\w)warrants?\s+(?:to\s+be|will\s+be|are\s+being|is\s+being|being)\s+"
                r"(?:served|executed)(?!\w)"),
        Pattern("serving or executing a warrant (\"serve the warrant\")",
                r"(?<!\w)(?:serv|execut)(?:e|es|ed|ing)\s+(?:(?:an?|the|our|\w+)\s+){0,2}"
                r"warrants?(?!\w)"),
        Pattern("CORI (Criminal Offender Record Information), in capitals so the name Cori "
                "stays clear", r"(?<!\w)C\.?O\.?R\.?I\b\.?", case_sensitive=True),
        Pattern("FOUO (For Official Use Only), in capitals", r"(?<!\w)FOUO(?!\w)",
                case_sensitive=True),
    ),
    notes=("\"Surveillance video\" or \"surveillance footage\" in a request for tips is fine; "
           "only surveillance operations count.",
           "\"Wanted on an outstanding warrant\" is fine; serving warrants is not."),
)

PERSONAL_INFO = Rule(
    code="personal_info", severity=Severity.BLOCKING, clause=PERSONAL_CLAUSE,
    title="Personal information",
    description="Dates of birth, home addresses, personal phone numbers and e-mail addresses, "
                "Social Security numbers. Only official department contact information may "
                "be posted.",
    message="Remove the personal information. Official contact details (the department's "
            "and districts' phone numbers, e-mail domains and addresses) are fine.",
    patterns=(
        Pattern("a date of birth: \"DOB\", \"date of birth\" or \"born (on)\" followed by a full "
                "date", "see beatdesk/checks/personal.py DATE_OF_BIRTH"),
        Pattern("a home address: a street address (house number, capitalised street name in "
                "any script, a suffix such as St or Avenue, or a direction: \"4412 N. Kedzie\") "
                "tied to a person: within a few words after \"lives\", \"resides\", \"home\", "
                "\"residence\", \"address\", \"resident of\", \"tenant\"; right after a "
                "person and \"of\" (\"Maria Lopez, 34, of 1200 N. Main St.\"); followed by "
                "\"where she lives\"; or with a flat or unit number (\"Apt. 2B\")",
                "see STREET_ADDRESS, RESIDENCE_CUE, PERSON_OF, RESIDENCE_AFTER, HOME_UNIT"),
        Pattern("a phone number libphonenumber recognises as valid, other than the official "
                "department and district numbers and toll-free lines", "phonenumbers"),
        Pattern("an e-mail address outside the department's official domains",
                "see EMAIL"),
        Pattern("a Social Security number (never 000, 666 or 9xx in the first part)",
                "see SSN"),
    ),
    notes=("Short codes such as 911 and 311 are not phone numbers.",
           "\"The 1200 block of Main Street\" is the way to say where something happened: a "
           "block, an intersection (\"63rd and Halsted\") or a public place (\"Harrison "
           "Park\") is never a home address, even next to a person (\"John Doe, 34, of the "
           "1200 block of N. Main St.\").",
           "The department's and districts' own addresses are always fine; any other full "
           "street address not tied to a person is a warning (a venue is fine, a home is not)."),
)

STREET_ADDRESS = Rule(
    code="street_address", severity=Severity.WARNING, clause=PERSONAL_CLAUSE,
    title="Street address",
    description="A full street address that isn't the department's or a district's contact "
                "address. An event venue is fine; a person's home is not.",
    message="If this is somebody's home, remove it or give the block instead (\"the 1200 "
            "block of Main Street\"). If it is a public venue, acknowledge with that reason.",
    patterns=(Pattern("a street address not preceded by words about a residence",
                      "see beatdesk/checks/personal.py STREET_ADDRESS"),),
    extendable=False,
)

VICTIM_IDENTITY = Rule(
    code="victim_identity", severity=Severity.BLOCKING, clause=IDENTITY_CLAUSE,
    title="Identity of a victim, witness or complainant",
    description="A private person's name next to words that make them a victim, a witness or "
                "the person who reported a crime: \"the victim, Maria Lopez\", \"Maria Lopez, "
                "34, was struck\", \"witness Aaron Feldman told officers\", \"Ahmed Ali's car "
                "was stolen\", \"the victim's mother, Keisha Brown\".",
    message="Remove the name (and anything else that identifies the person). Describe them "
            "instead: \"a 34-year-old woman\", \"a witness\".",
    phrases=(
        "victim", "victims", "crime victim", "complainant", "complainants",
        "witness", "witnesses", "eyewitness", "eyewitnesses", "bystander", "bystanders",
        "decedent", "the deceased", "homeowner", "homeowners", "pedestrian", "pedestrians",
        "cyclist", "cyclists", "bicyclist", "bicyclists", "passenger", "passengers",
        "caller", "reporting party",
    ),
    patterns=(
        Pattern("a role word above, then the name: \"the victim, Maria Lopez\", \"victim: "
                "Liam O'Connor\", \"the victim, identified as Daniel Okafor\", \"the "
                "victim's mother, Keisha Brown\"", "see beatdesk/checks/identity.py"),
        Pattern("the name, then what happened to the person: \"was struck\", \"was robbed\", "
                "\"who was stabbed\", \"was taken to the hospital\", \"died\"",
                "see VICTIM_AFTER"),
        Pattern("the name, then what a witness or complainant did: \"told police\", "
                "\"called 911\", \"saw the crash\", \"reported the theft\"", "see VICTIM_AFTER"),
        Pattern("the name's property: \"Björn Ólafsson's apartment was burglarized\"",
                "see VICTIM_AFTER"),
        Pattern("\"identified the victim as ...\", \"a call from ...\", \"the woman who was "
                "mugged, ...\"", "see _IDENTIFIED_BEFORE, _CONTACT_BEFORE, _RELATIVE_BEFORE"),
    ),
    notes=("Names are capitalised words in any script, or a run of a script without capitals "
           "(\"王伟\"); place and business names (\"Marquette Park\", \"Family Dollar\") are "
           "not names.",
           "Officers and officials named with their title (\"Officer Jane Smith received the "
           "Lifesaving Award\", \"Commander Ortega\", \"Ald. Hadden\") are never flagged, "
           "even when hurt on duty; nor are later mentions of the same names.",
           "\"The victim, a 34-year-old man\" is the way to say it.",
           "An added phrase is a word for the person's role: adding \"survivor\" makes "
           "\"the survivor, Mei Chen\" a finding."),
)

JUVENILE_IDENTITY = Rule(
    code="juvenile_identity", severity=Severity.BLOCKING, clause=IDENTITY_CLAUSE,
    title="Identity of a juvenile",
    description="A name next to an age under 18 or a word for a child: \"a 15-year-old named "
                "Tyler Brooks\", \"Tyler Brooks, 15,\", \"16-year-old Kevin Zhang\", \"Tyler "
                "Brooks (14)\", \"the juvenile, Ana Ruiz\".",
    message="Remove the name; say \"a 15-year-old boy\". Juveniles are never identified, "
            "whether they are victims, witnesses or arrested.",
    phrases=(
        "juvenile", "juveniles", "minor", "minors", "teen", "teens", "teenager", "teenagers",
        "boy", "boys", "girl", "girls", "child", "children", "kid", "kids", "toddler",
        "toddlers", "infant", "infants", "baby", "babies", "youth", "youths",
    ),
    patterns=(
        Pattern("an age under 18 before the name: \"16-year-old Kevin Zhang\", \"a 15-year-old "
                "named Jayden\", \"fourteen-year-old Amani Okoro\"", "see _AGE_BEFORE"),
        Pattern("an age under 18 after the name: \"Tyler Brooks, 15,\", \"(14)\", \", age "
                "13\", \", a 12-year-old\"", "see JUVENILE_AFTER"),
        Pattern("a word above, then the name: \"the juvenile, Ana Ruiz\", \"the boy, Ethan\"",
                "see beatdesk/checks/identity.py"),
    ),
    notes=("A missing-person notice may name the missing child: that is how the child is found. "
           "Once the post says the child was found (\"found safe\", \"located\"), the name "
           "must come down, and the rule applies again.",
           "Adults named with their age (\"Jane Smith, 34, of Oak Park, was arrested\") are "
           "not juveniles.",
           "An added phrase is a word for a child: a name next to it counts."),
)

POLITICAL = Rule(
    code="political", severity=Severity.BLOCKING, clause=POLITICAL_CLAUSE,
    title="Political activity or endorsement",
    description="Urging a vote, endorsing a candidate, party or ballot measure, or campaign "
                "activity.",
    message="The department takes no side in elections. Remove the endorsement; neutral "
            "election-day information (road closures near polling places) is fine. "
            + NEWS_AFFAIRS_EXCEPTION,
    phrases=(
        "vote for", "vote against", "vote yes", "vote no", "vote yes on", "vote no on",
        "re-elect", "re-election campaign", "reelection campaign", "political campaign",
        "campaign contribution", "campaign contributions",
        "campaign donation", "campaign donations", "campaign fund", "campaign rally",
    ),
    patterns=(
        Pattern("endorsing, followed in the same sentence by a candidate, office, party, "
                "campaign or ballot measure",
                r"(?<!\w)endors(?:e|es|ed|ing|ement)(?!\w)(?=[^.!?\n]{0,80}?(?<!\w)"
                r"(?:candidates?|campaign|elections?|re-?election|ballot|party|mayor|governor|"
                r"senator|congress\w*|council\w*|alderm[ae]n|alderperson|president|sheriff|"
                r"proposition|referendum|ticket)(?!\w))"),
        Pattern("\"Elect\" followed by a name (\"Elect Jane Doe\")",
                r"(?<![\w-])(?:[Ee]lect|ELECT)\s+[A-Z][a-z]+", case_sensitive=True),
        Pattern("a candidate for an office, or a mayoral/presidential/... candidate",
                r"(?<!\w)(?:(?:mayoral|gubernatorial|presidential|congressional|senate|council|"
                r"aldermanic|judicial|political|democratic|republican)\s+(?:candidates?|"
                r"nominees?|hopefuls?)|(?:candidates?|running)\s+for\s+(?:mayor|governor|"
                r"president|congress|senate|state\s+\w+|city\s+council|council|alderman|"
                r"alderperson|sheriff|state's\s+attorney|district\s+attorney|judge|"
                r"public\s+office|office))(?!\w)"),
        Pattern("support for a party (\"support the Republican ...\", \"vote Democratic\")",
                r"(?<!\w)(?:support|back|join|donate\s+to|vote|elect)(?!\w)[^.!?\n]{0,30}?"
                r"(?<!\w)(?:Democrats?|Democratic|Republicans?|GOP|Libertarian|Green\s+Party)"
                r"(?!\w)"),
    ),
    exceptions=("vote for your favorite", "vote for your favourite", "vote for the name",
                "vote for the best"),
    notes=("Reporting a community decision (\"residents voted for the new park name\") is not "
           "political activity; urging people how to vote is.",
           "\"Click It or Ticket campaign\" and other safety campaigns are fine; so are police "
           "officer candidates.",
           "\"The mayor endorsed our Safe Summer program\" is fine: endorsing counts only with "
           "a candidate, party, office or ballot measure after it.",
           "Only an exception News Affairs approves for the post allows it, and only for the "
           "words it names."),
    waiver=WaiverKind.NEWS_AFFAIRS,
)

ADVERTISING = Rule(
    code="advertising", severity=Severity.BLOCKING, clause=ADVERTISING_CLAUSE,
    title="Private business or commercial endorsement",
    description="Promoting or endorsing a private business, product or service: a business "
                "named as sponsor (\"sponsored by Acme Alarms\", \"brought to you by\"), "
                "thanked for donating, or sent custom (\"visit Joe's Diner\"); recommending a "
                "product; discounts, promo codes and calls to buy.",
    message="Official accounts don't promote private businesses, products or services. Remove "
            "the promotion, or thank donors without naming or promoting a business. "
            + NEWS_AFFAIRS_EXCEPTION,
    phrases=(
        "discount", "discounts", "discounted", "promo code", "promotional code", "coupon",
        "coupons", "coupon code", "use code", "our sponsor", "our sponsors", "visit our sponsor",
        "visit our sponsors", "sponsored post", "sponsored content", "paid partnership",
        "paid promotion", "#ad", "#sponsored", "buy now", "shop now", "order now",
        "limited time offer", "special offer", "exclusive deal", "on sale", "free trial",
        "best prices", "lowest prices", "free estimate", "free estimates",
        "free consultation",
    ),
    patterns=(
        Pattern("a price cut: \"20% off\", \"20 percent off\", \"$5 off\"",
                r"(?:(?<![\w.])\d+(?:\.\d+)?\s?%|(?<!\w)\d+\s+percent|\$\s?\d+(?:\.\d\d)?)"
                r"\s+off(?!\w)"),
        Pattern("the best products of a place: \"the best pizza in town\"",
                r"(?<!\w)best\s+(?:\w+\s+){0,2}?(?:pizza|coffee|burgers?|tacos?|donuts?|"
                r"doughnuts?|deals?|prices?|bbq|barbecue|sandwich(?:es)?|ice\s+cream|"
                r"pastries|steaks?|wings|hot\s+dogs?|mechanics?)\s+in\s+(?:town|the\s+(?:city|"
                r"area|neighbou?rhood|district|state|world)|chicago)(?!\w)"),
        Pattern("a favourite business: \"our favorite coffee shop\"",
                r"(?<!\w)(?:our|my|the\s+officers')\s+(?:very\s+)?favou?rite\s+(?:\w+\s+)?"
                r"(?:shop|store|restaurant|diner|bakery|cafe|café|bar|spot|place|joint|brand|"
                r"dealership|mechanic)(?!\w)"),
        Pattern("a business named as sponsor or thanked for donating, sent custom (\"visit "
                "Joe's Diner\") or recommended (\"we recommend Acme Alarms\"): a name "
                "with a business word, a possessive, a company suffix or a known brand, never a "
                "church, school, club, association, park or public body",
                "see beatdesk/checks/endorsements.py"),
    ),
    exceptions=("tickets on sale", "tickets are on sale", "tickets go on sale",
                "tickets now on sale"),
    waiver=WaiverKind.NEWS_AFFAIRS,
    notes=("A charity event, a food drive or a toy drive is fine as long as no business is "
           "promoted: \"thanks to the volunteers who donated\", \"sponsored by the Rotary "
           "Club\" and \"thanks to Jewel-Osco for hosting\" stay clear.",
           "Where the department wants to thank a sponsor, News Affairs approves the exception "
           "for the post, for the words it names."),
)

OBSCENE = Rule(
    code="obscene", severity=Severity.BLOCKING,
    clause="Detroit 102.8-4.7.1; Massachusetts IV.A.6.b",
    title="Obscene or sexual language",
    description="Profanity and sexual terms (list in beatdesk/checks/data/obscene.txt).",
    message="Remove the language; official posts follow the department's standards of conduct.",
    phrases=_word_list("obscene.txt"),
)

DEMEANING = Rule(
    code="demeaning", severity=Severity.BLOCKING,
    clause="Detroit 102.8-4.7.2; Massachusetts IV.A.6.a",
    title="Demeaning of a protected class",
    description="Slurs and sweeping slurs about a race, religion, national origin, age group, "
                "disability, veteran status or ethnicity (list in "
                "beatdesk/checks/data/demeaning.txt).",
    message="Remove it. Describe people by what is relevant to the public (a suspect's "
            "description), never with slurs or generalisations about a group.",
    phrases=_word_list("demeaning.txt"),
    exceptions=("chink in the armor", "chink in the armour", "chink in our armor",
                "chink in their armor", "spic and span", "spic-and-span"),
    patterns=(
        Pattern("a generalisation about a group (\"all immigrants are criminals\")",
                r"(?<!\w)(?:all|those|these)\s+(?:black|white|hispanic|latino|latina|asian|"
                r"mexican|muslim|jewish|christian|gay|immigrant|arab|african|indian|disabled|"
                r"old|elderly|homeless)(?:s|es)?\s+(?:people\s+)?(?:are|is)\s+(?:just\s+)?"
                r"(?:criminals?|animals?|thugs?|illegals?|terrorists?|savages?|vermin|"
                r"trash|parasites?)(?!\w)"),
    ),
)

TONE = Rule(
    code="tone", severity=Severity.WARNING, clause=TONE_CLAUSE,
    title="Insulting or mocking tone",
    description="Words that insult, mock or harass a person: name-calling (\"idiot\", "
                "\"what a clown\", \"dumbest criminal\"), laughing at someone (\"lol at this "
                "guy\"), taunting a suspect (\"bet he regrets it\", \"enjoy your stay\"), "
                "sarcasm aimed at a person (\"this genius\", \"criminal mastermind\").",
    message="Official posts and replies stay professional, whoever they are about. Say what "
            "happened without mocking or insulting anyone. Acknowledge with a reason if the "
            "words are not aimed at a person.",
    # Words that insult wherever they stand (unless the writer means themselves: "I felt like
    # an idiot"), and mocking phrases. Weaker words ("clown", "loser", "genius") count only
    # aimed at someone; see beatdesk/checks/tone.py.
    phrases=(
        "idiot", "idiots", "idiotic", "moron", "morons", "moronic", "imbecile*", "dumbass*",
        "jackass*", "scumbag*", "scum", "lowlife", "lowlifes", "low-life", "low-lifes",
        "dirtbag*", "douchebag*", "douche", "douches", "cretin*", "numbskull*", "nitwit*",
        "halfwit*", "dimwit*", "knucklehead*", "bonehead*", "boneheaded", "meathead*", "bozo",
        "bozos", "buffoon*", "doofus", "nincompoop*", "brain-dead", "brainless", "pea-brained",
        "knuckle-dragger*", "thug", "thugs", "thuggish", "sicko", "sickos", "weirdo", "weirdos",
        "pervert", "perverts", "lunatic", "lunatics", "psycho", "psychos", "nutjob*",
        "nutcase*", "deadbeat", "deadbeats", "lmao", "lmfao", "rofl", "roflmao", "fafo",
        "dumbest criminal", "dumbest criminals", "dumb criminal", "dumb criminals",
        "stupid criminal", "stupid criminals", "criminal mastermind", "criminal masterminds",
        "criminal genius", "not the brightest", "not the sharpest", "sharpest tool in the shed",
        "brightest bulb", "play stupid games", "played stupid games", "stupid prizes",
        "epic fail", "smooth move", "nice try", "better luck next time", "enjoy your stay",
        "orange jumpsuit", "three hots and a cot", "tick tock", "tick-tock",
        "can run but can't hide", "can run but cannot hide", "can run but you can't hide",
        "can run but you cannot hide", "your days are numbered",
        "what was he thinking", "what was she thinking", "what were they thinking",
        "can't fix stupid", "stupid is as stupid does", "darwin award", "darwin awards",
        "facepalm", "walk of shame", "hall of shame", "wall of shame", "perp walk",
        "questionable life choices", "poor life choices", "bad life choices", "shame on him",
        "shame on her", "shame on them", "shame on you",
        "we know where you live",
    ),
    patterns=(
        Pattern("a weaker word aimed at someone: \"what a clown\", \"this genius\", "
                "\"these losers\", \"you fool\", \"a real Einstein\" (a clown at a circus "
                "or a party stays clear)", "see beatdesk/checks/tone.py AIMED"),
        Pattern("a contempt word before a person: \"dumb crook\", \"stupid driver\"",
                "see beatdesk/checks/tone.py CONTEMPT"),
        Pattern("laughing at someone: \"lol at this guy\", \"this guy ... lol\"",
                "see beatdesk/checks/tone.py LAUGHING"),
        Pattern("taunting a suspect: \"bet he regrets it\", \"he'll regret\", \"hope he "
                "enjoys his new home\", \"we're coming for you\", \"see you soon, buddy\"",
                "see beatdesk/checks/tone.py TAUNTS"),
        Pattern("sarcasm aimed at a person: \"not exactly a rocket scientist\", \"worst "
                "driver of the week\"", "see beatdesk/checks/tone.py SARCASM"),
    ),
    exceptions=("idiot-proof", "idiot light", "idiot lights", "thug life", "pond scum",
                "soap scum"),
    notes=("\"Fool-proof tips\", \"April Fools\", a clown at the circus or a birthday party, "
           "and a NASA rocket scientist at career day are fine.",
           "The writer calling themselves names (\"don't feel like an idiot if a scammer "
           "fooled you\") is fine.",
           "The rule applies to official replies to visitors' comments as well as to posts."),
)

EMPLOYEE_PERSONAL = Rule(
    code="employee_personal", severity=Severity.BLOCKING, clause=EMPLOYEE_CLAUSE,
    title="Personal details of an employee",
    description="An officer's, sergeant's or civilian member's age, family (a wife, a "
                "husband, children, \"father of three\"), where they live or grew up, health, "
                "life at home or other personal details, next to the employee.",
    message="Remove the personal detail, or have the employee's consent recorded for these "
            "words before the post goes out. Rank, assignment, years of service, awards, "
            "training and education need no consent.",
    # Details that need no other words; each counts as the employee's apposition or predicate
    # ("Officer Smith, a proud dad", "Sgt. Ray, who is pregnant"). See employees.py for the rest.
    phrases=(
        "proud dad", "proud mom", "proud father", "proud mother", "proud parent",
        "proud parents", "proud grandpa", "proud grandma", "proud grandfather",
        "proud grandmother", "first-time dad", "first-time mom", "new dad", "new mom",
        "newlywed", "newlyweds", "married", "got married", "getting married", "tied the knot",
        "welcomed a baby", "new baby", "widowed", "widower", "divorced", "pregnant", "birthday",
        "hometown", "home town", "born and raised", "hobby", "hobbies", "in his spare time",
        "in her spare time", "in their spare time", "in his free time", "in her free time",
        "in their free time", "cancer", "leukemia", "chemotherapy", "in remission",
        "maternity leave", "paternity leave", "medical leave", "sick leave",
    ),
    patterns=(
        Pattern("an employee: a rank or job title before a name (\"Officer Jane Smith\", "
                "\"Sgt. Ray\", \"Dispatcher Ana Ruiz\", \"civilian member Tom Lee\"), or "
                "\"our officer\", \"one of our sergeants\"; a detail counts in the same "
                "sentence, or the next one when it starts with he, she or they",
                "see beatdesk/checks/employees.py EMPLOYEE"),
        Pattern("an age: \"Officer Jane Smith, 34,\", \"(34)\", \"34-year-old Officer\", "
                "\"turns 40\", \"40th birthday\"", "see beatdesk/checks/employees.py AGE"),
        Pattern("family, home, health and private life: the words above, tied to the employee "
                "(\"his wife\", \"a mother of three\", \"lives in Beverly\", \"battling "
                "cancer\", \"in her spare time\"), not to someone else in the sentence (\"Officer "
                "Smith helped a mother of three\")", "see beatdesk/checks/employees.py"),
    ),
    waiver=WaiverKind.EMPLOYEE_CONSENT,
    notes=("Official information about an employee needs no consent: rank, assignment, "
           "years of service (\"Officer Smith, a 12-year veteran\"), previous employment and "
           "military service, training, awards and education (Massachusetts IV.A.4.b.1).",
           "Dates of birth, home addresses and personal phone numbers or e-mail addresses are "
           "never posted, with or without consent: they are personal information.",
           "The employee's recorded consent allows the finding, for the words it names.",
           "An added phrase is another personal detail: it counts next to an employee."),
)

NOTABLE = Rule(
    code="notable", severity=Severity.NOTABLE, clause="Chicago Twitter IV.A.1",
    title="Notable incident",
    description="Arrests, shootings, homicides, officer-involved incidents and similar "
                "newsworthy incidents.",
    message="The Office of News Affairs must approve this post before it goes out.",
    phrases=(
        # arrests
        "arrest", "arrests", "arrested", "arresting", "in custody", "taken into custody",
        "apprehended",
        # shootings and other violence
        "shot", "shots fired", "shooting", "shootings", "gunfire", "gunshot", "gunshots",
        "stabbing", "stabbed", "hostage", "hostages", "barricaded",
        # homicides and deaths
        "homicide", "homicides", "murder", "murders", "murdered", "killed", "killing",
        "killings", "slain", "manslaughter", "fatal", "fatally", "fatality", "fatalities",
        "found dead", "death investigation",
        # officer-involved incidents
        "officer-involved", "officer-involved shooting", "officer injured", "officers injured",
        "officer was injured", "officers were injured", "officer hurt", "officers hurt",
        "officer was hurt", "officers were hurt", "officer was struck", "officer struck",
        "officer assaulted", "officer was assaulted", "officers were assaulted",
        "battery on an officer", "battery to a police officer", "officer shot", "officer down",
        "use of force", "force was used", "used force", "police shooting", "taser", "tased",
        "tasered", "stun gun", "pepper spray", "pepper sprayed", "in-custody death",
        "died in custody", "death in custody",
        # pursuits
        "police pursuit", "vehicle pursuit", "foot pursuit", "pursued", "high-speed chase",
        "police chase", "fled from police", "fled from officers", "fled police",
        # robbery, carjacking and home invasion
        "armed robbery", "armed robberies", "robbed at gunpoint", "at gunpoint", "at knifepoint",
        "gunpoint", "knifepoint", "robbery in progress", "strong-arm robbery", "carjacking",
        "carjackings", "carjacked", "carjacker", "carjackers", "vehicular hijacking",
        "home invasion", "home invasions",
        # weapons and violence in other words
        "stab wound", "stab wounds", "knife attack", "slashed", "gunshot wound", "gunshot wounds",
        "wounded", "pistol-whipped", "aggravated battery with a firearm", "drive-by",
        "active shooter", "mass shooting", "armed man", "armed suspect", "gunman", "gunmen",
        "shooter", "shot at", "opened fire", "standoff", "barricade", "barricaded subject",
        "swat", "bomb threat", "explosive device", "explosion", "arson", "set on fire",
        # sexual violence
        "sexual assault", "sexual assaults", "sexually assaulted", "sexual abuse",
        "criminal sexual assault", "rape", "raped", "attempted rape",
        # abduction and missing children
        "kidnapping", "kidnapped", "kidnapper", "abduction", "abducted", "child abduction",
        "amber alert", "missing child", "missing children", "missing juvenile",
        "missing juveniles", "missing teen", "missing teenager", "missing girl", "missing boy",
        "endangered missing",
        # deaths and grave injuries
        "pronounced dead", "died at the scene", "died of his injuries", "died of her injuries",
        "died from his injuries", "died from her injuries", "succumbed", "deceased",
        "body was found", "body found", "remains were found", "critical condition",
        "serious condition", "life-threatening", "fatal crash", "fatal hit-and-run",
        "hit-and-run", "hit and run", "struck and killed", "drowned", "drowning",
        "found unresponsive", "body of", "head wound", "struck by a car", "struck by a vehicle",
        "struck by a driver",
        # violence against a person
        "robbed", "assaulted", "beaten", "was attacked", "were attacked", "the attack",
        "punched", "with a gun", "with a knife", "had a gun", "had a knife", "tied up",
        # arrests in other words
        "charged with", "behind bars", "booked",
    ),
    patterns=(
        Pattern("an officer hurt: \"Officer Lena Fischer was struck\", \"our officer ...: she "
                "was hurt\"",
                r"(?<!\w)(?:officers?|sgt\.?|sergeant|det\.|detective|lt\.|lieutenant|"
                r"commander|deputy)(?!\w)[^.!?\n]{0,40}?(?<!\w)(?:was|were)\s+(?:\w+ly\s+)?"
                r"(?:struck|injured|hurt|shot|wounded|assaulted|attacked|stabbed|hit)(?!\w)"),
    ),
    exceptions=(
        "cardiac arrest", "sudden cardiac arrest", "respiratory arrest", "arrest warrant",
        "arrest warrants", "flu shot", "flu shots", "booster shot", "booster shots",
        "vaccine shot", "shot clock", "shot put", "big shot", "long shot", "give it a shot",
        "shooting star", "shooting stars", "shooting hoops", "great shot", "nice shot",
        "killed it", "killing time",
        "murder mystery", "fatal error",
        # awareness and prevention posts, not incidents
        "sexual assault awareness", "sexual assault awareness month", "carjacking prevention",
        "prevent carjackings", "prevent a carjacking", "pursuit demonstration",
        "pepper spray training", "taser training", "swat team demonstration",
        "no one is in custody", "no one was taken into custody", "nobody is in custody",
        "no one in custody", "no one has been charged",
    ),
    notes=("\"Arrest warrant\" on its own (a wanted person) is not an arrest; \"arrested on a "
           "warrant\" is.", "The author can also mark any post notable by hand.",
           "Serious crimes count in the many words people write about them (armed robbery, "
           "carjacking, stabbing, sexual assault, a missing or abducted child, police pursuits, "
           "use of force, an officer hurt, barricades, fatal hit-and-runs); awareness and "
           "prevention posts (\"Sexual Assault Awareness Month\", \"carjacking prevention\") "
           "do not.",
           "A missing child is notable; a missing adult is a time-sensitive post that may go "
           "out at once."),
)

IMAGE_ALT = Rule(
    code="image_alt", severity=Severity.BLOCKING, clause="WCAG 2.1 SC 1.1.1 (Non-text Content)",
    title="Image without alt text",
    description="Every image needs a text alternative describing it.",
    message="Describe what the image shows for people who can't see it.",
    applies_to="image", extendable=False,
)

IMAGE_CREDIT = Rule(
    code="image_credit", severity=Severity.BLOCKING, clause=COPYRIGHT_CLAUSE,
    title="Image without credit or rights statement",
    description="Every image needs a credit and rights statement (who took it, and that the "
                "department may use it).",
    message="Add the credit and rights statement, e.g. \"Photo: Officer J. Doe, © City "
            "Police Department\".",
    applies_to="image", extendable=False,
)

IMAGE_ATTESTATION = Rule(
    code="image_attestation", severity=Severity.BLOCKING, clause=IMAGE_CLAUSE,
    title="Image not attested",
    description="The uploader attests that the image does not show: a crime or accident scene; "
                "a detainee, a deceased person, a victim or a complainant; a person who is the "
                "subject of a police matter or investigation (a suspect, a wanted or a missing "
                "person); department training, operations or work assignments; undercover "
                "staff; or a non-public area of a department facility.",
    message="Confirm the attestation for this image, or remove the image. Where the image "
            "must show one of these (for example a wanted or missing-person image), a command "
            "officer can record the Chief's written permission for it.",
    applies_to="image", extendable=False, waiver=WaiverKind.IMAGE_PERMISSION,
    notes=("The Chief's written permission, recorded by a command officer for the image and "
           "the post, allows the finding; every reviewer sees it.",),
)

# Every rule, in the order findings are listed.
RULES: tuple[Rule, ...] = (
    GUILT, PENDING_PROSECUTION, COURT_CASE, CONFIDENTIAL, PERSONAL_INFO, STREET_ADDRESS,
    EMPLOYEE_PERSONAL, VICTIM_IDENTITY, JUVENILE_IDENTITY, POLITICAL, ADVERTISING, OBSCENE,
    DEMEANING, TONE, IMAGE_ALT, IMAGE_CREDIT, IMAGE_ATTESTATION, NOTABLE,
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
# Rules whose word lists an administrator may extend.
EXTENDABLE_RULES = tuple(rule for rule in RULES if rule.extendable)


_SPACE, _HYPHEN, _ANY_ENDING, _END = " ", "-", "*", ""
_TOKEN_REGEX = {_SPACE: r"[\s\-]+", _HYPHEN: r"[\s\-]?", _ANY_ENDING: r"\w*"}


def _tokens(phrase: str) -> list[str]:
    phrase = " ".join(phrase.lower().split())
    any_ending = phrase.endswith("*")
    tokens = list(phrase.rstrip("*").strip())
    return tokens + [_ANY_ENDING] if any_ending else tokens


def _render(node: dict) -> str:
    branches = [(_TOKEN_REGEX.get(token) or re.escape(token)) + _render(child)
                for token, child in sorted(node.items()) if token != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # A phrase may end here: the longer phrases are tried first (greedy), then this one.
    return f"(?:{body})?" if _END in node else body


def phrases_regex(phrases) -> str | None:
    """Whole-word, case-insensitive regular expression for a list of phrases.

    The phrases are merged into a trie ("arrest", "arrested", "arrests" -> ``arrest(?:ed|s)?``)
    so matching costs about the same however long the list grows.
    """
    trie: dict = {}
    for phrase in phrases:
        tokens = _tokens(phrase)
        if not tokens or tokens == [_ANY_ENDING]:
            continue
        node = trie
        for token in tokens:
            node = node.setdefault(token, {})
        node[_END] = {}
    if not trie:
        return None
    return rf"(?<!\w)(?:{_render(trie)})(?!\w)"


def compile_phrases(phrases) -> re.Pattern | None:
    """One compiled pattern for many phrases; at one place, the longest phrase wins.

    A tuple of phrases (the rules' lists, an administrator's phrases in a ``CheckContext``) is
    compiled once and remembered: every post check and comment screening reuses it."""
    if isinstance(phrases, tuple):
        return _compiled_phrases(phrases)
    regex = phrases_regex(phrases)
    return re.compile(regex, re.IGNORECASE) if regex else None


@lru_cache(maxsize=256)
def _compiled_phrases(phrases: tuple[str, ...]) -> re.Pattern | None:
    regex = phrases_regex(phrases)
    return re.compile(regex, re.IGNORECASE) if regex else None
