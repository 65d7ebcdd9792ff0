"""Findings cite the department's own directive by the name the department configures, with the
source policies (other agencies' documents) shown only as reference (issue 12, "Wording true to
the department")."""
import re

import pytest
from sqlalchemy import select

from beatdesk import screening
from beatdesk.checks import RULES, CheckContext, ImageFacts, context_for, run_checks
from beatdesk.checks.citations import DEFAULT_DIRECTIVE, citation, source_reference, sources
from beatdesk.models import AuditEvent, Department
from beatdesk.roles import Role

from .conftest import reread

AGENCIES = re.compile(r"Detroit|Chicago|Deerfield|Massachusetts")
# A text that triggers every text rule, and an image missing everything.
EVERYTHING = ("The suspect is guilty and was charged with burglary. Vote for the mayor; 20% off "
              "at Joe's Diner. Call me at (312) 555-0199. The victim, Jane Doe, 14, lives at "
              "1234 N. Main Street. Operation Nightfall starts at noon; officers arrested him. "
              "What the fuck.")
IMAGE = ImageFacts(label="scene.jpg", alt_text="", credit="", attested=False)


def _findings(directive: str = ""):
    return run_checks(EVERYTHING, [IMAGE], CheckContext(directive_name=directive))


def test_a_finding_cites_the_directive_by_the_departments_name_with_the_sources():
    found = run_checks("The suspect is guilty.",
                       context=CheckContext(directive_name="General Order 12-3"))
    assert found[0].clause == (
        "General Order 12-3 (source: Detroit Police Department Manual, Directive 102.8 §4.4.c; "
        "Deerfield Police Department General Order 227 (Social Media) §C.a.iii; Chicago Police "
        "Department, Use of Social Media Outlets §IV.B.2)")


def test_no_finding_names_another_agency_as_the_departments_policy():
    for directive in ("", "Directive 102.8", "Social Media Policy 4-1"):
        found = _findings(directive)
        assert {f.rule for f in found} >= {"guilt", "personal_info", "political", "obscene",
                                           "image_credit", "image_attestation", "notable"}
        for finding in found:
            cited, _, reference = finding.clause.partition(" (source: ")
            if finding.rule == "image_alt":  # a standard, not a policy
                assert finding.clause.startswith("WCAG 2.1")
                continue
            assert cited == (directive or DEFAULT_DIRECTIVE), finding
            assert not AGENCIES.search(cited)
            assert AGENCIES.search(reference)  # the sources are still shown, as reference


def test_every_short_clause_is_read_into_named_source_documents():
    for rule in RULES:
        found = sources(rule.clause)
        assert found, rule.code
        for source in found:
            assert source.document.startswith(("Detroit Police Department",
                                               "Deerfield Police Department",
                                               "Chicago Police Department",
                                               "Massachusetts model", "WCAG"))
        assert rule.source_reference == source_reference(rule.clause)
    with pytest.raises(ValueError):
        sources("Springfield 1.2.3")


def test_a_blank_or_spaced_name_falls_back_to_the_departments_directive():
    assert citation("Chicago Twitter IV.A.1", "   ").startswith(f"{DEFAULT_DIRECTIVE} (source: ")
    assert citation("Chicago Twitter IV.A.1", " General  Order 7 ").startswith(
        "General Order 7 (source: Chicago Police Department, Social Media Outlet: Twitter §IV.A.1")


def test_context_for_reads_the_departments_directive_name(db_session, factory):
    district = factory.district(number=1)
    db_session.add(Department(name="Metro PD", official_website="https://metro.example",
                              directive_name="General Order 12-3"))
    db_session.flush()
    context = context_for(db_session, district)
    assert context.directive_name == "General Order 12-3"
    found = run_checks("The suspect is guilty.", context=context)
    assert found[0].clause.startswith("General Order 12-3 (source: ")


