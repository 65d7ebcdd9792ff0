"""Forms of the suggested-redaction pages."""
from blueprints.forms import BaseForm
from wtforms import IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from beatdesk.models import SuggestionKind


class RejectForm(BaseForm):
    """Release one suggested passage on the officer's decision."""

    reason = TextAreaField("Why it may be released", validators=[Length(max=2000)],
                           description="Optional; kept in the request's history, e.g. the "
                                       "requester is this person.")


class AcceptKindForm(BaseForm):
    kind = SelectField("Kind", validators=[InputRequired(message="Choose a kind.")],
                       choices=[SelectChoice(k.value, k.label) for k in SuggestionKind])


class AcrossForm(BaseForm):
    """Apply an accepted passage to every attached record; the count the officer saw."""

    expected = IntegerField("Occurrences", validators=[
        InputRequired(message="Review the count of occurrences first."), NumberRange(min=0)])
