from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from beatdesk.duty_hours import DAYS
from blueprints.forms import BaseForm

TIME_HINT = "Like 09:00 or 22:30, in the department's time."


class EnrolmentForm(BaseForm):
    name = StringField("Device name", validators=[InputRequired(), Length(max=120)],
                       description="Where the browser is, for example “Front desk PC, "
                                   "District 1”.",
                       render_kw={"autocomplete": "off"})


class RequirementForm(BaseForm):
    required = BooleanField("Require registered devices for the console",
                            description="When ticked, the console (sign-in included) refuses "
                                        "every browser that is not a registered device. You "
                                        "can tick it only from a registered browser.")


class CodeForm(BaseForm):
    code = StringField("One-time code", validators=[InputRequired(), Length(max=40)],
                       description="The 10 letters and digits an administrator gave you, like "
                                   "ABCDE-FGH23. Dashes and spaces don't matter.",
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false"})


class ReleaseForm(BaseForm):
    reason = TextAreaField("Why may this post go out outside duty hours?",
                           validators=[InputRequired(), Length(max=2000)],
                           description="Recorded with your name and the time, and shown in "
                                       "the audit trail.")


class DutyHoursForm(BaseForm):
    """Start and end for each day; both empty: off duty that day."""


for _n, _day in enumerate(DAYS):
    setattr(DutyHoursForm, f"start_{_n}", StringField(f"{_day} start",
                                                      validators=[Length(max=10)]))
    setattr(DutyHoursForm, f"end_{_n}", StringField(f"{_day} end", validators=[Length(max=10)]))
