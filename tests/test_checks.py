"""Policy checks (issue 3, acceptance 4): each rule has text that must trigger it, quoting the
words and naming the clause, and near-miss text that must not."""
import json

import pytest

from beatdesk.checks.citations import citation
from beatdesk.checks import (RULES, RULES_BY_CODE, CheckContext, Finding, ImageFacts, Severity,
                             has_blocking, is_notable, run_checks)

# Every rule cites the clauses that govern official accounts, never those on members' personal
# accounts (Detroit 102.8-4.6, Massachusetts IV.C) nor employees' own information (IV.A.4.b.3).
GUILT = "Detroit 102.8-4.4.c; Deerfield C.a.iii; Chicago Use of Social Media Outlets IV.B.2"
CLAUSES = {
    "guilt": GUILT,
    "pending_prosecution": GUILT,
    "court_case": GUILT,
    "confidential": ("Detroit 102.8-4.4.c; Deerfield C.a.iii; Chicago Use of Social Media Outlets "
                     "IV.B.3; Massachusetts IV.A.4.e.1"),
    "political": "Detroit 102.8-4.4.d; Deerfield C.a.iv; Massachusetts IV.A.6.f",
    "advertising": ("Detroit 102.8-4.4.d; Deerfield C.a.iv; Chicago Twitter IV.E; "
                    "Massachusetts IV.A.6.e"),
    "obscene": "Detroit 102.8-4.7.1; Massachusetts IV.A.6.b",
    "demeaning": "Detroit 102.8-4.7.2; Massachusetts IV.A.6.a",
    "tone": "Detroit 102.8-4.4.a; Deerfield C.a.i; Massachusetts IV.A.6.c; Chicago Twitter IV.B",
    "employee_personal": ("Massachusetts IV.A.4.b.2 and IV.A.4.b.4; "
                          "Chicago Use of Social Media Outlets IV.B.6"),
    "notable": "Chicago Twitter IV.A.1",
    "street_address": "Chicago Use of Social Media Outlets IV.B.6; Massachusetts IV.A.4.c",
}
IMAGE_CLAUSE = ("Detroit 102.8-4.4.c and 4.7; Deerfield C.a.iii; Chicago Use of Social Media "
                "Outlets IV.B.3; Massachusetts IV.A.4.d")

SEVERITIES = {
    "guilt": Severity.BLOCKING, "pending_prosecution": Severity.BLOCKING,
    "court_case": Severity.WARNING,
    "confidential": Severity.BLOCKING, "personal_info": Severity.BLOCKING,
    "street_address": Severity.WARNING, "victim_identity": Severity.BLOCKING,
    "juvenile_identity": Severity.BLOCKING, "political": Severity.BLOCKING,
    "advertising": Severity.BLOCKING, "obscene": Severity.BLOCKING,
    "demeaning": Severity.BLOCKING, "tone": Severity.WARNING,
    "employee_personal": Severity.BLOCKING, "notable": Severity.NOTABLE,
    "image_alt": Severity.BLOCKING, "image_credit": Severity.BLOCKING,
    "image_attestation": Severity.BLOCKING,
}


def findings_for(text: str, rule: str, context: CheckContext = CheckContext()) -> list[Finding]:
    return [f for f in run_checks(text, context=context) if f.rule == rule]


