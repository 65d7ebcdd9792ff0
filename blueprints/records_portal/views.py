"""The requester portal's pages: the request form, the tracking page (status, due date,
messages, released files, reply) and withdrawal. No sign-in; no session.

Every answer is private (``Cache-Control: private, no-store``, no referrer, not indexed): the
tracking pages' addresses carry the requester's secret token, and the page cache in front of the
app only keeps what the public blueprint marks as shareable. A wrong, truncated or other
request's token is a 404 that reads the same for every one of them.
"""
from flask import current_app, redirect, render_template, request, send_file, url_for

from beatdesk import clock, records_portal, release
from beatdesk.due_dates import rules_for
from beatdesk.errors import DomainError, NotFound
from beatdesk.records_portal import PortalSubmission

from ..access import actor
from ..common_forms import attach_error
from ..database import db
from ..extensions import csrf, limiter
from . import bp, protection
from .forms import ReplyForm, RequestForm, WithdrawForm

DEFAULT_FILE_LIMIT = "5 per minute;20 per hour"
DEFAULT_TRACK_LIMIT = "10 per minute;60 per hour"
DEFAULT_VIEW_LIMIT = "120 per minute"  # reading tracking pages: far above a person, below a scan
TOKEN_MAX = 100  # longer than any token issued; longer addresses are not looked up
TOO_MANY = ("You have sent several forms in a short time. Nothing was sent: wait a few minutes "
            "and send it again.")


def _file_limit() -> str:
    return current_app.config.get("RECORDS_PORTAL_RATE_LIMIT", DEFAULT_FILE_LIMIT)


def _track_limit() -> str:
    return current_app.config.get("RECORDS_PORTAL_TRACK_RATE_LIMIT", DEFAULT_TRACK_LIMIT)


def _view_limit() -> str:
    return current_app.config.get("RECORDS_PORTAL_VIEW_RATE_LIMIT", DEFAULT_VIEW_LIMIT)


def records_rules():
    return rules_for(current_app.config.get("RECORDS_RULES"))


def timezone() -> str:
    return current_app.config.get("TIMEZONE") or "America/Chicago"


def base_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


@bp.after_request
def private(response):
    """Nothing here may be kept by a shared cache, sent on as a referrer, or indexed."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found():
    db().rollback()
    return render_template("public/error.html", status=404, title="Not found",
                           message=records_portal.NOT_FOUND), 404


# --- filing ----------------------------------------------------------------------------------

def _render_form(form: RequestForm, status: int = 200, problem: str | None = None):
    if problem:
        form.form_errors.append(problem)
    form.csrf_token.data = protection.issue("file")
    form.website.data = form.website.data or ""
    return render_template("records_portal/new.html", form=form, rules=records_rules()), status


def _submission(form: RequestForm) -> PortalSubmission:
    return PortalSubmission(name=form.name.data or "", email=form.email.data or "",
                            postal_address=form.postal_address.data or "",
                            description=form.description.data or "",
                            delivery=form.delivery.data or "",
                            commercial=bool(form.commercial.data),
                            honeypot=form.website.data or "")


@bp.route("/new", methods=["GET"])
def new():
    """The public request form, with the department's notices under the state's law."""
    return _render_form(RequestForm(formdata=None))


@bp.route("/new", methods=["POST"])
@csrf.exempt  # the session-free checks of .protection apply instead
@limiter.limit(_file_limit, methods=["POST"])
def submit():
    """File the request and go to its tracking page (which confirms it); a refusal shows the
    form again with everything as typed and the reasons: 400, or 403 from another site."""
    form = RequestForm()
    if protection.enabled():
        if not protection.same_origin(request):
            return _render_form(form, 403, protection.CROSS_SITE)
        problem = protection.token_problem(form.csrf_token.data, "file")
        if problem:
            return _render_form(form, 400, problem)
    if form.text_refused():
        return _render_form(form, 400)
    data = _submission(form)
    problems = records_portal.submission_problems(data)
    if problems:
        for problem in problems:
            attach_error(form, problem)
        return _render_form(form, 400)
    try:
        filed = records_portal.submit_request(db(), actor(), data, records_rules(), timezone(),
                                              base_url=base_url())
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_form(form, exc.status_code)
    link = records_portal.tracking_link(filed)
    db().commit()
    return redirect(f"{request.script_root}{link}?filed=1", 303)


@bp.errorhandler(429)
def too_many(exc):
    """Over a rate limit: the same form, with what was typed."""
    if request.endpoint == "records_portal.submit":
        return _render_form(RequestForm(), 429, TOO_MANY)
    return render_template("public/error.html", status=429, title="Too many requests",
                           message=TOO_MANY), 429


# --- tracking --------------------------------------------------------------------------------

def _tracked(request_id: int, token: str):
    """The request the address names, or None (the caller answers 404)."""
    if len(token) > TOKEN_MAX:
        return None
    try:
        return records_portal.find_by_token(db(), request_id, token)
    except NotFound:
        return None


def _protection_problem(form, purpose: str, request_id: int) -> tuple[str | None, int]:
    """The same-origin and form-token checks of a tracking page's form: (problem, status)."""
    if not protection.enabled():
        return None, 200
    if not protection.same_origin(request):
        return protection.CROSS_SITE, 403
    problem = protection.token_problem(form.csrf_token.data, purpose, request_id)
    return (problem, 400) if problem else (None, 200)


