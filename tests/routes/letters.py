"""Authorization expectations for letters to requesters (see ``tests/routes/__init__.py``).

Administrators edit the letter templates; records officers make letters on a request's page;
records officers and administrators download them.
"""
import hashlib

from beatdesk.models import Letter, LetterKind
from beatdesk.roles import Role

ADMIN = frozenset({Role.ADMIN})
OFFICER = frozenset({Role.RECORDS})
READERS = frozenset({Role.RECORDS, Role.ADMIN})

STAFF_ROUTES: dict = {
    ("letters.templates", "GET"): ("/console/letters/", ADMIN, 200),
    ("letters.edit_template", "GET"): ("/console/letters/denial", ADMIN, 200),
    ("letters.edit_template", "POST"): ("/console/letters/denial", ADMIN, 400),
    # An empty form names no kind of letter.
    ("letters.make", "POST"): ("/console/records/{records_request}/letters", OFFICER, 400),
    ("letters.download", "GET"):
        ("/console/records/{records_request}/letters/{letter}/acknowledgement-1.pdf",
         READERS, 200),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {"letters.make": Role.RECORDS}


def objects(factory, base: dict) -> dict:
    """A letter of the request the records area made (``records_request``)."""
    session = factory.session
    request = base["records_request"]
    pdf = b"%PDF-1.4 letter"
    letter = Letter(request_id=request.id, kind=LetterKind.ACKNOWLEDGEMENT, number=1,
                    title="Received", body_markdown="Received.",
                    sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pdf=pdf, sent_to="",
                    created_by_id=request.created_by_id)
    session.add(letter)
    session.commit()
    return {"letter": letter}
