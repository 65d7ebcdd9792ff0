"""Forms of the public records pages."""
from blueprints.forms import DST_HINT, BaseForm, LocalDateTimeField
from wtforms import (BooleanField, HiddenField, IntegerField, SelectChoice,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from beatdesk.models import ReceivedVia, RedactionKind


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class RequestForm(BaseForm):
    requester_name = StringField("Requester's name", validators=[
        InputRequired(message="Enter the requester's name."), Length(max=200)])
    requester_contact = StringField(
        "Requester's contact", validators=[
            InputRequired(message="Enter how to reach the requester."), Length(max=500)],
        description="E-mail or postal address the answer goes to.")
    received_via = SelectField("Received by", validators=[InputRequired()], choices=[
        SelectChoice(v.value, v.label) for v in ReceivedVia])
    received_at = LocalDateTimeField(
        "Received at",
        validators=[InputRequired(message="Enter when the request was received.")],
        description="A request received after hours still counts as received that day. "
                    + DST_HINT)
    description = TextAreaField("Records requested", validators=[
        InputRequired(message="Describe the records requested."), Length(max=10000)])
    commercial = BooleanField("Commercial request (5 ILCS 140/3.1: 21 business days)")


class StateForm(BaseForm):
    to_state = SelectField("New state", validators=[InputRequired(message="Choose a state.")])
    exemption_id = SelectField("Exemption (for a denial)", coerce=_optional_int,
                               validators=[Optional()])
    note = TextAreaField("Note", validators=[Length(max=4000)],
                         description="Required for a denial (the reason) and a withdrawal.")
    expected_state = HiddenField()


class ExtendForm(BaseForm):
    days = IntegerField("Business days", validators=[
        InputRequired(message="Enter the number of business days."), NumberRange(min=1, max=30)])
    reason = TextAreaField("Reason for the extension", validators=[
        InputRequired(message="State the reason for the extension."), Length(max=4000)],
        description="5 ILCS 140/3(e) lists the reasons that allow an extension.")


class AttachForm(BaseForm):
    """Attach the chosen results (``record_ids``) or every result of the search."""

    all_results = BooleanField("Attach every result of this search")
    with_history = BooleanField("Also attach each record's history", default=True)


class RedactionForm(BaseForm):
    kind = SelectField("Redact", validators=[InputRequired()], choices=[
        SelectChoice(RedactionKind.TEXT.value, "A passage (every occurrence)"),
        SelectChoice(RedactionKind.RANGE.value, "Characters of one field"),
        SelectChoice(RedactionKind.RECORD.value, "The whole record")])
    field = SelectField("Field", validators=[Optional()],
                        description="Needed for characters of one field. A passage is "
                                    "redacted wherever it occurs in the record.")
    text = StringField("Exact text", validators=[Length(max=2000)])
    start = IntegerField("From character", validators=[Optional(), NumberRange(min=0)],
                         description="Counting from 0, as numbered on this page.")
    end = IntegerField("To character (not included)", validators=[Optional(), NumberRange(min=1)])
    exemption_id = SelectField("Exemption", coerce=_optional_int,
                               validators=[InputRequired(message="Choose an exemption.")])
    note = TextAreaField("Internal note", validators=[Length(max=2000)],
                         description="Kept with the redaction; not part of the release.")


class ReleaseForm(BaseForm):
    released_to = StringField("Released to", validators=[
        InputRequired(message="Say to whom the records are released."), Length(max=800)])
    confirm = BooleanField("I reviewed every record and its redactions",
                           validators=[InputRequired(message="Confirm the review first.")])


class PrivateDataForm(BaseForm):
    """The officer's choice for one request: release commenters' e-mail and network
    addresses (with a reason), or withhold them again (the default)."""

    choice = SelectField("Commenters' e-mail and network addresses", validators=[
        InputRequired(message="Choose whether to release or withhold them.")], choices=[
        SelectChoice("withhold", "Withhold them (7(1)(b), 7(1)(c))"),
        SelectChoice("release", "Release them in this request")])
    reason = TextAreaField("Reason", validators=[Length(max=2000)],
                           description="Required to release them, e.g. the requester is the "
                                       "commenter and asked for their own data.")
