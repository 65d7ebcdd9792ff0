"""The enrolment page: a browser becomes a registered device with its one-time code.

Reachable signed in or not, and from a browser that is not registered (that is its point); it
is still behind the trusted networks. Wrong codes are rate-limited per address and counted
department-wide (beatdesk.devices.MAX_FAILED_ATTEMPTS).
"""
from flask import current_app, make_response, render_template

from beatdesk import devices
from beatdesk.errors import DomainError

from ..access import actor
from ..database import db
from ..extensions import limiter
from . import enrol_bp
from .forms import CodeForm
from .guard import current_device, set_device_cookie


def _limit() -> str:
    return current_app.config.get("DEVICE_ENROL_RATE_LIMIT", "5 per minute;20 per hour")


@enrol_bp.route("/enrol", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def enrol():
    """Type the code; the browser keeps a device cookie."""
    form = CodeForm()
    device = current_device()
    if form.is_submitted():
        if not form.validate():
            return render_template("devices/enrol.html", form=form, device=device), 400
        try:
            enrolled = devices.enrol(db(), actor(), form.code.data)
        except DomainError as exc:
            db().commit()  # the failed attempt is recorded and counted
            form.code.errors = [*form.code.errors, exc.message] if exc.field else form.code.errors
            if not exc.field:
                form.form_errors.append(exc.message)
            return render_template("devices/enrol.html", form=form, device=device), \
                exc.status_code
        db().commit()
        response = make_response(render_template("devices/enrolled.html",
                                                  device=enrolled.device))
        set_device_cookie(response, enrolled.token)
        return response
    return render_template("devices/enrol.html", form=form, device=device)