def _refused_without_page(problem: str, status: int):
    """A forged or stale form for an address that names no request: refused as such (the
    same answer whether or not the address is right, so it tells nothing about requests)."""
    db().rollback()
    return render_template("public/error.html", status=status, title="Not sent",
                           message=problem), status


def _render_tracking(req, token: str, reply_form=None, status: int = 200,
                     notice: str | None = None):
    rules = records_rules()
    if reply_form is None:
        reply_form = ReplyForm(formdata=None)
    reply_form.csrf_token.data = protection.issue("reply", req.id)
    return render_template(
        "records_portal/track.html", req=req, token=token, rules=rules,
        view=records_portal.tracking(db(), req, rules), reply_form=reply_form, notice=notice,
        filed=request.args.get("filed") == "1" and request.method == "GET",
        today=clock.utcnow()), status


@bp.route("/<int:request_id>/track/<token>")
@limiter.limit(_view_limit)
def track(request_id: int, token: str):
    """The requester's page: status, due date, messages, released files, reply, withdraw."""
    req = _tracked(request_id, token)
    if req is None:
        return _not_found()
    notice = {"sent": "Your message was sent to the records officer.",
              "withdrawn": "Your request was withdrawn."}.get(request.args.get("done", ""))
    return _render_tracking(req, token, notice=notice)


@bp.route("/<int:request_id>/track/<token>/reply", methods=["POST"])
@csrf.exempt  # the address's secret token, the same-origin check and .protection's token
@limiter.limit(_track_limit, methods=["POST"])
def reply(request_id: int, token: str):
    """The requester writes to the records officer (an answer to a clarification resumes the
    clock)."""
    req = _tracked(request_id, token)
    form = ReplyForm()
    problem, status = _protection_problem(form, "reply", request_id)
    if req is None:
        return _refused_without_page(problem, status) if problem else _not_found()
    if problem:
        form.form_errors.append(problem)
        return _render_tracking(req, token, form, status)
    if form.text_refused():
        return _render_tracking(req, token, form, 400)
    try:
        records_portal.post_message(db(), req, sender="requester", body=form.body.data or "",
                                    actor=actor())
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        req = _tracked(request_id, token)
        return _render_tracking(req, token, form, exc.status_code)
    db().commit()
    return redirect(url_for(".track", request_id=request_id, token=token, done="sent",
                            _anchor="messages"), 303)


@bp.route("/<int:request_id>/track/<token>/withdraw", methods=["GET", "POST"])
@csrf.exempt  # as for the reply
@limiter.limit(_track_limit, methods=["POST"])
@limiter.limit(_view_limit, methods=["GET"])
def withdraw(request_id: int, token: str):
    """Withdraw the request, after a confirmation step."""
    req = _tracked(request_id, token)
    form = WithdrawForm(formdata=request.form if request.method == "POST" else None)
    status = 200
    problem = None
    if request.method == "POST":
        problem, status = _protection_problem(form, "withdraw", request_id)
    if req is None:
        return _refused_without_page(problem, status) if problem else _not_found()
    if request.method == "POST":
        if problem:
            form.form_errors.append(problem)
        elif form.text_refused():
            status = 400
        else:
            try:
                records_portal.withdraw(db(), req, form.reason.data or "", actor())
            except DomainError as exc:
                db().rollback()
                attach_error(form, exc)
                status = exc.status_code
                req = _tracked(request_id, token)
            else:
                db().commit()
                return redirect(url_for(".track", request_id=request_id, token=token,
                                        done="withdrawn"), 303)
    form.csrf_token.data = protection.issue("withdraw", req.id)
    return render_template("records_portal/withdraw.html", req=req, token=token, form=form,
                           status_text=records_portal.status_text(req)), status


@bp.route("/<int:request_id>/track/<token>/releases/<int:release_id>")
@limiter.limit(_view_limit)
def download(request_id: int, token: str, release_id: int):
    """A release package of this request, through its tracking link."""
    req = _tracked(request_id, token)
    if req is None:
        return _not_found()
    from ..records.views import release_root

    try:
        found = release.get_release(db(), req, release_id)
        path = release.open_package(release_root(), found)
    except NotFound:
        return _not_found()
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=found.package_name, max_age=0, conditional=False,
                     etag=False)
