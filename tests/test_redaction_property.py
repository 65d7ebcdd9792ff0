"""Redaction holds over any Unicode text: after the officer redacts a passage (typed in any case
or normalisation form, or selected as a range of code points), the passage survives in no file
of the release package, in none of its forms (as typed, NFC, NFD, case-folded, HTML-escaped,
JSON-escaped), under the one definition of "the same text" (:mod:`beatdesk.sametext`)."""
import csv
import html
import io
import json
import re
import unicodedata
import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from beatdesk import archive, records, release, sametext
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.errors import ValidationFailed
from beatdesk.models import Exemption, RequestState, SnapshotItem
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .routes.requests import ensure_exemptions


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


# Every plane, combining marks and case-changing letters; no surrogates (not text) and no C0/C1
# controls (refused when text is written).
CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
TRICKY = st.sampled_from(["ß", "ẞ", "İ", "ı", "ǅ", "ﬃ", "Σ", "ς", "\u0301", "\u0316", "\u0345",
                          "é", "e\u0301", "Å", "Å", "😀", "𝔘", "𐐀", "𐐨", "\U0001F1FA", "한",
                          "\u1100\u1161", "ᾳ", "K"])
SNIPPET = st.lists(st.one_of(CHARS, TRICKY), max_size=12).map("".join)
# The package's own words are ASCII and "·", "—", "…"; a passage with a character they cannot
# fold to is one the package could only show by leaking it.
BOILERPLATE = sametext.fold("".join(map(chr, range(32, 127))) + "·—…")
FORMS = {
    "as typed": lambda s: s, "upper": str.upper, "lower": str.lower, "casefold": str.casefold,
    "NFC": lambda s: unicodedata.normalize("NFC", s),
    "NFD": lambda s: unicodedata.normalize("NFD", s),
    "NFKC": lambda s: unicodedata.normalize("NFKC", s),
}


def _passage_ok(passage: str) -> bool:
    folded = sametext.fold(passage)
    return (any(c not in BOILERPLATE for c in folded) and "[" not in folded
            and "]" not in folded and passage.strip() != "")


def _forms(passage: str) -> set[str]:
    forms = set()
    for text in (passage, passage.casefold()):
        for form in ("NFC", "NFD"):
            forms.add(unicodedata.normalize(form, text))
        forms.add(text)
    return {f for f in forms if f}


def _texts_of(name: str, data: bytes) -> list[str]:
    """The readable texts of one file, one string per value (so values never run together)."""
    if name.endswith(".pdf"):
        return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    text = data.decode("utf-8")
    if name.endswith(".json"):
        values = []

        def walk(value):
            if isinstance(value, dict):
                for key, inner in value.items():
                    values.append(key)
                    walk(inner)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner)
            elif value is not None:
                values.append(str(value))
        walk(json.loads(text))
        return values
    if name.endswith(".csv"):
        cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
        decoded = []
        for cell in cells:
            if cell.startswith("{"):
                decoded += _texts_of("cell.json", cell.encode())
        return cells + decoded
    if name.endswith(".html"):
        return [html.unescape(part) for part in re.split(r"<[^>]*>", text)]
    return []


def _assert_no_leak(files: dict[str, bytes], passages: list[str]) -> None:
    for name, data in files.items():
        texts = _texts_of(name, data)
        raw = data.decode("utf-8", "replace") if not name.endswith(".pdf") else ""
        for passage in passages:
            for text in texts:
                assert not sametext.occurs(text, passage), (name, passage, text)
                for form in _forms(passage):
                    for shown in (text, text.casefold(), unicodedata.normalize("NFC", text),
                                  unicodedata.normalize("NFD", text)):
                        assert form not in shown, (name, passage, form)
            for form in _forms(passage):
                assert str(html.escape(form)) not in raw, (name, passage, "HTML-escaped")
                for ascii_only in (True, False):
                    escaped = json.dumps(form, ensure_ascii=ascii_only)[1:-1]
                    assert escaped not in raw, (name, passage, "JSON-escaped")


