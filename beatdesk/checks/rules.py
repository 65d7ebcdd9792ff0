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

GUILT_CLAUSE = "Detroit 102.8-4.4.c; Deerfield C.a.iii; Chicago IV.B.2"
CONFIDENTIAL_CLAUSE = "Detroit 102.8-4.4.c; Massachusetts IV.A.4.e and IV.C.8.b; Chicago IV.B.3"
PERSONAL_CLAUSE = "Massachusetts IV.A.4.b.3 and IV.A.4.c"
POLITICAL_CLAUSE = "Detroit 102.8-4.4.d; Deerfield C.a.iv; Massachusetts IV.A.6.f"
ADVERTISING_CLAUSE = "Chicago Twitter IV.E; Detroit 102.8-4.4.d; Massachusetts IV.A.6.e"
IDENTITY_CLAUSE = ("Chicago Use of Social Media Outlets IV.B.6 (privacy protections); "
                   "Massachusetts IV.C.8.e")
COPYRIGHT_CLAUSE = "Detroit 102.8-4.4.e; Chicago IV.B.4; Deerfield C.3; Massachusetts IV.A.6.d"


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
        # court events are pending-prosecution comments (a warning), not our statement of guilt
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

PENDING_PROSECUTION = Rule(
    code="pending_prosecution", severity=Severity.WARNING, clause=GUILT_CLAUSE,
    title="Comment about a prosecution",
    description="Comments about charges, court dates, trials, pleas or sentencing.",
    message="Stick to the facts the charging authority has released (the charge as filed); "
            "don't comment on the case. Acknowledge with a reason if this is such a fact.",
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
                "trial basis", "jury duty", "service charges"),
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
            "election-day information (road closures near polling places) is fine.",
    phrases=(
        "vote for", "vote against", "vote yes", "vote no", "vote yes on", "vote no on",
        "re-elect", "political campaign", "campaign contribution", "campaign contributions",
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
           "a candidate, party, office or ballot measure after it."),
)

ADVERTISING = Rule(
    code="advertising", severity=Severity.WARNING, clause=ADVERTISING_CLAUSE,
    title="Private business or advertising",
    description="Discounts, promo codes, sponsorship, calls to buy.",
    message="Official accounts don't advertise private projects, products or services. "
            "Remove the promotion, or acknowledge with the authorisation.",
    phrases=(
        "discount", "discounts", "discounted", "promo code", "promotional code", "coupon",
        "coupons", "coupon code", "use code", "sponsored", "sponsored by", "our sponsor",
        "our sponsors", "visit our sponsor", "brought to you by", "buy now", "shop now",
        "order now", "limited time offer", "special offer", "exclusive deal", "on sale",
        "free trial", "best prices",
    ),
    patterns=(
        Pattern("a price cut: \"20% off\", \"20 percent off\", \"$5 off\"",
                r"(?:(?<![\w.])\d+(?:\.\d+)?\s?%|(?<!\w)\d+\s+percent|\$\s?\d+(?:\.\d\d)?)"
                r"\s+off(?!\w)"),
    ),
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
    code="image_attestation", severity=Severity.BLOCKING,
    clause="Detroit 102.8-4.6.c-d and 4.7; Massachusetts IV.A.4.d",
    title="Image not attested",
    description="The uploader attests that the image shows no crime or accident scene, "
                "detainee, deceased person, victim or complainant, undercover staff, or "
                "non-public area of a department facility.",
    message="Confirm the attestation for this image, or remove the image.",
    applies_to="image", extendable=False,
)

# Every rule, in the order findings are listed.
RULES: tuple[Rule, ...] = (
    GUILT, PENDING_PROSECUTION, CONFIDENTIAL, PERSONAL_INFO, STREET_ADDRESS, VICTIM_IDENTITY,
    JUVENILE_IDENTITY, POLITICAL,
    ADVERTISING, OBSCENE, DEMEANING, IMAGE_ALT, IMAGE_CREDIT, IMAGE_ATTESTATION, NOTABLE,
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
