"""Forms of waiting on the requester."""
from blueprints.forms import BaseForm
from wtforms import (BooleanField, DateField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from beatdesk.models import OUTCOMES_FOR, WaitReason

SENT_HINT = "Leave empty for today. The department's local date."


class ClarificationForm(BaseForm):
    question = TextAreaField("Question for the requester", validators=[
        InputRequired(message="Write the question for the requester."), Length(max=10000)],
        description="Sent to the requester as a message; the clock stops until they answer.")
    sent_on = DateField("Asked on", validators=[Optional()], description=SENT_HINT)
    letter = BooleanField("Also make the clarification letter",
                          description="A PDF from the letter template, kept in the archive and "
                                      "e-mailed to the requester when there is an address.")


class FeeEstimateForm(BaseForm):
    amount = StringField("Estimated fee (dollars)", validators=[
        InputRequired(message="Enter the estimated fee in dollars, e.g. 12.50."),
        Length(max=20)], description="For example 12.50.")
    note = TextAreaField("How the fee is made up", validators=[Length(max=4000)],
                         description="Pages, media and rates, as the estimate sent says.")
    sent_on = DateField("Estimate sent on", validators=[Optional()], description=SENT_HINT)
    letter = BooleanField("Also make the fee estimate letter",
                          description="A PDF from the letter template, kept in the archive and "
                                      "e-mailed to the requester when there is an address.")


class NarrowingForm(BaseForm):
    proposal = TextAreaField("Why the request is unduly burdensome, and how it could be narrowed",
                             validators=[InputRequired(message="Describe why the request is "
                                                               "unduly burdensome and how it "
                                                               "could be narrowed."),
                                         Length(max=10000)])
    sent_on = DateField("Offered on", validators=[Optional()], description=SENT_HINT)


class AnswerForm(BaseForm):
    outcome = SelectField("The requester's answer",
                          validators=[InputRequired(message="Choose what the requester answered.")])
    answered_on = DateField("Answer received on", validators=[Optional()],
                            description="Leave empty for today. An answer on a weekend or "
                                        "holiday counts as received the next business day.")
    paid = StringField("Amount paid (dollars)", validators=[Optional(), Length(max=20)],
                       description="For a fee paid; leave empty when it is the estimate.")
    note = TextAreaField("Note", validators=[Length(max=4000)],
                         description="The answer in short; required to waive a fee (the "
                                     "reason).")

    def for_reason(self, reason: WaitReason) -> "AnswerForm":
        self.outcome.choices = [SelectChoice(o.value, o.label) for o in OUTCOMES_FOR[reason]]
        return self
