"""Victims, witnesses, complainants, juveniles and private homes (issue 9, "Victims and homes").

A post naming a crime victim with age and home address went public after one acknowledged
warning. The directives forbid identifying victims, witnesses, complainants and juveniles, and
giving private persons' home addresses: each phrasing class below must give a *blocking* finding,
and each near miss (the department's own addresses, public places, generalised blocks, officers
and officials named in commendations) must give none.
"""
import pytest

from beatdesk.checks import CheckContext, Severity, has_blocking, is_notable, run_checks
from beatdesk.roles import Role

DEPARTMENT = CheckContext(
    official_phones=frozenset({"+13127466000"}),
    official_email_domains=frozenset({"pd.example.gov"}),
    official_addresses=frozenset({"3510 S. Michigan Avenue", "1718 S. State Street"}),
)


def quotes(text: str, rule: str) -> list[str]:
    return [f.quote for f in run_checks(text, context=DEPARTMENT) if f.rule == rule]


# (phrasing class, text, the name the finding must quote)
VICTIMS = [
    ("apposition", "The victim, Maria Lopez, 34, of Berwyn, was taken to Stroger Hospital.",
     "Maria Lopez"),
    ("identified as", "The victim, identified as Daniel Okafor, was treated at the scene.",
     "Daniel Okafor"),
    ("police identified", "Police identified the victim as Sophie Müller, 27.", "Sophie Müller"),
    ("label", "Victim: Liam O'Connor, 45, robbed near the Blue Line.", "Liam O'Connor"),
    ("role before name", "Carjacking victim Fatima Al-Sayed says the men took her keys.",
     "Fatima Al-Sayed"),
    ("was struck", "Maria Lopez was struck by a car at Cicero and Grand.", "Maria Lopez"),
    ("age then verb", "José Hernández, 61, was robbed at gunpoint on his porch.", "José Hernández"),
    ("adverb", "Nguyễn Thị Lan was badly beaten near the Argyle station.", "Nguyễn Thị Lan"),
    ("who was", "Kofi Boateng, who was stabbed on Saturday, is recovering.", "Kofi Boateng"),
    ("relative clause before", "The woman who was mugged, Chen Wei, told police two men ran.",
     "Chen Wei"),
    ("possessive property", "Björn Ólafsson's apartment was burglarized while he was at work.",
     "Björn Ólafsson"),
    ("family of the victim", "The victim's mother, Keisha Brown, asked for privacy.",
     "Keisha Brown"),
    ("witness apposition", "A witness, Grace Kim, called 911 and stayed with the driver.",
     "Grace Kim"),
    ("witness label", "Witness Aaron Feldman told officers he heard three shots.",
     "Aaron Feldman"),
    ("told police", "Sean Murphy told police his car was taken from the driveway.",
     "Sean Murphy"),
    ("saw", "Detectives are speaking with Olga Nowak, who saw the crash from her window.",
     "Olga Nowak"),
    ("complainant title", "The complainant, Mr. Rahman, said his bike was stolen.", "Mr. Rahman"),
    ("call from", "Officers responded to a call from Patricia Gómez about a break-in.",
     "Patricia Gómez"),
    ("uncased script", "The victim, 王伟, 34, was robbed on Wentworth Avenue.", "王伟"),
    ("curly apostrophe", "Ahmed Ali’s car was stolen from the lot.", "Ahmed Ali"),
]


@pytest.mark.parametrize("kind,text,name", VICTIMS, ids=[k for k, _, _ in VICTIMS])
def test_naming_a_victim_witness_or_complainant_is_blocking(kind, text, name):
    found = [f for f in run_checks(text, context=DEPARTMENT) if f.rule == "victim_identity"]
    assert [f.quote for f in found] == [name]
    assert found[0].severity is Severity.BLOCKING
    assert text[found[0].start:found[0].end] == name
    assert "IV.B.6" in found[0].clause


JUVENILES = [
    ("named", "A 15-year-old named Tyler Brooks was arrested after the chase.", "Tyler Brooks"),
    ("named, one word", "A 15-year-old named Jayden was shot in the leg.", "Jayden"),
    ("name, age", "Tyler Brooks, 15, of the 1200 block of W. 51st St., was arrested.",
     "Tyler Brooks"),
    ("age before name", "Officers arrested 16-year-old Kevin Zhang near the school.",
     "Kevin Zhang"),
    ("age in words", "Fourteen-year-old Amani Okoro was found safe.", "Amani Okoro"),
    ("juvenile apposition", "The juvenile, Ana Sofía Ruiz, was released to her parents.",
     "Ana Sofía Ruiz"),
    ("parenthesis", "Tyler Brooks (14) was taken into custody.", "Tyler Brooks"),
    ("age label", "Deandre Price, age 13, was cited for curfew.", "Deandre Price"),
    ("a n-year-old", "Lucía Flores, a 12-year-old from Pilsen, was struck by a car.",
     "Lucía Flores"),
    ("role then age", "The boy, 12-year-old Ethan Kowalski, was riding his bike.",
     "Ethan Kowalski"),
]


