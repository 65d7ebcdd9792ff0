"""Messages between the records officer and the requester, on the request's page
(``templates/records/_messages.html``); the requester's side is the portal's tracking page."""
from flask import flash, g, redirect, url_for
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from beatdesk import records, records_portal
from beatdesk.errors import DomainError
from beatdesk.records_portal import MESSAGE_MAX
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import attach_error
from ..database import db
from ..forms import BaseForm
from . import bp

FORM_KEY = "records_message_form"


class MessageForm(BaseForm):
    body = TextAreaField("Message to the requester",
                         validators=[InputRequired(message="Write the message.")],
                         id="officer-message-body",
                         description="Plain text, at most "
                                     f"{MESSAGE_MAX:,} characters. A request filed on the public "
                                     "site: the requester is e-mailed and reads it on the "
                                     "tracking page.")


@bp.app_template_global("records_conversation")
def records_conversation(req) -> dict:
    """What the request page's messages section shows."""
    can_write = records.can_manage_requests(current_user) and req.state.is_open
    form = g.get(FORM_KEY)
    if form is None and can_write:
        form = MessageForm(formdata=None)
    access = records_portal.access_of(db(), req)
    return {"messages": records_portal.messages_of(db(), req), "online": access is not None,
            "access": access, "form": form if can_write else None}


@bp.route("/<int:request_id>/messages", methods=["POST"])
@role_required(Role.RECORDS)
def send_message(request_id: int):
    """Send a message to the requester (e-mailed through the outbox for online requests)."""
    from .views import _render_detail, _request_or_404

    req = _request_or_404(request_id)
    form = MessageForm()
    if not form.validate():
        g.setdefault(FORM_KEY, form)
        return _render_detail(req, status=400)
    try:
        records_portal.post_message(db(), req, sender="officer", body=form.body.data,
                                    actor=actor())
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        g.setdefault(FORM_KEY, form)
        return _render_detail(records.get_request(db(), request_id), status=exc.status_code)
    online = records_portal.access_of(db(), req) is not None
    db().commit()
    flash("The message was sent to the requester by e-mail and shows on their tracking page."
          if online else "The message was recorded. This request was not filed on the public "
          "site: send it to the requester's contact yourself.", "success")
    return redirect(url_for("records.detail", request_id=request_id, _anchor="messages"), 303)
