from blueprints.forms import BaseForm
from wtforms import (BooleanField, DateField, Form, HiddenField, IntegerField, SelectChoice,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from beatdesk.models import CommentState, KeywordAction
from beatdesk.moderation import NOTE_MAX, Action
from beatdesk.screening import RULES

STATE_CHOICES = [SelectChoice(s.value, s.label) for s in CommentState] + [
    SelectChoice("all", "Every state")]
FLAG_CHOICES = [SelectChoice("", "Flagged or not"), SelectChoice("any", "Any flag")] + [
    SelectChoice(rule.code, rule.title) for rule in RULES]


class QueueFilterForm(Form):
    """The queue's filters, read from the query string (a GET: no token needed)."""

    district = SelectField("District", validate_choice=True, default="")
    state = SelectField("State", choices=STATE_CHOICES, default=CommentState.HELD.value)
    flag = SelectField("Screening flag", choices=FLAG_CHOICES, default="")
    since = DateField("Received from", validators=[Optional()])
    until = DateField("Received until", validators=[Optional()])


def clause_choices(clauses) -> list[SelectChoice]:
    return [SelectChoice("", "— choose a clause —")] + [
        SelectChoice(c.number, f"{c.number}. {c.title}") for c in clauses]


class ChosenActionField(SelectField):
    """An action the moderator must choose: none is chosen beforehand, and choosing none reads
    as ``message`` (not "Not a valid choice")."""

    def __init__(self, label, *, message: str, placeholder: str | None = None, **kwargs):
        choices = [SelectChoice(a.value, a.label) for a in Action]
        if placeholder:
            choices.insert(0, SelectChoice("", placeholder))
        super().__init__(label, choices=choices, **kwargs)
        self.message = message
        self.flags.required = True

    def pre_validate(self, form):
        if not self.raw_data or not self.raw_data[0]:
            raise StopValidation(self.message)
        super().pre_validate(form)


class ModerateForm(BaseForm):
    """One comment's decision: from its page (radio buttons, none chosen beforehand) or from
    its row in the queue (one button per action)."""

    action = ChosenActionField("Action", message="Choose what to do with the comment.")
    clause = SelectField("Clause of the Takedown Policy (for hide and remove)",
                         validate_choice=False)
    note = TextAreaField("Note for other moderators (optional)",
                         validators=[Length(max=NOTE_MAX)])
    version = HiddenField()


class BulkForm(BaseForm):
    # No action is chosen beforehand: the moderator picks one, every time.
    action = ChosenActionField("Action for the selected comments",
                               placeholder="— choose an action —",
                               message="Choose what to do with the selected comments.")
    clause = SelectField("Clause of the Takedown Policy (for hide and remove)",
                         validate_choice=False)
    note = StringField("Note (optional)", validators=[Length(max=NOTE_MAX)])


class NoteForm(BaseForm):
    note = TextAreaField("Note", validators=[InputRequired(message="Write the note."),
                                             Length(max=NOTE_MAX)],
                         description="Seen by moderators only; kept with the comment's history.")


class ReplyForm(BaseForm):
    body = TextAreaField("Official reply", validators=[InputRequired(message="Write the reply.")],
                         description="Published at once under the comment, as the district, "
                                     "marked “Official reply”.")


class BlockForm(BaseForm):
    by_email = BooleanField("Block the commenter's e-mail address")
    by_network = BooleanField("Block the commenter's network")
    prefix = IntegerField("Network size (prefix length)", validators=[Optional()],
                          description="Leave empty to block the one address; 24 blocks the "
                                      "256 addresses around it (IPv4).")
    days = IntegerField("Days", validators=[Optional(), NumberRange(min=1, max=3650)],
                        description="Leave empty to block until a moderator lifts the block.")
    reason = TextAreaField("Reason", validators=[InputRequired(message="Say why."),
                                                 Length(max=NOTE_MAX)])


class KeywordForm(BaseForm):
    phrase = StringField("Word or phrase", validators=[InputRequired(message="Enter a word or "
                                                                             "phrase."),
                                                       Length(max=200)])
    action = SelectField("When a comment contains it",
                         choices=[SelectChoice(a.value, a.label) for a in KeywordAction])


class ReportFilterForm(Form):
    district = SelectField("District", validate_choice=True, default="")
    year = SelectField("Year", validate_choice=True, default="")


class PlatformReportForm(BaseForm):
    reason = TextAreaField("Why the reply is reported",
                           validators=[InputRequired(message="Say why the reply is reported; "
                                                             "the instance's moderators read it."),
                                       Length(max=1000)],
                           description="Sent to the moderators of the author's instance with "
                                       "the reply; they decide what happens to it.")