# (rule, text, the words quoted)
TRIGGERS = [
    ("guilt", "We are confident the suspect is guilty.", "guilty"),
    ("guilt", "The offender was caught red-handed breaking into a car.", "caught red-handed"),
    ("guilt", "After a long search officers arrested the killer on Tuesday.", "the killer"),
    ("guilt", "Great work by Beat 1133: we caught the thief!", "the thief"),
    ("guilt", "Witnesses say he did it, and officers agree.", "he did it"),
    ("guilt", "The man in the video is innocent, his family says.", "is innocent"),
    ("guilt", "The arrestee confessed to three burglaries.", "confessed to"),
    ("pending_prosecution", "We are confident he will be convicted.", "he will be convicted"),
    ("pending_prosecution", "The evidence is overwhelming in this case.",
     "The evidence is overwhelming"),
    ("pending_prosecution", "We hope the judge throws the book at him.", "hope the judge"),
    ("pending_prosecution", "Officers built an airtight case against him.",
     "airtight case against him"),
    ("pending_prosecution", "With a record like that, he’ll go to prison.", "he’ll go to prison"),
    ("pending_prosecution", "Another slap on the wrist from the courts, no doubt.",
     "slap on the wrist"),
    ("court_case", "The man was charged with aggravated battery.", "was charged"),
    ("court_case", "His next court date is December 4.", "court date"),
    ("court_case", "She will be arraigned on Monday at the Daley Center.", "arraigned"),
    ("court_case", "The trial is expected to start in spring.", "trial"),
    ("court_case", "Charges are pending.", "Charges"),
    ("court_case", "The case goes to the State’s Attorney.", "State’s Attorney"),
    ("court_case", "He entered a not guilty plea at the hearing.", "not guilty plea"),
    ("court_case", "A grand jury met on Tuesday.", "grand jury"),
    ("confidential", "Search warrants will be served on the block tomorrow morning.",
     "Search warrants will be served"),
    ("confidential", "Our team will serve the warrant at dawn.", "serve the warrant"),
    ("confidential", "An undercover officer bought the drugs.", "undercover"),
    ("confidential", "A confidential informant tipped off detectives.", "confidential informant"),
    ("confidential", "We ran his CORI before the interview.", "CORI"),
    ("confidential", "The house has been under surveillance for weeks.", "under surveillance"),
    ("confidential", "The tactical plan calls for two teams at the rear door.", "tactical plan"),
    ("political", "Vote for Jane Doe on Tuesday!", "Vote for"),
    ("political", "Please re-elect Sheriff Brown.", "re-elect"),
    ("political", "The Lodge proudly endorses Jane Doe for mayor.", "endorses"),
    ("political", "Meet the mayoral candidates at our booth.", "mayoral candidates"),
    ("political", "Elect Smith, the law and order choice.", "Elect Smith"),
    ("political", "Officers urge you to support the Republican ticket.",
     "support the Republican"),
    ("advertising", "Show your badge for a 20% off deal at Joe's Diner!", "20% off"),
    ("advertising", "Use promo code SAFE10 at checkout.", "promo code"),
    ("advertising", "This post is sponsored by Acme Alarms.", "sponsored by Acme Alarms"),
    ("advertising", "Buy now while supplies last.", "Buy now"),
    ("advertising", "Thanks to Mario's Pizza for donating lunch to the volunteers.",
     "Thanks to Mario's Pizza for donating"),
    ("advertising", "After the walk, visit Joe's Diner on 63rd Street.", "visit Joe's Diner"),
    ("advertising", "This safety tip is brought to you by Acme Alarms.",
     "brought to you by Acme Alarms"),
    ("advertising", "We highly recommend Acme Alarms for your home.",
     "We highly recommend Acme Alarms"),
    ("tone", "What a clown this driver turned out to be.", "What a clown"),
    ("tone", "Some idiot left his engine running outside the bank.", "idiot"),
    ("tone", "Nominee for dumbest criminal: he left his ID at the scene.", "dumbest criminal"),
    ("tone", "lol at this guy, trying to outrun a squad car on a scooter.", "lol at this guy"),
    ("tone", "Bet he regrets that decision now.", "Bet he regrets"),
    ("tone", "Hope he enjoys his new cellmates.", "Hope he enjoys his new cellmates"),
    ("tone", "Not exactly a rocket scientist, this one.", "Not exactly a rocket scientist"),
    ("employee_personal", "Officer Jane Smith, a mother of three, received the Lifesaving Award.",
     "mother of three"),
    ("employee_personal", "Please welcome Sgt. Ray Ortiz, 41, to the 7th District.", "41"),
    ("employee_personal", "Dispatcher Ana Ruiz lives in Beverly and has answered calls for 12 "
     "years.", "lives in Beverly"),
    ("employee_personal", "Officer Tom Lee and his wife attended the gala.", "his wife"),
    ("obscene", "Some fucking idiot ran the red light.", "fucking"),
    ("obscene", "That excuse was bullshit.", "bullshit"),
    ("demeaning", "Stop calling people retards.", "retards"),
    ("demeaning", "All immigrants are criminals, someone wrote on the wall.",
     "All immigrants are criminals"),
    ("notable", "Officers arrested two men after a burglary.", "arrested"),
    ("notable", "A man was taken into custody near the park.", "taken into custody"),
    ("notable", "Shots fired near 63rd and Halsted; no one was hit.", "Shots fired"),
    ("notable", "Detectives are investigating a homicide in the 4000 block.", "homicide"),
    ("notable", "An officer-involved shooting occurred overnight.", "officer-involved shooting"),
    ("notable", "The use of force is under review.", "use of force"),
    ("notable", "A driver was killed in a crash on Lake Shore Drive.", "killed"),
    ("notable", "Man arrested on a warrant for burglary.", "arrested"),
]


