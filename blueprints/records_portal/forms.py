from wtforms import (BooleanField, EmailField, HiddenField, RadioField, SelectChoice, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired

from beatdesk.models.records_portal import Delivery
from beatdesk.records_portal import (DESCRIPTION_MAX, EMAIL_MAX, MESSAGE_MAX, NAME_MAX,
                                     POSTAL_MAX, REASON_MAX)
from blueprints.forms import BaseForm


class _PortalForm(BaseForm):
    """No session token: ``csrf_token`` is the portal's signed token (``.protection``)."""

    class Meta(BaseForm.Meta):
        csrf = False

    csrf_token = HiddenField(id="csrf_token")


class RequestForm(_PortalForm):
    """The public request form. The domain checks sizes and choices, with one set of messages;
    the validators here only mark fields required for the browser and readers."""

    name = StringField("Your name", validators=[InputRequired(message="Enter your name.")],
                       id="request-name",
                       description=f"At most {NAME_MAX} characters. You do not have to give "
                                   "a reason for your request.")
    email = EmailField("E-mail address", validators=[InputRequired(message="Enter your e-mail "
                                                                           "address.")],
                       id="request-email",
                       description="We send the request number and your private tracking link "
                                   f"here, and tell you when we answer. At most {EMAIL_MAX} "
                                   "characters.")
    postal_address = TextAreaField("Postal address (optional)", id="request-postal",
                                   description="Needed only if you want the records mailed to "
                                               f"you. At most {POSTAL_MAX:,} characters.")
    description = TextAreaField("The records you are asking for",
                                validators=[InputRequired(message="Describe the records.")],
                                id="request-description",
                                description="Describe them as precisely as you can: subjects, "
                                            "dates, places, districts, names of posts or report "
                                            f"numbers. At most {DESCRIPTION_MAX:,} characters.")
    delivery = RadioField("How do you want to receive the records?", id="request-delivery",
                          choices=[SelectChoice(d.value, d.label) for d in Delivery], default="email",
                          validate_choice=False)
    commercial = BooleanField("I am asking for the records for a commercial purpose",
                              id="request-commercial")
    # A honeypot: hidden from people (CSS), filled in by form-filling robots.
    website = StringField("Leave this field empty", id="request-website")


class ReplyForm(_PortalForm):
    body = TextAreaField("Your message", validators=[InputRequired(message="Write your message.")],
                         id="reply-body",
                         description="An answer to a question from the records officer counts "
                                     "as your clarification. Plain text, at most "
                                     f"{MESSAGE_MAX:,} characters.")


class WithdrawForm(_PortalForm):
    reason = StringField("Why you are withdrawing it (optional)", id="withdraw-reason",
                         description=f"At most {REASON_MAX:,} characters.")
