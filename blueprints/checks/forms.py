from blueprints.forms import BaseForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from beatdesk.checks import EXTENDABLE_RULES
from beatdesk.checks.terms import PHRASE_MAX


class AddTermForm(BaseForm):
    rule = SelectField("Check", validators=[InputRequired()],
                       choices=[SelectChoice(r.code, r.title) for r in EXTENDABLE_RULES])
    phrase = StringField(
        "Word or phrase", validators=[InputRequired(), Length(max=PHRASE_MAX)],
        description="Matched as whole words in any case; add a * at the end to match any "
                    "ending (e.g. “operation night*”).")