@pytest.mark.parametrize("rule,text,quote", TRIGGERS, ids=[f"{r}:{t[:40]}" for r, t, _ in TRIGGERS])
def test_rule_triggers_with_its_clause_and_the_words(rule, text, quote):
    found = findings_for(text, rule)
    assert [f.quote for f in found] == [quote]
    finding = found[0]
    assert RULES_BY_CODE[rule].clause == CLAUSES[rule]
    assert finding.clause == citation(CLAUSES[rule])
    assert finding.severity is SEVERITIES[rule]
    assert text[finding.start:finding.end] == quote
    assert finding.title and finding.message


# (rule, near-miss text that must not trigger it)
NEAR_MISSES = [
    ("guilt", "All suspects are presumed innocent until proven guilty in a court of law."),
    ("guilt", "He pleaded not guilty at his arraignment."),
    ("guilt", "An innocent bystander was not hurt."),
    ("guilt", "The aquarium's killer whale exhibit reopens Saturday."),
    ("guilt", "Thieves target unlocked cars: lock up and take your keys."),
    ("guilt", "Enjoy a guilt-free dessert at our bake sale."),
    ("pending_prosecution", "The man was charged with aggravated battery; his next court date "
     "is December 4."),
    ("pending_prosecution", "Charges are pending. All suspects are presumed innocent until "
     "proven guilty."),
    ("pending_prosecution", "He will be arraigned Monday at the Daley Center."),
    ("pending_prosecution", "Make a strong case for bike lanes at the beat meeting."),
    ("pending_prosecution", "Lock up your bikes: thefts are up near the station."),
    ("court_case", "Join a clinical trial information session at the library."),
    ("court_case", "Admission is free of charge."),
    ("court_case", "Keep your phone fully charged before the storm."),
    ("court_case", "Please make a plea to your neighbours to slow down."),
    ("court_case", "K9 Duke took first place at the regional K9 trials."),
    ("confidential", "Your new alarm comes with a two-year warranty."),
    ("confidential", "Surveillance video shows the suspect leaving the store; call with tips."),
    ("confidential", "Officer Cori Smith receives the lifesaving award."),
    ("confidential", "John Doe is wanted on an outstanding warrant. Call 911 if you see him."),
    ("political", "Residents voted for the new name of the park at the beat meeting."),
    ("political", "Vote for your favorite name for our new K9 partner!"),
    ("political", "The Click It or Ticket campaign runs through Labor Day."),
    ("political", "Police officer candidates must pass a fitness test."),
    ("political", "The mayor endorsed our Safe Summer program today."),
    ("political", "Election Day: expect road closures near polling places."),
    ("political", "Riders need a motorcycle endorsement on their license."),
    ("advertising", "Traffic crashes dropped 20% over last year."),
    ("advertising", "The sale of fireworks is illegal in Illinois."),
    ("advertising", "Our toy drive runs through December 20: drop off new, unwrapped toys at "
     "the station."),
    ("advertising", "Thanks to the volunteers who donated their Saturday to the clean-up."),
    ("advertising", "The food drive is sponsored by the 7th District CAPS office and St. Sabina "
     "Church."),
    ("advertising", "Thanks to Jewel-Osco on Roosevelt Road for hosting our food drive."),
    ("advertising", "Visit the district station to pick up a free gun lock."),
    ("advertising", "Tickets are on sale now for the Police Memorial Run."),
    ("tone", "Bubbles the clown and the magician will be at the Halloween party."),
    ("tone", "Fool-proof tips for keeping packages safe this holiday season."),
    ("tone", "Don't feel like an idiot if a scammer fooled you: report it."),
    ("tone", "A NASA rocket scientist visits the cadets at career day."),
    ("tone", "Great shot of the lakefront sunset by Officer Lee!"),
    ("tone", "We hope she enjoys her new bike from the giveaway."),
    ("employee_personal", "Officer Jane Smith of the 7th District received the Lifesaving "
     "Award for pulling a driver from a burning car."),
    ("employee_personal", "Officer Smith, a 12-year veteran, received the Superintendent's "
     "Award of Valor."),
    ("employee_personal", "Officer Smith helped a mother of three change a flat tire."),
    ("employee_personal", "Officer Smith walked the woman and her children home."),
    ("employee_personal", "Jane Smith, 34, of Oak Park, was charged with driving under the "
     "influence."),
    ("obscene", "Scunthorpe's police choir visits on Friday."),
    ("obscene", "No cocktails in the park after dark; the assessment is due Friday."),
    ("obscene", "Shitake mushroom stew at the community dinner."),
    ("demeaning", "Firefighters sprayed fire retardant on the brush."),
    ("demeaning", "Spice up your block party with our grill safety tips."),
    ("demeaning", "The chinkapin oak in the square is 100 years old."),
    ("demeaning", "Unlocked doors are the chink in the armor of any home."),
    ("demeaning", "Our station is spic and span after the volunteers' clean-up."),
    ("notable", "Officers performed CPR on a man in cardiac arrest; he survived."),
    ("notable", "Free flu shots at the district station on Saturday."),
    ("notable", "Join officers shooting hoops at the PAL gym."),
    ("notable", "Watch the shooting stars from the park tonight."),
    ("notable", "Our recruits killed it at the fitness test!"),
    ("notable", "Great shot of the lakefront sunset by Officer Lee!"),
    ("notable", "A judge issued an arrest warrant for John Doe; call 911 if you see him."),
    ("notable", "Murder mystery dinner fundraiser at the library."),
    ("notable", "The new shot clock at the youth league works great."),
    ("notable", "Photo shoot with our mounted unit this Sunday."),
    ("notable", "Parents in a child custody exchange may meet in our lobby."),
]


