"""Administration of the department's platform accounts: list, connect, test, replace
credentials and disconnect (``/console/admin/platforms``); and the composer's per-platform
preview, offered to the post pages as the template global ``platform_preview``."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from wtforms import SelectChoice

from beatdesk import districts
from beatdesk.errors import DomainError
from beatdesk.models.platforms import Platform
from beatdesk.platforms import accounts, preview
from beatdesk.platforms.connectors import connector_for
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import ActionForm, attach_error
from ..database import begin_writing, db, reads_first
from . import bp
from .forms import PLATFORM_FIELDS, ConnectForm, CredentialsForm


@bp.app_template_global("platform_preview")
def platform_preview(district_id: int | None, text: str) -> list[preview.PlatformPreview]:
    """The post's text as each platform its district posts to will count and show it."""
    return preview.preview_for_district(db(), district_id, text or "")


def _platform_or_404(name: str) -> Platform:
    try:
        platform = Platform(name)
    except ValueError:
        abort(404)
    if platform not in accounts.CONNECTABLE:
        abort(404)
    return platform


def _account_or_404(account_id: int):
    try:
        return accounts.get_account(db(), account_id)
    except DomainError:
        abort(404)


def _district_choices():
    return [SelectChoice("", "The department (every district's posts)")] + [
        SelectChoice(d.id, d.label) for d in districts.list_districts(db())]


def _label_fields(form, platform: Platform) -> list:
    """The platform's fields in order, labelled and hinted for it."""
    fields = []
    for name, (label, hint) in PLATFORM_FIELDS[platform.value].items():
        field = form[name]
        field.label.text = label
        field.description = hint
        # What the platform needs is marked (and announced) as required; checked by the domain.
        field.flags.required = name != "base_url" or platform == Platform.MASTODON
        fields.append(field)
    return fields


@bp.route("")
@role_required(Role.ADMIN)
def index():
    """Every connected account (active first), with test, replace and disconnect actions."""
    return render_template("platform_accounts/index.html",
                           accounts=accounts.list_accounts(db()), action=ActionForm(),
                           platforms=accounts.CONNECTABLE,
                           mode=current_app.config.get("PLATFORM_CONNECTORS") or "local")


@bp.route("/connect/<name>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def connect(name: str):
    """Connect an X, Mastodon or Bluesky account; its credentials are sealed at once."""
    platform = _platform_or_404(name)
    form = ConnectForm()
    form.district_id.choices = _district_choices()
    if request.method == "GET" and platform == Platform.BLUESKY:
        form.base_url.data = accounts.DEFAULT_BLUESKY_PDS
    fields = _label_fields(form, platform)
    if request.method == "POST":
        if not form.validate():
            return _connect_page(form, platform, fields, 400)
        data = accounts.ConnectionData(
            platform=platform, district_id=form.district_id.data, handle=form.handle.data or "",
            base_url=form.base_url.data or "", access_token=form.access_token.data or "",
            app_password=form.app_password.data or "")
        try:
            account = accounts.connect_account(db(), actor(), data)
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return _connect_page(form, platform, fields, exc.status_code)
        db().commit()
        flash(f"{account.label} is connected. Test the connection to confirm the credentials.",
              "success")
        return redirect(url_for("platform_accounts.index"), 303)
    return _connect_page(form, platform, fields)


def _connect_page(form, platform, fields, status: int = 200):
    # Secrets are never sent back to the browser, not even the one just typed.
    form.access_token.data = form.app_password.data = ""
    return render_template("platform_accounts/connect.html", form=form, platform=platform,
                           fields=fields), status


@bp.route("/<int:account_id>/test", methods=["POST"])
@role_required(Role.ADMIN)
@reads_first
def test(account_id: int):
    """Sign in to the platform with the stored credentials and record what it says."""
    if not ActionForm().validate_on_submit():
        abort(400)
    account = _account_or_404(account_id)
    try:
        accounts.check_can_test(actor(), account)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("platform_accounts.index"), 303)
    # The connector is built (credentials opened) now; the platform is asked outside any
    # transaction, so a slow answer holds no writer up.
    try:
        built, refusal = connector_for(account, current_app.config), None
    except Exception as exc:  # reported as the test's outcome, like any failed sign-in
        built, refusal = None, exc

    def connector():
        if refusal is not None:
            raise refusal
        return built

    db().rollback()
    outcome = accounts.run_connection_test(connector)
    session = begin_writing()
    account = _account_or_404(account_id)
    try:
        accounts.record_connection_test(session, actor(), account, outcome)
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("platform_accounts.index"), 303)
    session.commit()
    flash(f"{account.label}: {outcome.message}", "success" if outcome.ok else "error")
    return redirect(url_for("platform_accounts.index"), 303)


@bp.route("/<int:account_id>/disconnect", methods=["POST"])
@role_required(Role.ADMIN)
def disconnect(account_id: int):
    """Stop posting to the account; what is already queued for it is left to the outbox."""
    if not ActionForm().validate_on_submit():
        abort(400)
    account = _account_or_404(account_id)
    try:
        accounts.disconnect_account(db(), actor(), account)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("platform_accounts.index"), 303)
    db().commit()
    flash(f"{account.label} is disconnected: no new posts go to it.", "success")
    return redirect(url_for("platform_accounts.index"), 303)


@bp.route("/<int:account_id>/credentials", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def credentials(account_id: int):
    """Replace an account's credentials (e.g. after a token was revoked)."""
    account = _account_or_404(account_id)
    form = CredentialsForm()
    field = form.app_password if account.platform == Platform.BLUESKY else form.access_token
    label, hint = PLATFORM_FIELDS.get(account.platform.value, {}).get(
        field.name, (field.label.text, ""))
    field.label.text, field.description = f"New {label[0].lower()}{label[1:]}", hint
    field.flags.required = True
    status = 200
    if request.method == "POST":
        if form.validate():
            data = accounts.ConnectionData(platform=account.platform,
                                           district_id=account.district_id,
                                           access_token=form.access_token.data or "",
                                           app_password=form.app_password.data or "")
            try:
                accounts.replace_credentials(db(), actor(), account, data)
            except DomainError as exc:
                db().rollback()
                attach_error(form, exc)
                status = exc.status_code
            else:
                db().commit()
                flash(f"New credentials saved for {account.label}. Test the connection to "
                      "confirm them.", "success")
                return redirect(url_for("platform_accounts.index"), 303)
        else:
            status = 400
    form.access_token.data = form.app_password.data = ""
    return render_template("platform_accounts/credentials.html", form=form, account=account,
                           secret_field=field), status
