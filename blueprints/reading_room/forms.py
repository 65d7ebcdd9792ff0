"""Forms of the reading room and the records reports."""
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from beatdesk.models import PublicationScope
from beatdesk.reading_room import ORDERS, REASON_MAX, SUBJECT_MAX, SUMMARY_MAX
from blueprints.forms import BaseForm


class PublishForm(BaseForm):
    subject = StringField(
        "Subject", validators=[InputRequired(message="Enter the subject."),
                               Length(max=SUBJECT_MAX)],
        description="What the records are about, as the public list shows it, e.g. "
                    "\u201cComments on the Main Street parade posts, November 2026\u201d. "
                    "Never the requester's name.")
    summary = TextAreaField(
        "Summary", validators=[InputRequired(message="Enter the summary."),
                               Length(max=SUMMARY_MAX)],
        description="A few sentences on what was released and what was withheld. Plain "
                    "text; never the requester's name or contact.")
    scope = RadioField(
        "What to publish", default=PublicationScope.PUBLIC_PARTS.value,
        validators=[InputRequired(message="Choose what to publish.")],
        choices=[SelectChoice(s.value, s.label) for s in PublicationScope],
        description="The public edition leaves out the requester's name and contact, and "
                    "replaces them with [REQUESTER] wherever the records mention them.")


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        "Reason for withdrawing", validators=[
            InputRequired(message="State why the publication is withdrawn."),
            Length(max=REASON_MAX)],
        description="Kept in the request's history and the archive; the public sees only "
                    "that it was withdrawn.")


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField("Search subjects and summaries", validators=[Length(max=200)],
                    description="Every word must appear in the subject or the summary.")
    order = SelectField("Order", default="date", validators=[Optional()],
                        choices=[SelectChoice(k, v) for k, v in ORDERS.items()])


class ReportForm(BaseForm):
    class Meta:
        csrf = False

    year = StringField("Year", validators=[Length(max=4)],
                       description="Four digits, e.g. 2026; empty for every year.")
