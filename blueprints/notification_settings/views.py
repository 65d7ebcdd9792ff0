"""Each signed-in staff user's choice of e-mail notifications."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from beatdesk import staff_mail
from beatdesk.errors import PermissionDenied, ValidationFailed

from ..access import actor, role_required
from ..common_forms import attach_error
from ..database import db
from . import bp
from .forms import preferences_form


def _render(form, status: int = 200):
    kinds = staff_mail.kinds_for(current_user)
    hour = current_app.config.get("DIGEST_HOUR", staff_mail.DEFAULT_DIGEST_HOUR)
    return render_template("notification_settings/index.html", form=form, kinds=kinds,
                           fields=[form[k.value] for k in kinds], digest_hour=hour,
                           timezone=current_app.config.get("TIMEZONE", "")), status


@bp.route("", methods=["GET", "POST"])
@role_required()
def index():
    """Show the user's choice for each kind their role receives; save it (audited).

    A POST from a role that receives no e-mail, or with a missing or unknown choice, is a 400.
    """
    current = staff_mail.preferences(db(), current_user)
    form = preferences_form(current_user, current)
    if request.method == "GET":
        return _render(form)
    if not form.validate():
        return _render(form, 400)
    if not current:
        form.form_errors.append("Your role receives no e-mail notifications; there is nothing "
                                "to save.")
        return _render(form, 400)
    choices = {kind.value: form[kind.value].data for kind in current}
    try:
        changes = staff_mail.set_preferences(db(), actor(), choices)
    except PermissionDenied:
        abort(403)
    except ValidationFailed as exc:
        attach_error(form, exc)
        return _render(form, 400)
    db().commit()
    flash("Your notification settings were saved." if changes
          else "Nothing changed: your notification settings are as they were.", "success")
    return redirect(url_for("notification_settings.index"), 303)
