from blueprints.forms import BaseForm
from wtforms import (DateField, EmailField, IntegerField, PasswordField, SelectChoice, SelectField,
                     StringField, URLField)
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional

from beatdesk.models import Outcome
from beatdesk.roles import Role


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(BaseForm):
    full_name = StringField("Full name", validators=[InputRequired(), Length(max=120)],
                            render_kw={"autocomplete": "off"})
    rank = StringField("Rank", validators=[Length(max=60)],
                       description="Required for district representatives.")
    star_number = StringField("Star number", validators=[Length(max=20)],
                              description="Required for district representatives.")
    employee_number = StringField("Employee number", validators=[InputRequired(), Length(max=20)])
    login_id = StringField("Log-on ID", validators=[InputRequired(), Length(min=3, max=40)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false"})
    email = EmailField("Department e-mail", validators=[InputRequired(), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role],
                       validators=[InputRequired()])
    district_id = SelectField("District", coerce=_optional_int, validate_choice=True,
                              description="Required for representatives, sergeants and "
                                          "commanders; leave empty for department-wide roles.")


class NewUserForm(UserForm):
    password = PasswordField(
        "Initial password", validators=[InputRequired(), Length(max=128)],
        description="The user must change it at first sign-in. At least 8 characters; "
                    "not a common password.",
        render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(BaseForm):
    password = PasswordField(
        "Temporary password", validators=[InputRequired(), Length(max=128)],
        description="The user must change it at the next sign-in.",
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat it", validators=[
        InputRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"})


class DepartmentForm(BaseForm):
    name = StringField("Department name", validators=[InputRequired(), Length(max=200)])
    official_website = URLField("Official website", validators=[InputRequired(), Length(max=500)])
    contact_phone = StringField("Contact phone", validators=[Length(max=40)])
    contact_email = EmailField("Contact e-mail", validators=[Length(max=254)])
    contact_address = StringField("Contact address", validators=[Length(max=500)])
    review_interval_days = IntegerField(
        "Sergeant's review interval (days)", default=7,
        validators=[InputRequired(), NumberRange(min=1, max=90)],
        description="A district whose postings wait longer than this for the community "
                    "policing sergeant's review shows as overdue to News Affairs.")
    directive_name = StringField(
        "Name of the department's social media directive", validators=[Length(max=200)],
        description="Policy-check findings cite it, e.g. \u201cGeneral Order 12-3\u201d, with "
                    "the source policies as reference. Leave empty to say \u201cthe "
                    "department's social media directive\u201d.")


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    actor = StringField("Log-on ID", validators=[Optional(), Length(max=120)])
    event = SelectField("Event", validators=[Optional()], validate_choice=False)
    object_type = StringField("Object type", validators=[Optional(), Length(max=40)])
    object_id = StringField("Object id", validators=[Optional(), Length(max=40)])
    outcome = SelectField("Outcome", validators=[Optional()],
                          choices=[SelectChoice("", "Any")] + [SelectChoice(o.value) for o in Outcome])
    since = DateField("From", validators=[Optional()],
                      description="A day in the department's time zone.")
    until = DateField("To (inclusive)", validators=[Optional()],
                      description="A day in the department's time zone.")
