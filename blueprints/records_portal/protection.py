"""The portal's forms are protected like the comment form (``blueprints.comments.protection``):
no session, so no cookie; the browser's same-origin headers stop cross-site submissions, and a
signed, time-limited token shows the form was issued by this site recently.

The filing form's token is the same for every visitor in an hour (the page may be the same for
all); a tracking page's tokens are bound to its request. The tracking pages' own secret (the
token in their address) is what an attacker on another site does not have.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from beatdesk import clock

from ..comments.protection import DEFAULT_MAX_AGE_HOURS, WINDOW_SECONDS, enabled, same_origin

__all__ = ["enabled", "same_origin", "issue", "token_problem"]

SALT = "beatdesk.records-portal"

MISSING = ("The form was sent without its security token. Nothing was sent: check what you "
           "wrote below and send it again.")
EXPIRED = ("The form expired or was sent with a security token this site did not issue for it. "
           "Nothing was sent: check what you wrote below and send it again.")
CROSS_SITE = ("This form was sent from another website, so it was refused. Nothing was sent: "
              "if you wrote it, check it below and send it from this page.")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _hour() -> int:
    return int(clock.utcnow().timestamp() // WINDOW_SECONDS)


def _max_age_windows() -> int:
    hours = current_app.config.get("RECORDS_FORM_MAX_AGE_HOURS", DEFAULT_MAX_AGE_HOURS)
    return max(1, int(hours)) * 3600 // WINDOW_SECONDS


def issue(purpose: str, request_id: int = 0) -> str:
    """The token for a form: ``purpose`` ("file", "reply", "withdraw") and the request."""
    return _serializer().dumps([purpose, int(request_id), _hour()])


def token_problem(token: str | None, purpose: str, request_id: int = 0) -> str | None:
    """Why ``token`` is not acceptable for this form, or None if it is."""
    if not token:
        return MISSING
    try:
        payload = _serializer().loads(token)
    except BadData:
        return EXPIRED
    if not (isinstance(payload, list) and len(payload) == 3 and payload[0] == purpose
            and all(isinstance(v, int) and not isinstance(v, bool) for v in payload[1:])):
        return EXPIRED
    _, for_request, issued = payload
    now = _hour()
    if for_request != request_id or issued > now or now - issued > _max_age_windows():
        return EXPIRED
    return None
