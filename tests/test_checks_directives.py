"""Issue 14: every clause the directives set for official content, enforced by the checks.

Statements the directives prohibit outright are blocking (a comment on a pending prosecution
can't be allowed by anyone; political activity and private business only by an exception News
Affairs approves for exactly those words); insulting or mocking tone is a warning on posts and
replies; an employee's personal details need that employee's recorded consent; an image of a
person who is the subject of a police matter, or of training and operations, needs the Chief's
written permission; and every rule cites the clauses that govern official content.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from beatdesk import moderation, published_texts
from beatdesk.checks import (RULES, RULES_BY_CODE, CheckContext, ImageFacts, Severity, Waiver,
                             WaiverKind, has_blocking, run_checks)
from beatdesk.checks import engine
from beatdesk.checks.citations import sources
from beatdesk.context import Actor
from beatdesk.models import Comment, CommentState, PublishedText
from beatdesk.roles import Role

NEWS = WaiverKind.NEWS_AFFAIRS
CONSENT = WaiverKind.EMPLOYEE_CONSENT
PERMISSION = WaiverKind.IMAGE_PERMISSION


def found(text: str, rule: str, context: CheckContext = CheckContext()):
    return [f for f in run_checks(text, context=context) if f.rule == rule]


def quotes(text: str, rule: str) -> list[str]:
    return [f.quote for f in found(text, rule)]


def with_waivers(*waivers: Waiver) -> CheckContext:
    return CheckContext(waivers=waivers)


# --- the agreed rule set ----------------------------------------------------------------------

@pytest.mark.parametrize("code,severity,waiver", [
    ("guilt", Severity.BLOCKING, None),
    ("pending_prosecution", Severity.BLOCKING, None),
    ("political", Severity.BLOCKING, NEWS),
    ("advertising", Severity.BLOCKING, NEWS),
    ("tone", Severity.WARNING, None),
    ("employee_personal", Severity.BLOCKING, CONSENT),
    ("image_attestation", Severity.BLOCKING, PERMISSION),
])
def test_each_rule_has_the_agreed_severity_and_waiver(code, severity, waiver):
    rule = RULES_BY_CODE[code]
    assert (rule.severity, rule.waiver) == (severity, waiver)


@pytest.mark.parametrize("code", ["political", "advertising"])
def test_the_author_is_told_news_affairs_can_approve_an_exception(code):
    rule = RULES_BY_CODE[code]
    assert "News Affairs can approve an exception for this post." in rule.message


@pytest.mark.parametrize("code", ["guilt", "pending_prosecution"])
def test_nobody_can_approve_a_statement_about_guilt_or_a_pending_case(code):
    assert "News Affairs" not in RULES_BY_CODE[code].message


# --- prohibited statements --------------------------------------------------------------------

PENDING = [
    ("He will be convicted, no doubt about it.", "He will be convicted"),
    ("The suspect deserves life in prison.", "The suspect deserves life in prison"),
    ("The evidence against him is overwhelming.", "The evidence against him is overwhelming"),
    ("We trust the judge will keep her locked up.", "trust the judge"),
    ("Charged with burglary, and he is going away for a long time.",
     "going away for a long time"),
    ("This open-and-shut case goes to trial in March.", "open-and-shut case"),
]


@pytest.mark.parametrize("text,quote", PENDING)
def test_a_comment_on_a_pending_prosecution_is_blocking(text, quote):
    assert quotes(text, "pending_prosecution") == [quote]
    assert has_blocking(run_checks(text))


def test_no_waiver_allows_a_comment_on_a_pending_prosecution():
    text, quote = PENDING[0]
    every_kind = with_waivers(*(Waiver(kind, "pending_prosecution", quote, "Allowed")
                                for kind in WaiverKind))
    findings = run_checks(text, context=every_kind)
    assert [f.waiver for f in findings if f.rule == "pending_prosecution"] == [""]
    assert has_blocking(findings)


@pytest.mark.parametrize("text", [
    "Jane Smith, 34, of Oak Park, was charged with driving under the influence.",
    "Charges are pending. All suspects are presumed innocent until proven guilty.",
    "His next court date is December 4 at the Leighton Criminal Court Building.",
    "The man pleaded not guilty at his arraignment on Monday.",
    "Lock up your bikes: thefts are up near the Red Line.",
    "Residents made a strong case for speed bumps at the beat meeting.",
])
def test_the_facts_of_a_court_case_are_a_warning_not_a_comment(text):
    findings = run_checks(text)
    assert not [f for f in findings if f.rule == "pending_prosecution"]
    assert not has_blocking(findings)


def test_a_court_fact_inside_a_comment_is_reported_once_as_the_comment():
    findings = run_checks("He will be convicted.")
    assert [f.rule for f in findings] == ["pending_prosecution"]
    assert [f.rule for f in run_checks("He was convicted in 2019.")] == ["court_case"]


ADVERTISING = [
    ("The toy drive is sponsored by Acme Alarms.", "sponsored by Acme Alarms"),
    ("Tonight's safety tip is brought to you by Lou Malnati's.",
     "brought to you by Lou Malnati's"),
    ("Thanks to Home Depot for donating 200 smoke detectors!",
     "Thanks to Home Depot for donating"),
    ("A big thank you to our friends at Acme Hardware for their generous donation.",
     "thank you to our friends at Acme Hardware for their generous donation"),
    ("Hungry after the parade? Visit Joe's Diner on 63rd Street.", "Visit Joe's Diner"),
    ("Officers love Mario's Pizza: the best pizza in town!", "Officers love Mario's Pizza"),
    ("Bikes for the rodeo were donated by Acme Cycles Inc.", "donated by Acme Cycles Inc."),
    ("Use promo code SAFE10 for 20% off a doorbell camera.", "promo code"),
]


@pytest.mark.parametrize("text,quote", ADVERTISING)
def test_promoting_a_private_business_is_blocking(text, quote):
    assert quote in quotes(text, "advertising")
    assert has_blocking(run_checks(text))


CHARITY = [
    "Our charity 5K for the Special Olympics is Saturday at 9 am; register at the station.",
    "The toy drive runs through December 20: drop off new, unwrapped toys at the station.",
    "Thanks to everyone who donated coats to the winter coat drive!",
    "Thank you to the volunteers who donated their Saturday to the park clean-up.",
    "The food drive is sponsored by the 7th District CAPS office and St. Sabina Church.",
    "Thanks to the Rotary Club for donating bike helmets for the bike rodeo.",
    "Thanks to Jewel-Osco on Roosevelt Road for hosting our food drive.",
    "Visit the district station or Harrison Park to drop off canned food.",
    "Thanks to Maria Lopez and the Pilsen Neighbors Association for the station mural.",
    "Tickets are on sale now for the Police Memorial Run; all proceeds go to the families.",
]


@pytest.mark.parametrize("text", CHARITY)
def test_a_charity_event_without_a_sponsor_is_routine(text):
    assert run_checks(text) == []


@pytest.mark.parametrize("code,text,quote", [
    ("advertising", "The toy drive is sponsored by Acme Alarms.", "sponsored by Acme Alarms"),
    ("political", "Vote for Jane Doe on Tuesday!", "Vote for"),
])
def test_only_a_news_affairs_exception_for_exactly_those_words_allows_it(code, text, quote):
    approved = Waiver(NEWS, code, " ".join(quote.upper().split()),
                      "Exception approved by News Affairs (Dana Park) on 1 Dec 2026.")
    [finding] = found(text, code, with_waivers(approved))
    assert finding.waiver.startswith("Exception approved by News Affairs")
    assert finding.severity is Severity.BLOCKING  # still shown to every reviewer
    assert not has_blocking(run_checks(text, context=with_waivers(approved)))
    near_misses = [Waiver(CONSENT, code, quote, "x"), Waiver(PERMISSION, code, quote, "x"),
                   Waiver(NEWS, "guilt" if code == "political" else "political", quote, "x"),
                   Waiver(NEWS, code, quote + " now", "x"), Waiver(NEWS, code, "", "x")]
    for waiver in near_misses:
        assert has_blocking(run_checks(text, context=with_waivers(waiver))), waiver


def test_an_exception_for_one_sponsor_leaves_another_blocking():
    text = "Sponsored by Acme Alarms. Visit Joe's Diner after the walk."
    approved = Waiver(NEWS, "advertising", "sponsored by Acme Alarms", "Approved")
    findings = found(text, "advertising", with_waivers(approved))
    assert [(f.quote, bool(f.waiver)) for f in findings] == [
        ("Sponsored by Acme Alarms", True), ("Visit Joe's Diner", False)]


# --- tone -------------------------------------------------------------------------------------

TONE = [
    ("What a clown. He tried to sell the stolen bike back to its owner.", "What a clown"),
    ("This moron drove the wrong way down the Dan Ryan.", "moron"),
    ("Our dumbest criminal of the year left his wallet at the scene.",
     "dumbest criminal of the year"),
    ("lol at this guy trying to outrun a squad on a Segway.", "lol at this guy"),
    ("Bet he regrets posting that video now.", "Bet he regrets"),
    ("You can run but you can't hide, buddy.", "can run but you can't hide"),
    ("Enjoy your stay in county, pal.", "Enjoy your stay in county"),
    ("This genius parked in front of the station with a stolen plate.", "This genius"),
    ("The driver is not exactly a rocket scientist.", "is not exactly a rocket scientist"),
    ("Another stupid driver blocked the fire hydrant.", "stupid driver"),
]


@pytest.mark.parametrize("text,quote", TONE)
def test_insulting_or_mocking_a_person_is_a_warning(text, quote):
    findings = found(text, "tone")
    assert [f.quote for f in findings] == [quote]
    assert findings[0].severity is Severity.WARNING
    assert text[findings[0].start:findings[0].end] == quote


@pytest.mark.parametrize("text", [
    "Bring the kids: face painting, balloons and a clown at the circus-themed block party.",
    "Our clowns and jugglers are ready for the Halloween parade.",
    "Five fool-proof tips to keep your packages safe this season.",
    "Don't be fooled by callers who say they are from the IRS.",
    "Don't feel like an idiot if a scammer fooled you: it happens to everyone. Report it.",
    "A NASA rocket scientist talks to our cadets at career day.",
    "Nice shot of the lakefront sunset by Officer Lee!",
    "Our K9 Duke stole the show at the school visit.",
    "We hope she enjoys her new bike from the giveaway.",
    "Hope they enjoy their stay at the Museum of Science on the field trip.",
    "These tools help you register your bike's serial number.",
    "The kids learned their lesson about bike safety at the rodeo.",
])
def test_routine_police_text_has_no_tone_finding(text):
    assert found(text, "tone") == []


@pytest.fixture
def district(factory):
    return factory.district(number=1)


@pytest.fixture
def visible_comment(factory, db_session, district):
    post = factory.post(district, body="Beat meeting this week.")
    comment = Comment(post_id=post.id, district_id=district.id, author_name="Pat",
                      body="Did you catch the guy who stole my bike?", terms_version=1,
                      state=CommentState.VISIBLE)
    db_session.add(comment)
    db_session.commit()
    return comment


def test_an_official_reply_gets_the_tone_finding_and_needs_a_reason(db_session, factory,
                                                                    district, visible_comment):
    representative = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(representative)
    actor = Actor(representative)
    reply = "We did. What a clown: he was riding it past the station."
    with pytest.raises(published_texts.ChecksRefused) as refused:
        moderation.reply_as_district(db_session, actor, visible_comment.id, reply)
    assert [(f["rule"], f["quote"]) for f in refused.value.findings] == [("tone", "What a clown")]
    assert refused.value.unacknowledged == ["tone"]
    db_session.rollback()

    moderation.reply_as_district(db_session, actor, visible_comment.id, reply,
                                 {"tone": "Quoting the visitor's own words back, approved."})
    db_session.commit()
    text = db_session.scalars(select(PublishedText)).one()
    assert [f["rule"] for f in text.findings] == ["tone"]
    assert text.acknowledged["tone"]["reason"].startswith("Quoting the visitor")


def test_a_clean_reply_has_no_tone_finding(db_session, district):
    findings, acknowledgements = published_texts.check_text(
        db_session, district, "Yes: the bike was returned to its owner on Friday.", {})
    assert findings == [] and acknowledgements == []


# --- an employee's personal details -----------------------------------------------------------

EMPLOYEE_DETAILS = [
    ("Officer Jane Smith, 34, received the Lifesaving Award.", ["34"]),
    ("Congratulations to Sgt. Ray Ortiz (52) on his promotion.", ["52"]),
    ("34-year-old Officer Dana Cruz joined the gang unit.", ["34-year-old"]),
    ("Happy 40th birthday to Det. Maria Gomez!", ["40th birthday"]),
    ("Officer Tom Lee, a 12-year veteran and father of three, led the parade.",
     ["father of three"]),
    ("Dispatcher Ana Ruiz and her husband Luis welcomed twins last week.", ["her husband"]),
    ("Officer Kim Nguyen, who lives in Beverly, organized the food drive.", ["lives in Beverly"]),
    ("Officer Kim Nguyen grew up in Pilsen and now patrols it.", ["grew up in Pilsen"]),
    ("Sgt. Paul Baker is battling cancer; please keep him in your thoughts.",
     ["battling cancer"]),
    ("Meet Officer Lee. In his spare time he restores old motorcycles.", ["In his spare time"]),
    ("Our officer Rosa Diaz is expecting a baby in March.", ["expecting a baby"]),
    ("Officer Jane Smith received the Medal of Valor. She lives in Beverly with her husband.",
     ["lives in Beverly", "her husband"]),
    ("Civilian member Tom Lee, 61, retires after 30 years in records.", ["61"]),
]


@pytest.mark.parametrize("text,details", EMPLOYEE_DETAILS)
def test_an_employees_personal_details_are_blocking(text, details):
    findings = found(text, "employee_personal")
    assert [f.quote for f in findings] == details
    assert all(f.severity is Severity.BLOCKING and text[f.start:f.end] == f.quote
               for f in findings)
    assert has_blocking(run_checks(text))


@pytest.mark.parametrize("text", [
    "Officer Jane Smith of the 7th District received the Lifesaving Award for pulling a driver "
    "from a burning car.",
    "Officer Smith, a 12-year veteran, received the Superintendent's Award of Valor.",
    "Sgt. Ray Ortiz, a Navy veteran assigned to the gang unit, was promoted to lieutenant.",
    "Congratulations to Officer Tom Lee on his master's degree in criminal justice.",
    "Officer Smith helped a mother of three change a flat tire on Lake Shore Drive.",
    "Officer Smith walked the woman and her children home.",
    "Officer Smith found the boy. He had been missing for hours; his mother thanked officers.",
    "Jane Smith, 34, of Oak Park, was charged with driving under the influence.",
    "Officer Lee and his K9 partner Duke visited the school.",
    "An off-duty officer stopped a purse snatching on the Red Line.",
    "Officer Smith, who joined the department in 2010, now trains recruits.",
    "Officers threw a birthday party for a 6-year-old neighbour.",
])
def test_a_commendation_without_personal_details_needs_no_consent(text):
    assert found(text, "employee_personal") == []


def test_the_employees_recorded_consent_for_those_words_allows_the_finding():
    text = "Officer Tom Lee, a 12-year veteran and father of three, led the parade."
    consent = Waiver(CONSENT, "employee_personal", "Father of  three",
                     "Officer Tom Lee consented in writing on 1 Dec 2026.")
    [finding] = found(text, "employee_personal", with_waivers(consent))
    assert finding.waiver.startswith("Officer Tom Lee consented")
    assert not has_blocking(run_checks(text, context=with_waivers(consent)))
    for other in (Waiver(CONSENT, "employee_personal", "father of two", "x"),
                  Waiver(NEWS, "employee_personal", "father of three", "x"),
                  Waiver(CONSENT, "personal_info", "father of three", "x")):
        assert has_blocking(run_checks(text, context=with_waivers(other))), other


def test_consent_for_one_detail_leaves_the_others_blocking():
    text = "Officer Kim Nguyen, 29, who lives in Beverly, organized the food drive."
    consent = Waiver(CONSENT, "employee_personal", "lives in Beverly", "Consented.")
    findings = found(text, "employee_personal", with_waivers(consent))
    assert [(f.quote, bool(f.waiver)) for f in findings] == [("29", False),
                                                             ("lives in Beverly", True)]
    assert has_blocking(findings)


def test_an_added_phrase_is_another_personal_detail_next_to_an_employee():
    context = CheckContext(extra_terms={"employee_personal": ("marathon runner",)})
    assert quotes("Officer Lee, a marathon runner, led the run.", "employee_personal") == []
    assert [f.quote for f in found("Officer Lee, a marathon runner, led the run.",
                                   "employee_personal", context)] == ["marathon runner"]
    assert found("A marathon runner found the wallet.", "employee_personal", context) == []


# --- images -----------------------------------------------------------------------------------

def test_the_attestation_covers_subjects_of_police_matters_and_operations():
    rule = RULES_BY_CODE["image_attestation"]
    for words in ("subject of a police matter or investigation", "suspect", "wanted",
                  "missing person", "training, operations or work assignments", "detainee",
                  "deceased", "complainant"):
        assert words in rule.description, words
    assert "command officer can record the Chief's written permission" in rule.message
    assert "wanted or missing-person image" in rule.message


WANTED = ImageFacts(label="wanted-poster.jpg", alt_text="Photo of the wanted man",
                    credit="Photo: Metro Police Department", attested=False, key="41")


def test_a_wanted_poster_with_a_recorded_image_permission_passes():
    permission = Waiver(PERMISSION, "image_attestation", "41",
                        "The Chief's written permission, recorded by Commander Ortega.")
    findings = run_checks("WANTED: call 911 if you see this man.", [WANTED],
                          with_waivers(permission))
    [finding] = [f for f in findings if f.rule == "image_attestation"]
    assert finding.waiver.startswith("The Chief's written permission")
    assert not has_blocking(findings)


def test_a_wanted_poster_without_the_permission_is_blocked():
    for context in (CheckContext(),
                    with_waivers(Waiver(PERMISSION, "image_attestation", "42", "x")),
                    with_waivers(Waiver(NEWS, "image_attestation", "41", "x")),
                    with_waivers(Waiver(PERMISSION, "image_credit", "41", "x"))):
        assert has_blocking(run_checks("WANTED: call 911.", [WANTED], context)), context


# --- citations --------------------------------------------------------------------------------

def _cited_clauses() -> dict[str, str]:
    cited = {rule.code: rule.clause for rule in RULES}
    cited.update({f"personal_info:{kind}": value[1]
                  for kind, value in engine._PERSONAL_KINDS.items()})
    return cited


@pytest.mark.parametrize("who,clause", sorted(_cited_clauses().items()))
def test_every_rule_cites_clauses_that_govern_official_content(who, clause):
    for source in sources(clause):
        if source.document.startswith("Detroit"):
            assert not source.section.startswith(("4.5", "4.6")), (who, source)
        if source.document.startswith("Massachusetts"):
            assert "IV.C" not in source.section and "IV.A.4.b.3" not in source.section, \
                (who, source)
        if source.document.startswith("Deerfield"):
            assert not source.section.startswith("F"), (who, source)
        if source.document.startswith("Chicago Police Department, Use of Social Media"):
            assert source.section.startswith("IV."), (who, source)


@pytest.mark.parametrize("code,clause", [
    ("tone", "Detroit 102.8-4.4.a; Deerfield C.a.i; Massachusetts IV.A.6.c; Chicago Twitter IV.B"),
    ("employee_personal", "Massachusetts IV.A.4.b.2 and IV.A.4.b.4; "
                          "Chicago Use of Social Media Outlets IV.B.6"),
    ("image_attestation", "Detroit 102.8-4.4.c and 4.7; Deerfield C.a.iii; "
                          "Chicago Use of Social Media Outlets IV.B.3; Massachusetts IV.A.4.d"),
    ("advertising", "Detroit 102.8-4.4.d; Deerfield C.a.iv; Chicago Twitter IV.E; "
                    "Massachusetts IV.A.6.e"),
])
def test_the_new_and_changed_rules_cite_what_the_issue_names(code, clause):
    assert RULES_BY_CODE[code].clause == clause


# --- any text ---------------------------------------------------------------------------------

TEXT = st.text(max_size=300) | st.lists(
    st.sampled_from(["Officer ", "Jane Smith", ", 34, ", "a mother of three", " lives in ",
                     "Beverly", ". She ", "his wife", "what a clown", " lol at this guy ",
                     "sponsored by ", "Acme Alarms", "Thanks to ", "Mario's Pizza",
                     " for donating", "he will be convicted", "Sgt. ", "\n", "’s ", "🤡",
                     "İ", "ß", "\u0301"]),
    max_size=14).map("".join)


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_any_text_is_checked_without_error_and_every_quote_is_its_span(text):
    for finding in run_checks(text):
        if finding.start is not None:
            assert 0 <= finding.start < finding.end <= len(text)
            assert finding.quote == text[finding.start:finding.end]