@pytest.mark.parametrize("rule,text", NEAR_MISSES, ids=[f"{r}:{t[:40]}" for r, t in NEAR_MISSES])
def test_near_miss_does_not_trigger(rule, text):
    assert findings_for(text, rule) == []


# ---- personal information -------------------------------------------------------------------

DEPARTMENT = CheckContext(
    official_phones=frozenset({"+13127466000", "+13127458300"}),
    official_email_domains=frozenset({"pd.example.gov"}),
    official_addresses=frozenset({"1718 S. State Street, Chicago, IL 60616"}),
)

PERSONAL_TRIGGERS = [
    ("The victim's DOB: 03/15/1990.", "DOB: 03/15/1990", "Date of birth"),
    ("The boy was born on March 3, 2012 in Chicago.", "born on March 3, 2012", "Date of birth"),
    ("Her date of birth is 2001-07-04.", "date of birth is 2001-07-04", "Date of birth"),
    ("The arrestee lives at 4412 N. Kedzie Ave. with his mother.", "4412 N. Kedzie Ave.",
     "Home address"),
    ("The officer's home, 42 Elm Street Apt 3, was vandalized.", "42 Elm Street Apt 3",
     "Home address"),
    ("Questions? Text Officer Doe's cell at (773) 555-0142.", "(773) 555-0142",
     "Personal phone number"),
    ("Call Sgt. Ray on +1 312 744 2222.", "+1 312 744 2222", "Personal phone number"),
    ("Email him at jdoe1975@gmail.com.", "jdoe1975@gmail.com", "Personal e-mail address"),
    ("His SSN is 123-45-6789.", "123-45-6789", "Social Security number"),
    ("SSN: 123456789 was on the form.", "SSN: 123456789", "Social Security number"),
]


@pytest.mark.parametrize("text,quote,title", PERSONAL_TRIGGERS, ids=[t[:40] for t, _, _ in PERSONAL_TRIGGERS])
def test_personal_information_triggers(text, quote, title):
    found = findings_for(text, "personal_info", DEPARTMENT)
    assert [(f.quote, f.title) for f in found] == [(quote, title)]
    assert found[0].severity is Severity.BLOCKING
    # Official content keeps every privacy protection (Chicago IV.B.6) and gives only official
    # contact details (Massachusetts IV.A.4.c); IV.A.4.b.3 is about employees only.
    contact = title in ("Personal phone number", "Personal e-mail address", "Home address")
    assert found[0].clause == citation(
        "Massachusetts IV.A.4.c; Chicago Use of Social Media Outlets IV.B.6" if contact
        else "Chicago Use of Social Media Outlets IV.B.6")
    assert "IV.A.4.b.3" not in found[0].clause


PERSONAL_NEAR_MISSES = [
    "Questions? Call the district desk at (312) 746-6000 or 911 in an emergency.",
    "Contact: 312.745.8300 · 1718 S. State Street · news@pd.example.gov",
    "Non-emergencies: call 311. Emergencies: 911.",
    "Anonymous tips: Crime Stoppers 1-800-222-8477.",
    "Never give a caller your date of birth or bank details.",
    "Officer Smith was born in 1990 and joined in 2015.",
    "Police responded to the 1200 block of Main Street.",
    "Write to district7@beat.pd.example.gov with ideas.",
    "Invalid-looking numbers like 000-12-3456 and 987-65-4321 are not SSNs.",
    "Follow us at @district7@social.example for updates.",
    "Event runs 10:00-14:00 on 2026-12-05; tickets cost $5.",
]


