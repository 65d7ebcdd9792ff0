"""Forms of the permissions pages."""
from blueprints.forms import BaseForm
from wtforms import (DateField, HiddenField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from beatdesk.check_waivers import MAX_NAME, MAX_QUOTE, MAX_REASON
from beatdesk.models.check_waivers import CONSENT_METHOD_LABELS


def _reason(label: str, description: str):
    return TextAreaField(label, description=description, validators=[
        DataRequired(message="Give the reason."),
        Length(max=MAX_REASON, message=f"Keep it under {MAX_REASON:,} characters.")])


class _FindingForm(BaseForm):
    """Names the finding by its rule and quoted words (checked against the current revision)."""

    rule = HiddenField(validators=[DataRequired(message="Choose a finding."), Length(max=60)])
    quote = HiddenField(validators=[DataRequired(message="Choose a finding."),
                                    Length(max=MAX_QUOTE)])
    finding = HiddenField()


class ExceptionForm(_FindingForm):
    reason = _reason("Why News Affairs approves the exception",
                     "Kept with the post and shown to every reviewer, e.g. the sponsor of a "
                     "charity run the department takes part in.")


class RequestForm(_FindingForm):
    reason = _reason("Why the post needs an exception",
                     "News Affairs reads it when deciding, e.g. the event's sponsor is named "
                     "at the organiser's request.")


_METHODS = [SelectChoice("", "Choose how"),
            *[SelectChoice(str(k), v) for k, v in CONSENT_METHOD_LABELS.items()]]


class OwnConsentForm(_FindingForm):
    method = SelectField("How you gave your consent", choices=_METHODS,
                         validators=[InputRequired(message="Choose how the consent was given.")])
    given_on = DateField("Date of the consent", validators=[
        InputRequired(message="Give the date of the consent.")],
        description="The day it was given, e.g. the date on the form.")
    reason = _reason("What you consent to", "For example: my years of service and my home "
                                            "town may appear in this commendation.")


class ConsentForm(OwnConsentForm):
    employee_name = StringField("Employee's name", validators=[
        DataRequired(message="Give the employee's name."),
        Length(max=MAX_NAME, message=f"Keep it under {MAX_NAME} characters.")],
        description="Rank and name, e.g. Officer Dana Reyes.")
    employee_login = StringField("Employee's Beatdesk log-on ID (if they have one)",
                                 validators=[Optional(), Length(max=40)],
                                 description="Leave empty for an employee without an account.")
    method = SelectField("How the employee gave consent", choices=_METHODS,
                         validators=[InputRequired(message="Choose how the consent was given.")])
    reason = _reason("What the employee consents to", "For example: Officer Reyes agrees that "
                                                      "her years of service may appear.")


class ImagePermissionForm(BaseForm):
    granted_by = StringField("Who gave the written permission", validators=[
        DataRequired(message="Give the name and rank of who gave the permission."),
        Length(max=MAX_NAME, message=f"Keep it under {MAX_NAME} characters.")],
        description="Name and rank: the Chief, or the delegate who signed it.")
    given_on = DateField("Date of the written permission", validators=[
        InputRequired(message="Give the date of the written permission.")])
    reason = _reason("Why the image may be posted", "For example: wanted person, warrant "
                                                    "issued; the photo helps the public "
                                                    "identify him.")


class RevokeForm(BaseForm):
    reason = _reason("Why the permission ends", "Kept with the post; the finding blocks again.")