def _prepare(session, factory, content: dict):
    officer = factory.user(Role.RECORDS)
    actor = Actor(officer)
    record = archive.append(session, record_type="comment", object_id=1, district_id=None,
                            actor=None, actor_label="visitor", content=content)
    req = records.create_request(session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "Everything."), ILLINOIS)
    records.change_state(session, actor, req, RequestState.REVIEWING)
    records.attach_records(session, actor, req, [record])
    session.flush()
    item = session.scalars(select(SnapshotItem).where(SnapshotItem.request_id == req.id)).one()
    exemption = session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    return actor, req, item, exemption


def _package(app, session, actor, req) -> dict[str, bytes]:
    built = release.build_release(session, actor, req, root=app.instance_path + "/releases",
                                  released_to="Pat Requester")
    path = release.package_path(app.instance_path + "/releases", built)
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(passage=st.lists(st.one_of(CHARS, TRICKY), min_size=1, max_size=6).map("".join),
       before=SNIPPET, middle=SNIPPET, after=SNIPPET, other=SNIPPET,
       first=st.sampled_from(sorted(FORMS)), second=st.sampled_from(sorted(FORMS)),
       typed=st.sampled_from(sorted(FORMS)), by_range=st.booleans())
@example(passage="Straße", before="Ask ", middle=" or ", after=".", other="İ",
         first="as typed", second="upper", typed="as typed", by_range=False)
@example(passage="Zoë", before="İstanbul: ", middle=" ", after="", other="",
         first="NFD", second="upper", typed="NFC", by_range=False)
@example(passage="𝔖", before="", middle="", after="", other="",
         first="NFKC", second="NFC", typed="NFC", by_range=True)
@example(passage="Zoë", before="😀😀 ", middle=" / ", after="", other="",
         first="as typed", second="as typed", typed="as typed", by_range=True)
def test_no_redacted_passage_survives_in_any_file(app, db_session, factory, passage, before,
                                                  middle, after, other, first, second, typed,
                                                  by_range):
    assume(_passage_ok(passage))
    shown_first, shown_second = FORMS[first](passage), FORMS[second](passage)
    body = before + shown_first + middle + shown_second + after
    content = {"body": body, "author_name": other + shown_second,
               "moderation": {"notes": [other, middle + shown_first]}, "state": "visible"}
    actor, req, item, exemption = _prepare(db_session, factory, content)
    # The passage as the officer meant it: what they typed, or the characters they selected.
    if by_range:
        start = len(before)
        records.add_redaction(db_session, actor, req, item, exemption_id=exemption.id,
                              kind="range", field="body", start=start,
                              end=start + len(shown_first))
        meant = shown_first
        assume(_passage_ok(meant))  # NFKC may turn "𝔖" into the package's own "S"
    else:
        meant = FORMS[typed](passage)
        assume(_passage_ok(meant))
        assume(sametext.occurs(body, meant))  # e.g. upper("ı") is "I": not the same text
        records.add_redaction(db_session, actor, req, item, exemption_id=exemption.id,
                              kind="text", text=meant)
    db_session.commit()
    files = _package(app, db_session, actor, req)
    _assert_no_leak(files, [meant])


def test_the_form_and_the_release_agree_on_the_same_text(app, db_session, factory):
    """ß and SS, a dotted capital I elsewhere in the field, NFD and NFC: what the form accepts
    is what the release removes (the form used to fold differently, and the release gave up on
    a whole field whose lower case changed length)."""
    content = {"body": "İ saw STRASSE and Zoe\u0308 there.", "state": "visible"}
    actor, req, item, exemption = _prepare(db_session, factory, content)
    for typed in ("straße", "zoë"):
        records.add_redaction(db_session, actor, req, item, exemption_id=exemption.id,
                              kind="text", text=typed)
    with pytest.raises(ValidationFailed):
        records.add_redaction(db_session, actor, req, item, exemption_id=exemption.id,
                              kind="text", text="Strasbourg")
    preview, _ = records.redacted_content(records.item_content(item),
                                          records.item_redactions(db_session, item))
    assert preview["body"] == ("İ saw [REDACTED under 7(1)(c)] and "
                               "[REDACTED under 7(1)(c)] there.")