def test_the_admin_names_the_directive_on_the_department_page(client, db_session, login_as):
    admin = login_as(Role.ADMIN)
    page = client.get("/console/admin/department").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="directive_name"[^>]*>', page)
    assert field and 'aria-describedby="' in field.group(0)
    hint_id = re.search(r'aria-describedby="([^"]+)"', field.group(0)).group(1).split()[0]
    assert f'id="{hint_id}"' in page and "Policy-check findings cite it" in page
    data = {"name": "Metro PD", "official_website": "https://metro.example",
            "review_interval_days": "7", "directive_name": "  Directive 102.8 "}
    response = client.post("/console/admin/department", data=data)
    assert response.status_code in (302, 303)
    reread(db_session)
    department = db_session.scalar(select(Department))
    assert department.directive_name == "Directive 102.8"
    response = client.post("/console/admin/department",
                           data={**data, "directive_name": "General Order 12-3"})
    assert response.status_code in (302, 303)
    reread(db_session)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.actor_id == admin.id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.event == "department.updated"
    assert event.details == {"changes": {"directive_name": ["Directive 102.8",
                                                           "General Order 12-3"]}}
    too_long = client.post("/console/admin/department", data={**data, "directive_name": "x" * 201})
    assert too_long.status_code == 400


def test_comment_screening_reasons_name_no_other_agency(db_session, factory):
    district = factory.district(number=1)
    text = ("Call me at (312) 555-0199, you idiot. What the fuck. I'll kill you. "
            "http://a.example http://b.example http://c.example http://d.example")
    flags = screening.screen_comment(db_session, district, text, name="Idiot")
    assert {f.rule for f in flags} >= {"personal_info", "attack", "obscenity", "threat", "spam"}
    for flag in flags:
        assert not AGENCIES.search(flag.reason), flag
    for rule in screening.RULES:
        assert not AGENCIES.search(rule.description), rule


# --- The department's own directive and section for each rule (issue 14, "Citations that say
# what they claim") -------------------------------------------------------------------------

import html  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from beatdesk.checks import engine  # noqa: E402
from beatdesk.checks.citations import SECTION_MAX, department_label  # noqa: E402
from beatdesk.checks.rules import RULES_BY_CODE  # noqa: E402
from beatdesk.checks.terms import (get_rule_citation, rule_sections,  # noqa: E402
                                   set_rule_citation)
from beatdesk.context import Actor  # noqa: E402
from beatdesk.errors import PermissionDenied, ValidationFailed  # noqa: E402
from beatdesk.models.rule_citations import RuleCitation  # noqa: E402
from beatdesk.text import TextRefused  # noqa: E402

GUILT_SOURCES = ("Detroit Police Department Manual, Directive 102.8 §4.4.c")


def test_a_rules_own_directive_and_section_come_first_with_the_sources_as_reference():
    sections = {"guilt": ("Social Media Directive 12", "4.b")}
    cited = citation("Detroit 102.8-4.4.c; Deerfield C.a.iii", "General Order 7", rule="guilt",
                     sections=sections)
    assert cited == ("Social Media Directive 12 §4.b (source: Detroit Police Department Manual, "
                     "Directive 102.8 §4.4.c; Deerfield Police Department General Order 227 "
                     "(Social Media) §C.a.iii)")


def test_a_section_without_its_own_directive_uses_the_departments_directive_name():
    sections = {"guilt": ("", "4.b")}
    assert citation("Detroit 102.8-4.4.c", "General Order 7", rule="guilt",
                    sections=sections).startswith("General Order 7 §4.b (source: ")
    assert citation("Detroit 102.8-4.4.c", "", rule="guilt", sections=sections).startswith(
        f"{DEFAULT_DIRECTIVE} §4.b (source: ")


def test_near_misses_another_rule_or_no_rule_cites_the_departments_directive():
    sections = {"guilt": ("Social Media Directive 12", "4.b")}
    # same clause, other rule: pending prosecutions share the guilt clause
    assert citation("Detroit 102.8-4.4.c", "General Order 7", rule="pending_prosecution",
                    sections=sections) == f"General Order 7 (source: {GUILT_SOURCES})"
    assert citation("Detroit 102.8-4.4.c", "General Order 7", sections=sections) == \
        f"General Order 7 (source: {GUILT_SOURCES})"
    assert citation("Detroit 102.8-4.4.c", "General Order 7", rule="guilt") == \
        f"General Order 7 (source: {GUILT_SOURCES})"


def test_a_standard_is_cited_as_it_is_unless_the_department_names_a_section():
    wcag = RULES_BY_CODE["image_alt"].clause
    assert citation(wcag, "General Order 7", rule="image_alt") == wcag
    cited = citation(wcag, "General Order 7", rule="image_alt",
                     sections={"image_alt": ("", "9.1")})
    assert cited == f"General Order 7 §9.1 (source: {wcag})"


