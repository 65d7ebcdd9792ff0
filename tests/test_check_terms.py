"""Admin-extendable word lists: domain operations, audit, the admin page and the rules page."""
import pytest
from sqlalchemy import select

from beatdesk import checks
from beatdesk.checks import CheckContext, context_for, run_checks
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import AuditEvent, CheckTerm, Department
from beatdesk.roles import Role

from .conftest import reread


def events(session, name):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name)))


def test_add_term_is_audited_and_counts_in_the_next_check(db_session, factory, frozen_clock):
    admin = factory.user(Role.ADMIN)
    term = checks.add_term(db_session, Actor(admin, "10.0.0.1"), "confidential",
                           "  Operation   Nightfall ")
    db_session.commit()
    assert (term.rule, term.phrase, term.active, term.created_by_id) == (
        "confidential", "Operation Nightfall", True, admin.id)
    assert term.created_at == frozen_clock.now
    [event] = events(db_session, "check_term.add")
    assert (event.actor_id, event.object_type, event.object_id, event.details) == (
        admin.id, "check_terms", str(term.id),
        {"rule": "confidential", "phrase": "Operation Nightfall"})

    context = context_for(db_session, None)
    found = [f for f in run_checks("Don't ask about operation nightfall.", context=context)
             if f.rule == "confidential"]
    assert [f.quote for f in found] == ["operation nightfall"]


def test_deactivate_term_keeps_the_row_and_stops_counting(db_session, factory, frozen_clock):
    admin = factory.user(Role.ADMIN)
    actor = Actor(admin)
    term = checks.add_term(db_session, actor, "notable", "pursuit")
    db_session.commit()
    checks.deactivate_term(db_session, actor, term.id)
    db_session.commit()
    reread(db_session)
    term = db_session.get(CheckTerm, term.id)
    assert (term.active, term.deactivated_by_id, term.deactivated_at) == (
        False, admin.id, frozen_clock.now)
    assert [e.details for e in events(db_session, "check_term.deactivate")] == [
        {"rule": "notable", "phrase": "pursuit"}]
    assert context_for(db_session, None).extra_terms == {}
    assert checks.list_terms(db_session) == [term]
    assert checks.list_terms(db_session, include_inactive=False) == []
    with pytest.raises(Conflict):
        checks.deactivate_term(db_session, actor, term.id)
    with pytest.raises(NotFound):
        checks.deactivate_term(db_session, actor, 99999)
    # once removed, the same phrase may be added again
    checks.add_term(db_session, actor, "notable", "Pursuit")
    db_session.commit()


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN], ids=str)
def test_only_admins_change_the_lists(db_session, factory, role):
    user = factory.user(role)
    with pytest.raises(PermissionDenied):
        checks.add_term(db_session, Actor(user), "confidential", "x-ray")
    admin = factory.user(Role.ADMIN)
    term = checks.add_term(db_session, Actor(admin), "confidential", "x-ray")
    db_session.commit()
    with pytest.raises(PermissionDenied):
        checks.deactivate_term(db_session, Actor(user), term.id)


@pytest.mark.parametrize("rule,phrase,field", [
    ("image_alt", "anything", "rule"),
    ("street_address", "anything", "rule"),
    ("no_such_rule", "anything", "rule"),
    ("obscene", "   ", "phrase"),
    ("obscene", "!!!", "phrase"),
    ("obscene", "x" * 201, "phrase"),
    ("notable", "Shooting", "phrase"),  # already built in
])
def test_bad_terms_are_refused(db_session, factory, rule, phrase, field):
    admin = factory.user(Role.ADMIN)
    with pytest.raises(ValidationFailed) as exc:
        checks.add_term(db_session, Actor(admin), rule, phrase)
    assert exc.value.field == field


def test_a_duplicate_active_term_is_refused(db_session, factory):
    actor = Actor(factory.user(Role.ADMIN))
    checks.add_term(db_session, actor, "advertising", "flash sale")
    db_session.commit()
    with pytest.raises(ValidationFailed, match="already on this check's list"):
        checks.add_term(db_session, actor, "advertising", "FLASH  sale")


