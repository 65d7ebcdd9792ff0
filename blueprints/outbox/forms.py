from blueprints.forms import BaseForm
from wtforms import TextAreaField
from wtforms.validators import Length

NOTE_MAX = 2000


class ResolveForm(BaseForm):
    # Required by the domain operation, which says so next to the field.
    note = TextAreaField("What was done by hand", validators=[Length(max=NOTE_MAX)],
                         description="E.g. “Posted by hand on X, link in the shift log.”")