@pytest.mark.parametrize("section,label", [
    ("4.b", "Directive 12 §4.b"), ("§4.b", "Directive 12 §4.b"), ("  § 4.b ", "Directive 12 §4.b"),
    ("Section 4.b", "Directive 12 §4.b"), ("sec. 4.b", "Directive 12 §4.b"),
    ("Sections 4.b-c", "Directive 12 §4.b-c"), ("Sectional 4", "Directive 12 §Sectional 4"),
    ("", "Directive 12"), ("   ", "Directive 12"),
])
def test_department_label(section, label):
    assert department_label("Directive 12", section) == label


def _admin(factory):
    return Actor(factory.user(Role.ADMIN), "10.0.0.1")


def test_setting_a_rules_citation_is_audited_and_reaches_the_context(db_session, factory,
                                                                      frozen_clock):
    actor = _admin(factory)
    db_session.add(Department(name="Metro PD", official_website="https://metro.example",
                              directive_name="General Order 7"))
    row = set_rule_citation(db_session, actor, "guilt", "  Social  Media Directive 12 ", "§ 4.b")
    db_session.commit()
    assert (row.rule, row.directive_name, row.section, row.updated_by_id, row.updated_at) == (
        "guilt", "Social Media Directive 12", "4.b", actor.user.id, frozen_clock.now)
    set_rule_citation(db_session, actor, "guilt", "", "4.c")
    db_session.commit()
    reread(db_session)
    assert db_session.scalar(select(RuleCitation.section)) == "4.c"
    details = [e.details for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.event == "rule_citation.set").order_by(AuditEvent.id))]
    assert details == [
        {"rule": "guilt", "directive_name": "Social Media Directive 12", "section": "4.b",
         "before": None},
        {"rule": "guilt", "directive_name": "", "section": "4.c",
         "before": {"directive_name": "Social Media Directive 12", "section": "4.b"}}]
    context = context_for(db_session, None)
    assert context.rule_sections == {"guilt": ("", "4.c")}
    assert context.directive_name == "General Order 7"


def test_a_rule_with_neither_directive_nor_section_is_left_out_of_the_context(db_session,
                                                                               factory):
    actor = _admin(factory)
    set_rule_citation(db_session, actor, "political", "", "")
    db_session.commit()
    assert get_rule_citation(db_session, "political") is not None
    assert rule_sections(db_session) == {}


def test_every_finding_of_the_rule_cites_the_departments_section_first(db_session, factory):
    actor = _admin(factory)
    db_session.add(Department(name="Metro PD", official_website="https://metro.example",
                              directive_name="General Order 7"))
    set_rule_citation(db_session, actor, "guilt", "Social Media Directive 12", "4.b")
    set_rule_citation(db_session, actor, "personal_info", "", "7")
    set_rule_citation(db_session, actor, "image_credit", "", "9.2")
    db_session.commit()
    context = context_for(db_session, None)
    found = run_checks("The suspect is guilty and was charged. DOB 01/02/1990.",
                       [ImageFacts(label="a.jpg", alt_text="a", credit="", attested=True)],
                       context)
    by_rule = {f.rule: f.clause for f in found}
    assert by_rule["guilt"].startswith(
        f"Social Media Directive 12 §4.b (source: {GUILT_SOURCES}")
    assert by_rule["court_case"].startswith("General Order 7 (source: ")
    assert by_rule["personal_info"].startswith("General Order 7 §7 (source: Chicago")
    assert by_rule["image_credit"].startswith("General Order 7 §9.2 (source: ")


@pytest.mark.parametrize("rule,directive,section,field", [
    ("no_such_rule", "", "4.b", "rule"),
    ("", "", "4.b", "rule"),
    ("guilt", "x" * 201, "", "directive_name"),
    ("guilt", "", "4" * (SECTION_MAX + 1), "section"),
    ("guilt", "Directive\x0012", "", "directive_name"),
    ("guilt", "", "4.\x1bb", "section"),
    ("guilt", "", "4.b\u0085", "section"),
])
def test_bad_input_is_refused_with_a_clear_message(db_session, factory, rule, directive, section,
                                                   field):
    with pytest.raises(ValidationFailed) as refused:
        set_rule_citation(db_session, _admin(factory), rule, directive, section)
    assert refused.value.field == field
    assert refused.value.message[0].isupper() and refused.value.message.endswith(".")
    assert "_" not in refused.value.message
    assert db_session.scalar(select(RuleCitation)) is None