def test_context_for_collects_official_contact_details(db_session, factory):
    db_session.add(Department(name="City Police", official_website="https://www.pd.example.gov/",
                              contact_phone="(312) 746-6000", contact_email="news@pd.example.gov",
                              contact_address="3510 S. Michigan Avenue"))
    db_session.commit()
    district = factory.district(contact_phone="312.745.4290",
                                contact_email="district1@chicagopolice.example",
                                contact_address="1718 S. State Street")
    context = context_for(db_session, district)
    assert context.official_phones == {"+13127466000", "+13127454290"}
    assert context.official_email_domains == {"pd.example.gov", "chicagopolice.example"}
    assert context.official_addresses == {"3510 S. Michigan Avenue", "1718 S. State Street"}
    text = ("Questions? Call 312-745-4290 or (312) 746-6000, write to desk@chicagopolice.example, "
            "or visit us at 1718 S State St.")
    assert [f for f in run_checks(text, context=context)
            if f.rule in ("personal_info", "street_address")] == []
    # without the district, its own number is not an official one
    assert [f.quote for f in run_checks(text, context=context_for(db_session, None))
            if f.rule == "personal_info"] == ["312-745-4290", "desk@chicagopolice.example"]


def test_context_without_department_or_district(db_session):
    assert context_for(db_session, None) == CheckContext(extra_terms={})


# ---- pages --------------------------------------------------------------------------------

def test_admin_adds_and_removes_a_phrase_through_the_page(client, login_as, db_session):
    login_as(Role.ADMIN)
    page = client.get("/console/admin/check-terms")
    assert page.status_code == 200
    assert "No phrases added yet." in page.get_data(as_text=True)
    response = client.post("/console/admin/check-terms",
                           data={"rule": "confidential", "phrase": "Operation Nightfall"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/admin/check-terms"
    page = client.get("/console/admin/check-terms").get_data(as_text=True)
    assert "“Operation Nightfall” now counts for “Confidential or operational information”." in page
    assert "In use" in page
    reread(db_session)
    term = db_session.scalars(select(CheckTerm)).one()

    response = client.post(f"/console/admin/check-terms/{term.id}/deactivate")
    assert response.status_code == 303
    page = client.get("/console/admin/check-terms").get_data(as_text=True)
    assert "“Operation Nightfall” no longer counts." in page
    assert "Removed" in page
    response = client.post(f"/console/admin/check-terms/{term.id}/deactivate")
    assert response.status_code == 303
    assert "was already removed" in client.get("/console/admin/check-terms").get_data(as_text=True)
    assert client.post("/console/admin/check-terms/99999/deactivate").status_code == 404


@pytest.mark.parametrize("data,message", [
    ({"rule": "confidential", "phrase": ""}, "This field is required."),
    ({"rule": "image_alt", "phrase": "x"}, "Not a valid choice."),
    ({"rule": "notable", "phrase": "shooting"}, "is already in the built-in list of this check."),
])
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, login_as, db_session,
                                                           data, message):
    login_as(Role.ADMIN)
    response = client.post("/console/admin/check-terms", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "There is a problem" in body and message in body
    reread(db_session)
    assert db_session.scalars(select(CheckTerm)).all() == []
    assert events(db_session, "check_term.add") == []


def test_rules_page_documents_every_rule_for_all_staff(client, login_as, db_session, factory):
    admin = factory.user(Role.ADMIN)
    checks.add_term(db_session, Actor(admin), "notable", "pursuit")
    db_session.commit()
    login_as(Role.REPRESENTATIVE)
    body = client.get("/console/checks").get_data(as_text=True)
    for rule in checks.RULES:
        assert rule.title in body
        assert f"<code>{rule.code}</code>" in body
        assert rule.source_reference.replace("'", "&#39;") in body
    assert "cardiac arrest" in body          # a documented near miss
    assert "taken into custody" in body      # a built-in phrase
    assert "pursuit" in body                 # an admin-added phrase
    assert "Manage added phrases" not in body
