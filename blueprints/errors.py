"""Friendly error pages; a 500 never shows a traceback."""
from flask import Flask, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from beatdesk.audit import record_event
from beatdesk.db import is_contention, take_write_lock
from beatdesk.errors import DomainError
from beatdesk.models import Outcome

from .access import actor
from .database import db
from .input_guards import InputRefused

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Check what you entered and try again."),
    403: ("Not allowed", "Your account does not have access to this page or action."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Changed at the same time", "Someone else changed the same record at the same moment, "
                                      "so nothing was saved. Reload the page and try again."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many requests", "You have made too many requests in a short time. "
                               "Wait a minute and try again."),
    503: ("Busy, try again", "Many changes are being saved at this moment, so yours was not "
                             "saved. Wait a few seconds and send it again."),
    500: ("Something went wrong", "The error was logged. Try again; if it keeps happening, "
                                  "contact Information Services."),
}
# Blueprints of the public site (None: an address no route matched).
PUBLIC_BLUEPRINTS = frozenset({None, "public", "comments", "media", "checkpoints", "reading_room",
                               "records_portal"})


def _page(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    # Outside the staff console an error page is a public page and carries the public notices.
    template = "public/error.html" if request.blueprint in PUBLIC_BLUEPRINTS else "errors/error.html"
    return render_template(template, status=status, title=title,
                           message=message or default), status


def _audit_denial() -> None:
    """A signed-in user refused a page or action is a security event worth keeping."""
    if not current_user.is_authenticated:
        return
    session = db()
    session.rollback()  # nothing the refused request started may be kept
    take_write_lock(session)  # a GET's session reads first; the audit row must not fail on that
    record_event(session, actor(), "access.denied", outcome=Outcome.DENIED,
                 details={"method": request.method, "path": request.path[:300],
                          "endpoint": request.endpoint or ""})
    session.commit()


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _page(400, "The form expired or was sent without its security token. "
                          "Go back, reload the page and try again.")

    @app.errorhandler(InputRefused)
    def input_refused(exc: InputRefused):
        return _page(400, exc.description)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code not in MESSAGES:
            return exc
        if exc.code == 403:
            _audit_denial()
        return _page(exc.code)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        # A refusal a view did not turn into a form message: nothing it started is kept.
        db().rollback()
        if exc.status_code == 403:
            _audit_denial()
        return _page(exc.status_code, exc.message)

    @app.errorhandler(IntegrityError)
    def integrity_error(exc: IntegrityError):
        # The domain checks uniqueness first; this is the race two requests can still lose.
        db().rollback()
        app.logger.warning("integrity error: %s", exc.orig)
        return _page(409)

    @app.errorhandler(OperationalError)
    def database_busy(exc: OperationalError):
        # Other writers held the lock past the busy timeout (or PostgreSQL broke a deadlock):
        # nothing was saved and the same request will pass later, so say that, not "error".
        if not is_contention(exc):
            raise exc
        session = db()
        session.rollback()
        take_write_lock(session, False)  # the page itself only reads: never wait again for it
        app.logger.warning("database busy: %s", exc.orig)
        response, status = _page(503)
        return response, status, {"Retry-After": "5"}

    @app.errorhandler(500)
    def server_error(exc):
        try:
            db().rollback()
        except Exception:  # the database may be the reason we are here
            app.logger.exception("rollback after error failed")
        return _page(500)
