"""Authorization expectations for suggested redactions (see ``tests/routes/__init__.py``).

Records officers decide suggestions; administrators may read the list but change nothing."""
from sqlalchemy import select

from beatdesk.models import Exemption, RedactionSuggestion, SuggestionKind, SuggestionStatus
from beatdesk.roles import Role

from .requests import OFFICER, READERS, P

S = P + "/{records_request}/suggestions"
STAFF_ROUTES: dict = {
    ("redaction_suggestions.review", "GET"): (S, READERS, 200),
    ("redaction_suggestions.scan", "POST"): (S + "/scan", OFFICER, 303),
    ("redaction_suggestions.accept", "POST"): (S + "/{records_suggestion}/accept", OFFICER, 303),
    ("redaction_suggestions.reject", "POST"): (S + "/{records_suggestion}/reject", OFFICER, 303),
    # Without a kind the form is refused with a message on the request page.
    ("redaction_suggestions.accept_kind", "POST"): (S + "/accept-kind", OFFICER, 303),
    ("redaction_suggestions.across", "GET"):
        (S + "/{records_accepted_suggestion}/across", OFFICER, 200),
    ("redaction_suggestions.across", "POST"):
        (S + "/{records_accepted_suggestion}/across", OFFICER, 400),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {endpoint: Role.RECORDS for (endpoint, method) in STAFF_ROUTES
                      if method == "POST"}


def objects(factory, base: dict) -> dict:
    """A pending suggestion in the request's record, and an accepted one with its redaction."""
    session = factory.session
    item, redaction = base["records_item"], base["records_redaction"]
    exemption = session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    pending = RedactionSuggestion(
        request_id=item.request_id, item_id=item.id, field="body", start_at=0, end_at=6,
        passage="Parade", kind=SuggestionKind.VICTIM_NAME, exemption_id=exemption.id,
        status=SuggestionStatus.PENDING)
    accepted = RedactionSuggestion(
        request_id=item.request_id, item_id=item.id, field="body", start_at=10, end_at=21,
        passage="Main Street", kind=SuggestionKind.STREET_ADDRESS, exemption_id=exemption.id,
        status=SuggestionStatus.ACCEPTED, redaction_id=redaction.id,
        decided_by_id=redaction.created_by_id, decided_at=redaction.created_at)
    session.add_all([pending, accepted])
    session.commit()
    return {"records_suggestion": pending, "records_accepted_suggestion": accepted}
