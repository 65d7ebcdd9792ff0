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