def test_a_control_character_is_named_with_its_position(db_session, factory):
    with pytest.raises(TextRefused) as refused:
        set_rule_citation(db_session, _admin(factory), "guilt", "", "4.\x1bb")
    assert "escape" in refused.value.message and "position 3" in refused.value.message


def test_the_longest_values_are_accepted(db_session, factory):
    row = set_rule_citation(db_session, _admin(factory), "guilt", "D" * 200, "4" * SECTION_MAX)
    db_session.commit()
    assert (len(row.directive_name), len(row.section)) == (200, SECTION_MAX)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN], ids=str)
def test_only_admins_set_citations(db_session, factory, role):
    with pytest.raises(PermissionDenied):
        set_rule_citation(db_session, Actor(factory.user(role)), "guilt", "", "4.b")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(directive=st.text(max_size=220), section=st.text(max_size=120))
def test_any_text_is_stored_one_line_or_refused(db_session, factory, directive, section):
    try:
        row = set_rule_citation(db_session, _admin(factory), "guilt", directive, section)
    except ValidationFailed as refused:
        assert refused.message.endswith(".")
        db_session.rollback()
        return
    assert "\n" not in row.directive_name + row.section
    assert len(row.directive_name) <= 200 and len(row.section) <= SECTION_MAX
    assert not row.section.startswith("§")
    cited = citation("Detroit 102.8-4.4.c", "General Order 7", rule="guilt",
                     sections={"guilt": (row.directive_name, row.section)})
    assert cited.endswith(f"(source: {GUILT_SOURCES})")
    db_session.rollback()


# --- the admin page ------------------------------------------------------------------------


def test_the_admin_page_lists_every_rule_with_its_source_clauses(client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/console/admin/check-citations").get_data(as_text=True)
    for rule in RULES:
        assert f'href="/console/admin/check-citations/{rule.code}"' in page, rule.code
        assert html.escape(source_reference(rule.clause)) in page, rule.code
    # the kinds of personal information cite their own, narrower clauses
    for _title, clause, _message in engine._PERSONAL_KINDS.values():
        assert html.escape(source_reference(clause)) in page


def test_the_admin_sets_a_rules_citation_on_its_page(client, db_session, login_as):
    admin = login_as(Role.ADMIN)
    form = client.get("/console/admin/check-citations/guilt").get_data(as_text=True)
    for name in ("directive_name", "section"):
        field = re.search(rf'<input[^>]*id="{name}"[^>]*>', form)
        assert field and 'aria-describedby="' in field.group(0), name
    response = client.post("/console/admin/check-citations/guilt",
                           data={"directive_name": "Social Media Directive 12",
                                 "section": "§4.b"})
    assert response.status_code == 303
    reread(db_session)
    row = db_session.scalar(select(RuleCitation))
    assert (row.rule, row.directive_name, row.section, row.updated_by_id) == (
        "guilt", "Social Media Directive 12", "4.b", admin.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "now cite Social Media Directive 12 §4.b first." in page
    assert "Social Media Directive 12 §4.b (source: Detroit" in page


@pytest.mark.parametrize("data,message", [
    ({"directive_name": "x" * 201, "section": ""}, "The directive name is at most 200 characters."),
    ({"directive_name": "", "section": "4" * (SECTION_MAX + 1)},
     f"The section is at most {SECTION_MAX} characters."),
    ({"directive_name": "Directive\x0712", "section": ""}, "bell"),
])
def test_bad_input_on_the_page_shows_the_form_again(client, db_session, login_as, data, message):
    login_as(Role.ADMIN)
    response = client.post("/console/admin/check-citations/guilt", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.scalar(select(RuleCitation)) is None


def test_an_unknown_rule_is_not_found(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/console/admin/check-citations/no_such_rule").status_code == 404
    assert client.post("/console/admin/check-citations/no_such_rule",
                       data={"section": "4.b"}).status_code == 404


def test_the_policy_checks_page_links_admins_to_the_citations(client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/console/checks").get_data(as_text=True)
    assert 'href="/console/admin/check-citations"' in page
    client.post("/auth/logout")


def test_other_staff_see_no_link_to_the_citations(client, login_as):
    login_as(Role.SERGEANT)
    page = client.get("/console/checks").get_data(as_text=True)
    assert "/console/admin/check-citations" not in page