@pytest.mark.parametrize("text", PERSONAL_NEAR_MISSES, ids=[t[:40] for t in PERSONAL_NEAR_MISSES])
def test_personal_information_near_misses(text):
    assert findings_for(text, "personal_info", DEPARTMENT) == []


def test_the_department_phone_in_a_contact_line_is_not_personal_information():
    text = "Questions about the parade? Call the 1st District at 312-746-6000."
    assert findings_for(text, "personal_info", DEPARTMENT) == []
    # the same number is personal information when it isn't an official one
    assert [f.quote for f in findings_for(text, "personal_info")] == ["312-746-6000"]


def test_a_venue_address_is_a_warning_and_the_department_address_nothing():
    text = "Beat meeting at Harrison Park, 1824 S Wood St, at 6 pm."
    found = findings_for(text, "street_address", DEPARTMENT)
    assert [(f.quote, f.severity) for f in found] == [("1824 S Wood St", Severity.WARNING)]
    assert findings_for(text, "personal_info", DEPARTMENT) == []
    official = "Open house at the station, 1718 S State St, Saturday."
    assert findings_for(official, "street_address", DEPARTMENT) == []
    assert findings_for(official, "personal_info", DEPARTMENT) == []


# ---- images --------------------------------------------------------------------------------

def test_each_missing_image_item_is_one_blocking_finding_quoting_the_image():
    images = [
        ImageFacts(label="parade.jpg", alt_text="Officers at the parade", credit="Photo: PD",
                   attested=True),
        ImageFacts(label="scene.png", alt_text="", credit="", attested=False),
        ImageFacts(label="award.webp", alt_text="  ", credit="Photo: PD", attested=True),
    ]
    found = run_checks("Great day at the parade.", images)
    assert [(f.rule, f.quote) for f in found] == [
        ("image_alt", "scene.png"), ("image_credit", "scene.png"),
        ("image_attestation", "scene.png"), ("image_alt", "award.webp")]
    assert all(f.severity is Severity.BLOCKING and f.start is None for f in found)
    assert "(source: Detroit Police Department Manual, Directive 102.8 §4.4.e;" in found[1].clause
    assert found[2].clause == citation(IMAGE_CLAUSE)
    assert "§4.6" not in found[2].clause  # personal accounts only
    assert found[0].clause == "WCAG 2.1 SC 1.1.1 (Non-text Content)"  # a standard, cited as is


def test_a_complete_image_and_clean_text_give_no_findings():
    image = ImageFacts(label="a.jpg", alt_text="A cruiser", credit="PD", attested=True)
    assert run_checks("Join us for coffee with a cop on Friday at 9.", [image]) == []


# ---- context, admin phrases, results ---------------------------------------------------------

def test_admin_added_phrases_extend_a_rule():
    text = "Ask about the Operation Nightfall roster."
    assert findings_for(text, "confidential") == []
    context = CheckContext(extra_terms={"confidential": ("operation nightfall",)})
    found = findings_for(text, "confidential", context)
    assert [(f.quote, f.clause) for f in found] == [("Operation Nightfall", citation(CLAUSES["confidential"]))]


def test_curly_quotes_and_dashes_are_read_as_plain_ones():
    found = findings_for("Wait for the State’s Attorney — an officer—involved case.", "notable")
    assert [f.quote for f in found] == ["officer—involved"]
    assert [f.quote for f in findings_for("the State’s Attorney", "court_case")] == \
        ["State’s Attorney"]


def test_findings_are_in_reading_order_and_flag_helpers():
    text = "Officers arrested a man; he was charged with burglary. The suspect is guilty."
    found = run_checks(text)
    # "charged with" is also an arrest in other words, hence the second notable finding
    assert [f.rule for f in found] == ["notable", "court_case", "notable", "guilt"]
    assert is_notable(found) and has_blocking(found)
    assert not has_blocking(run_checks("Road closed for the parade until 6 pm."))


def test_a_finding_round_trips_through_json():
    finding = run_checks("The suspect is guilty.")[0]
    data = json.loads(json.dumps(finding.as_dict()))
    assert data == {"rule": "guilt", "severity": "blocking", "clause": citation(CLAUSES["guilt"]),
                    "title": finding.title, "message": finding.message, "quote": "guilty",
                    "start": 15, "end": 21}
    assert Finding.from_dict(data) == finding


def test_every_rule_is_documented():
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes)) == len(RULES_BY_CODE)
    assert set(codes) == set(SEVERITIES)
    for rule in RULES:
        assert rule.clause and rule.title and rule.description and rule.message
        assert rule.severity is SEVERITIES[rule.code]
        assert rule.phrases or rule.patterns or rule.applies_to == "image"
