"""Sign-in: password, then TOTP (or enrolment), idle unlock, sign-out."""
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from beatdesk import auth, totp
from beatdesk import demo as demo_seed
from beatdesk.context import Actor
from beatdesk.errors import DomainError
from beatdesk.models import User

from ..access import (client_addr, current_session_state, end_expired_session, now_ts, safe_next,
                      security_policy, start_staff_session)
from ..common_forms import ActionForm
from ..database import db, writes
from ..extensions import limiter
from . import bp
from .forms import CodeForm, LoginForm, UnlockForm

PENDING_SECONDS = 300  # how long the password step stays good while the code is entered


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _dashboard() -> str:
    return url_for("console.dashboard")


def _finish(user: User):
    """Both factors passed: open the staff session and go where the user was heading."""
    target = safe_next(session.pop("pending_next", None), _dashboard())
    session.pop("pending_uid", None)
    session.pop("pending_at", None)
    session.pop("locked", None)
    login_user(user)
    start_staff_session(user)
    return redirect(target)


def _pending_user() -> User | None:
    uid, at = session.get("pending_uid"), session.get("pending_at", 0)
    if uid is None or now_ts() - float(at) > PENDING_SECONDS:
        return None
    user = db().get(User, uid)
    return user if user is not None and user.active else None


def _demo_logins(demo: bool) -> dict:
    """The demo accounts and their password, which the sign-in page lists in demo mode only."""
    if not demo:
        return {"demo_logins": []}
    return {"demo_logins": demo_seed.logins(db()), "demo_password": demo_seed.DEMO_PASSWORD}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Step one: log-on ID and password."""
    if current_user.is_authenticated and not session.get("locked"):
        return redirect(_dashboard())
    form = LoginForm()
    demo = current_app.config["DEMO_MODE"]
    if request.method == "POST" and not form.validate():
        return render_template("auth/login.html", form=form, demo=demo,
                               **_demo_logins(demo)), 400
    if form.is_submitted():
        try:
            user = auth.check_password(db(), form.login_id.data, form.password.data,
                                       client_addr(), security_policy())
        except auth.AuthenticationFailed as exc:
            db().commit()  # keep the failure count and its audit row
            form.form_errors.append(exc.message)
            return render_template("auth/login.html", form=form, demo=demo,
                               **_demo_logins(demo)), exc.status_code
        session.clear()
        session["pending_next"] = safe_next(request.args.get("next"), _dashboard())
        if demo and user.demo_account:
            auth.complete_login(db(), user, Actor(user, client_addr()), "skipped (demo account)")
            db().commit()
            flash("Demo mode: demo accounts sign in without a second factor.", "warning")
            return _finish(user)
        db().commit()
        session["pending_uid"] = user.id
        session["pending_at"] = now_ts()
        if user.has_second_factor:
            return redirect(url_for("auth.verify"))
        return redirect(url_for("auth.enroll"))
    return render_template("auth/login.html", form=form, demo=demo,
                               **_demo_logins(demo))


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def verify():
    """Step two for an enrolled user: the current TOTP code."""
    user = _pending_user()
    if user is None or not user.has_second_factor:
        flash("Sign in with your log-on ID and password first.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    response = _second_factor_step(form, "auth/verify.html", {"form": form},
                                   lambda code: auth.verify_second_factor(
                                       db(), user, code, client_addr(), security_policy()))
    return response or _finish(user)


def _second_factor_step(form: CodeForm, template: str, context: dict, check):
    """Show the code form, or run ``check`` on a submitted code.

    Returns a response to send, or None once the code passed (the caller completes sign-in).
    A failure is committed (counter and audit row); a lockout sends the user back to the start.
    """
    if request.method == "POST" and not form.validate():
        return render_template(template, **context), 400
    if not form.is_submitted():
        return render_template(template, **context)
    try:
        check(form.code.data)
    except auth.AuthenticationFailed as exc:
        db().commit()
        if isinstance(exc, auth.AccountLocked):
            session.clear()
            flash(exc.message, "error")
            return redirect(url_for("auth.login"))
        form.code.errors = [exc.message]
        return render_template(template, **context), exc.status_code
    db().commit()
    return None


@bp.route("/login/enroll", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@writes  # showing the page stores the new secret
def enroll():
    """Step two for a user without a second factor: enrol an authenticator app."""
    user = _pending_user()
    if user is None or user.has_second_factor:
        flash("Sign in with your log-on ID and password first.", "info")
        return redirect(url_for("auth.login"))
    secret = auth.pending_enrolment_secret(db(), user)
    db().commit()
    issuer = current_app.config["TOTP_ISSUER"]
    uri = totp.provisioning_uri(secret, user.login_id, issuer)
    form = CodeForm()
    context = dict(form=form, qr=totp.qr_code_data_uri(uri), secret=totp.grouped(secret),
                   user=user)
    response = _second_factor_step(form, "auth/enroll.html", context,
                                   lambda code: auth.confirm_enrolment(
                                       db(), user, code, client_addr(), security_policy()))
    if response is not None:
        return response
    flash("Your authenticator app is set up. You will need a code from it at every sign-in.",
          "success")
    return _finish(user)


@bp.route("/unlock", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def unlock():
    """Resume a session locked after 30 idle minutes by entering the password again."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.args.get("next")))
    if not session.get("locked"):
        return redirect(_dashboard())
    if current_session_state() is auth.SessionState.EXPIRED:
        return end_expired_session()
    form = UnlockForm()
    if request.method == "POST" and not form.validate():
        return render_template("auth/unlock.html", form=form), 400
    if form.is_submitted():
        user = current_user._get_current_object()
        try:
            auth.unlock_session(db(), user, form.password.data, client_addr(), security_policy())
        except auth.AuthenticationFailed as exc:
            db().commit()
            if isinstance(exc, auth.AccountLocked):
                logout_user()
                session.clear()
                flash(exc.message, "error")
                return redirect(url_for("auth.login"))
            form.password.errors = [exc.message]
            return render_template("auth/unlock.html", form=form), exc.status_code
        db().commit()
        session.pop("locked", None)
        session["last_seen"] = now_ts()
        return redirect(safe_next(request.args.get("next"), _dashboard()))
    return render_template("auth/unlock.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, with CSRF token)."""
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(_dashboard())
    if current_user.is_authenticated:
        auth.record_logout(db(), current_user._get_current_object(), client_addr())
        db().commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db().rollback()
    flash(exc.message, "error")
    return redirect(url_for("auth.login"))