@pytest.mark.parametrize("kind,text,name", JUVENILES, ids=[k for k, _, _ in JUVENILES])
def test_naming_a_juvenile_is_blocking(kind, text, name):
    found = [f for f in run_checks(text, context=DEPARTMENT) if f.rule == "juvenile_identity"]
    assert [f.quote for f in found] == [name]
    assert found[0].severity is Severity.BLOCKING


HOMES = [
    ("name, age, of", "The victim, Maria Lopez, 34, of 1200 N. Main St., was taken to the hospital.",
     "1200 N. Main St."),
    ("arrestee of", "Officers arrested Darnell King, 28, of 6621 S. Marshfield Ave., on a warrant.",
     "6621 S. Marshfield Ave."),
    ("no suffix", "Rosa Diaz, 52, of 4412 N. Kedzie, reported the theft.", "4412 N. Kedzie"),
    ("tenant of", "The tenant of 4521 S. Drexel Blvd. called police about the noise.",
     "4521 S. Drexel Blvd."),
    ("apartment unit", "Smoke was reported at 7340 S. Paxton Ave., Apt. 2B, just after midnight.",
     "7340 S. Paxton Ave., Apt. 2B"),
    ("where she lives", "The theft happened at 2211 N. Mozart St., where she lives with her son.",
     "2211 N. Mozart St."),
    ("resident of", "A resident of 918 W. Wolfram St. reported a break-in.", "918 W. Wolfram St."),
    ("unicode street", "Ana Peña, 40, of 1530 W. Ñandú Ave., called police.", "1530 W. Ñandú Ave."),
]


@pytest.mark.parametrize("kind,text,address", HOMES, ids=[k for k, _, _ in HOMES])
def test_a_private_home_address_is_blocking(kind, text, address):
    found = [f for f in run_checks(text, context=DEPARTMENT) if f.rule == "personal_info"]
    assert [(f.quote, f.title) for f in found] == [(address, "Home address")]
    assert found[0].severity is Severity.BLOCKING


def test_the_reported_post_is_blocked_three_ways():
    """The post from the acceptance test: it went public with one acknowledged warning."""
    text = ("The victim, Maria Lopez, 34, of 1200 N. Main St., was struck by a car and taken "
            "to Stroger Hospital.")
    found = run_checks(text, context=DEPARTMENT)
    blocking = {(f.rule, f.quote) for f in found if f.severity is Severity.BLOCKING}
    assert blocking == {("victim_identity", "Maria Lopez"), ("personal_info", "1200 N. Main St.")}
    assert "street_address" not in {f.rule for f in found}


NEAR_MISSES = [
    ("commendation", "Officer Jane Smith received the Lifesaving Award for her work on Friday."),
    ("injured officer", "Officer Jane Smith was struck by a car while directing traffic."),
    ("officer with years", "Sgt. Mario Rossi, 16 years on the job, retires Friday."),
    ("officers, plural", "Officers Ruth Adeyemi and Tom Baker told reporters the road is open."),
    ("commander", "Commander Luis Ortega told residents the patrols will continue."),
    ("officials", "Mayor Brandon Lee and Ald. Maria Hadden spoke at the vigil on Sunday."),
    ("station address", "Drop off toys at the 1st District station, 1718 S. State St."),
    ("headquarters", "Car seat checks at headquarters, 3510 S. Michigan Ave., on Tuesdays."),
    ("block", "Police responded to a burglary in the 1200 block of N. Main St."),
    ("intersection", "Shots fired at 63rd and Halsted; the victim, a 34-year-old man, is stable."),
    ("anonymous victim", "The victim, who was not identified, is in stable condition."),
    ("victim services", "Victim Services staff can help with safety planning."),
    ("business robbed", "Family Dollar was robbed on Tuesday night; call with tips."),
    ("park", "Marquette Park was hit by vandals over the weekend."),
    ("hospital", "The victim was taken to Northwestern Memorial Hospital in good condition."),
    ("adult arrestee", "Jane Smith, 34, of Oak Park, was arrested for DUI."),
    ("adult arrestee block", "John Doe, 34, of the 1200 block of N. Main St., was arrested."),
    ("missing child notice", "Missing: Aaliyah Brown, 14, last seen near 79th and Cottage Grove. "
                             "Call 911 if you see her."),
    ("witnesses plural", "Witnesses described the suspect as a man in his 20s."),
    ("weekday", "The victim, Tuesday's caller said, was not hurt."),
    ("venue", "Beat meeting at Harrison Park, 1824 S. Wood St., at 6 pm."),
    ("city", "Maria Lopez of Chicago won the community essay prize."),
    ("scout troop", "Thanks to Girl Scout Troop 2218 for the cookies, and to the boys of Pack 12."),
    ("doctor", "Dr. Amara Singh of Stroger Hospital said the man is in good condition."),
    ("pastor", "Father Michael Pfleger told residents the peace walk starts at 10."),
    ("spokesperson", "Spokeswoman Karen Doyle said the driver fled west on 63rd Street."),
    ("adult age before", "34-year-old Maria Lopez of Berwyn was named volunteer of the year."),
]


