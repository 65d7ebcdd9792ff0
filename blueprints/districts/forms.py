from blueprints.forms import BaseForm
from wtforms import (EmailField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from beatdesk.models import ModerationMode


class DistrictForm(BaseForm):
    number = IntegerField("District number", validators=[
        InputRequired(message="Enter the district number."), NumberRange(min=1, max=9999)])
    name = StringField("Name", validators=[InputRequired(), Length(max=120)])
    slug = StringField("Address name", validators=[InputRequired(), Length(max=80)],
                       description="Used in the public page's address, e.g. district-7.")
    intro_statement = TextAreaField(
        "Introductory statement", validators=[InputRequired(), Length(max=4000)],
        description="The purpose and scope of the district's page, shown at its top.")
    handle_x = StringField("X handle", validators=[Length(max=80)])
    handle_mastodon = StringField("Mastodon account", validators=[Length(max=200)])
    handle_bluesky = StringField("Bluesky handle", validators=[Length(max=200)])
    contact_phone = StringField("Contact phone", validators=[Length(max=40)])
    contact_email = EmailField("Contact e-mail", validators=[Length(max=254)])
    contact_address = StringField("Contact address", validators=[Length(max=500)])
    moderation_mode = SelectField("Comment moderation",
                                  choices=[SelectChoice(m.value, m.label) for m in ModerationMode])


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class DesignateForm(BaseForm):
    user_id = SelectField("Representative", coerce=int, validators=[InputRequired()])
    replaces_id = SelectField("Replacing", coerce=_optional_int, validators=[Optional()],
                              description="Leave empty when a slot is free.")
    reason = StringField("Reason (for a replacement)", validators=[Length(max=500)])


class EndDesignationForm(BaseForm):
    reason = StringField("Reason", validators=[InputRequired(), Length(max=500)])
