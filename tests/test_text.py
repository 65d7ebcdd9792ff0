"""The one normalisation of text a person enters (``beatdesk.text``), and where it applies."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from beatdesk.models import MediaInquiry
from beatdesk.roles import Role
from beatdesk.text import TextRefused, describe_character, find_forbidden, normalise, scrub


@pytest.mark.parametrize("char,name", [
    ("\x00", "U+0000 (null)"), ("\x0b", "U+000B (vertical tab)"), ("\x1b", "U+001B (escape)"),
    ("\x7f", "U+007F (delete)"), ("\x85", "U+0085 (next line)"), ("\ud800", "U+D800 (lone surrogate)"),
    ("\ufffe", "U+FFFE (noncharacter)"), ("\uffff", "U+FFFF (noncharacter)"),
    ("\ufdd0", "U+FDD0 (noncharacter)"), ("\U0010ffff", "U+10FFFF (noncharacter)"),
])
def test_forbidden_characters_are_refused_by_name_and_position(char, name):
    text = f"Zoë 👮 a{char}b"
    with pytest.raises(TextRefused) as refused:
        normalise(text, "The post text")
    # Positions count code points from 1: the emoji is one character, not two UTF-16 units.
    assert refused.value.message.startswith(f"The post text contains {name} at position 8")
    assert describe_character(char) == name


@pytest.mark.parametrize("allowed", ["\t", "\n", "\r", "\u200d", "\u202e", "\ue000",
                                     "\U0001F46E", "\u0301", "\u0130", "\u00df"])
def test_ordinary_characters_pass(allowed):
    assert find_forbidden(f"a{allowed}b") is None


def test_line_ends_become_lf_and_text_becomes_nfc():
    assert normalise("Cafe\u0301\r\nsecond\rthird\n") == "Caf\u00e9\nsecond\nthird\n"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_is_idempotent_and_leaves_nothing_forbidden(text):
    if find_forbidden(text):
        with pytest.raises(TextRefused):
            normalise(text)
        assert find_forbidden(scrub(text)) is None
        return
    once = normalise(text)
    assert normalise(once) == once
    assert "\r" not in once and find_forbidden(once) is None


def test_a_post_body_with_a_vertical_tab_is_refused_naming_it(client, login_as, factory):
    """Before: accepted, then every feed carrying the post answered 500."""
    district = factory.district()
    user = login_as(Role.SERGEANT, district)
    response = client.post("/console/posts/new", data={
        "category": "community_alert", "body": "Road closed\x0b on Elm Street."})
    assert response.status_code == 400
    assert "U+000B (vertical tab) at position 12" in response.get_data(as_text=True)
    assert user.id


def test_a_district_statement_with_a_control_character_is_refused(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/console/districts/new", data={
        "number": "44", "name": "District 44", "slug": "district-44",
        "intro_statement": "News\x1f from 44.", "moderation_mode": "pre"})
    assert response.status_code == 400
    assert "U+001F (unit separator) at position 5" in response.get_data(as_text=True)


def test_form_text_is_stored_normalised(client, login_as, db_session):
    login_as(Role.NEWS_AFFAIRS)
    response = client.post("/console/inquiries/new", data={
        "outlet": "Cafe\u0301 Gazette", "reporter": "A. Reporter", "contact": "desk@x.example",
        "question": "Line one\r\nline two"})
    assert response.status_code == 303
    inquiry = db_session.scalars(select(MediaInquiry)).one()
    assert (inquiry.outlet, inquiry.question) == ("Caf\u00e9 Gazette", "Line one\nline two")


def test_the_counter_refuses_a_lone_surrogate_with_a_message(client, login_as):
    login_as(Role.SERGEANT)
    response = client.post("/console/posts/count", data='{"text": "a\\ud800b"}',
                           content_type="application/json")
    assert response.status_code == 400
    assert "U+D800 (lone surrogate) at position 2" in response.get_json()["error"]


@pytest.mark.parametrize("path", ["/posts/2147483648", "/posts/9223372036854775808",
                                  "/posts/99999999999999999999", "/media/99999999999999999999",
                                  "/console/admin/users/9223372036854775808",
                                  "/console/archive/records/99999999999999999999"])
def test_ids_past_the_database_range_are_not_found(client, login_as, path):
    login_as(Role.ADMIN)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "-1", "0",
                                  "abc"])
def test_malformed_pages_are_a_clear_400(client, login_as, page):
    login_as(Role.ADMIN)
    response = client.get("/console/admin/audit", query_string={"page": page})
    assert response.status_code == 400
    assert "“page” must be a whole number" in response.get_data(as_text=True)


def test_nul_in_a_query_is_a_clear_400(client, factory):
    district = factory.district()
    response = client.get(f"/districts/{district.slug}", query_string={"page": "1", "q": "a\x00"})
    assert response.status_code == 400
    assert "U+0000 (null) at position 2" in response.get_data(as_text=True)


def test_whitespace_only_filters_are_empty(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/console/admin/audit", query_string={"outcome": "   ", "event": " "})
    assert response.status_code == 200


def test_the_cli_refuses_a_control_character_naming_the_option(app):
    """Text typed on the command line goes through the same normalisation as the forms."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "--login-id", "jdoe", "--name",
                                 "Jane\x0bDoe", "--email", "jdoe@pd.example",
                                 "--employee-number", "12345", "--password", "Correct-horse-42"])
    assert result.exit_code == 2
    assert "--name contains U+000B (vertical tab) at position 5" in result.output


def test_empty_optional_fields_of_a_sent_form_are_not_refused(client, login_as):
    """A search form sends every field, the empty dates too: they are "not given", not bad text."""
    login_as(Role.RECORDS)
    response = client.get("/console/archive/?text=remark&district_id=&author=&record_type="
                          "&since=&until=&state=removed")
    assert response.status_code == 200
    assert b"Not a valid date value" not in response.data