@pytest.mark.parametrize("kind,text", NEAR_MISSES, ids=[k for k, _ in NEAR_MISSES])
def test_near_misses_are_not_blocking_identity_or_home(kind, text):
    found = run_checks(text, context=DEPARTMENT)
    assert [(f.rule, f.quote) for f in found
            if f.rule in ("victim_identity", "juvenile_identity", "personal_info")] == []


def test_a_lower_case_relative_is_no_title():
    """"Father Pfleger" is a title; "her father, John Kim" is the victim's family."""
    text = "The girl's father, John Kim, was struck while pushing her out of the way."
    assert quotes(text, "victim_identity") == ["John Kim"]


def test_a_missing_child_found_safe_is_no_longer_exempt():
    """The exemption lets a notice find a missing child; once found, the name comes down."""
    text = "Update: Aaliyah Brown, 14, has been found safe. Thank you for sharing."
    assert quotes(text, "juvenile_identity") == ["Aaliyah Brown"]


def test_admin_added_role_words_extend_the_identity_rules():
    text = "The survivor, Mei Chen, spoke at the vigil."
    assert quotes(text, "victim_identity") == []
    context = CheckContext(extra_terms={"victim_identity": ("survivor",)})
    assert [f.quote for f in run_checks(text, context=context)
            if f.rule == "victim_identity"] == ["Mei Chen"]


NOTABLE = [
    "An armed robbery was reported at a gas station on Pulaski.",
    "A man was robbed at gunpoint near the Red Line.",
    "A carjacking was reported near Clark and Diversey.",
    "A man suffered stab wounds outside a bar on Milwaukee Avenue.",
    "Detectives are investigating a sexual assault near the lakefront trail.",
    "AMBER Alert: a child was abducted from the 4100 block of W. Armitage.",
    "Have you seen this missing child? Call 911.",
    "Officers pursued a stolen car that crashed on the Dan Ryan.",
    "A police pursuit ended in a crash at 79th and Western.",
    "A Taser was used on a man at the Red Line station.",
    "A home invasion was reported overnight in the 6000 block of S. Kedzie.",
    "Police are searching for a kidnapping suspect.",
    "Two officers were hurt while responding to a fight.",
    "SWAT is on scene of a standoff in the 800 block of E. 87th St.",
    "A hit-and-run driver left a cyclist in serious condition on Ogden Avenue.",
    "A man is in critical condition after a crash on Lake Shore Drive.",
]


@pytest.mark.parametrize("text", NOTABLE, ids=[t[:40] for t in NOTABLE])
def test_serious_incidents_in_many_words_are_notable(text):
    assert is_notable(run_checks(text, context=DEPARTMENT))


NOT_NOTABLE = [
    "April is Sexual Assault Awareness Month: resources are at the district desk.",
    "Join our carjacking prevention workshop on Saturday.",
    "Our K9 team put on a great pursuit demonstration at the fair.",
]


@pytest.mark.parametrize("text", NOT_NOTABLE, ids=[t[:40] for t in NOT_NOTABLE])
def test_awareness_and_prevention_posts_are_not_notable(text):
    assert not is_notable(run_checks(text, context=DEPARTMENT))


def test_the_rules_are_on_the_help_page(client, login_as):
    login_as(Role.REPRESENTATIVE)
    body = client.get("/console/checks").get_data(as_text=True)
    for code in ("victim_identity", "juvenile_identity"):
        assert f"<code>{code}</code>" in body
    assert "the 1200 block of" in body


def test_routine_posts_stay_clear():
    for text in ("Congratulations to Officer Priya Raman on her promotion to sergeant!",
                 "Thanks to Maria Lopez and the Pilsen Neighbors for the mural."):
        assert not has_blocking(run_checks(text, context=DEPARTMENT)), text
