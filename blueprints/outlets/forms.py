from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from blueprints.forms import BaseForm, LocalDateTimeField


def _user_id(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class AuthorityForm(BaseForm):
    title = StringField("Title of the approving authority", validators=[
        InputRequired(message="Enter the authority's title."), Length(max=200)],
        description="As the directive names it, e.g. Chief of Police or Superintendent of "
                    "Police.")
    user_id = SelectField("Who holds it", coerce=_user_id, validators=[
        InputRequired(message="Choose who holds the title.")],
        description="The staff member who approves outlets as the authority. You can't name "
                    "yourself.")
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)],
                         description="E.g. the order that names them.")


class DelegationForm(BaseForm):
    user_id = SelectField("Delegate", coerce=_user_id, validators=[
        InputRequired(message="Choose the delegate.")],
        description="The staff member who may approve outlets for the authority. You can't "
                    "name yourself.")
    approving_as = StringField("Approving as", validators=[Optional(), Length(max=300)],
                               description="Whom they approve for, e.g. Deputy Chief, for the "
                                           "Chief of Police. Empty: delegate of the authority.")
    starts_at = LocalDateTimeField("From", validators=[Optional()],
                                   description="Empty: from now.")
    ends_at = LocalDateTimeField("Until", validators=[Optional()],
                                 description="Empty: until revoked.")
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)],
                         description="E.g. the written delegation it rests on.")


class RevokeForm(BaseForm):
    reason = TextAreaField("Why it is revoked", validators=[
        InputRequired(message="Say why the delegation is revoked."), Length(max=2000)],
        description="Approvals already given stay in the history.")


class ApproveForm(BaseForm):
    version = HiddenField("Version", validators=[InputRequired(message="Reload the page.")])
    note = TextAreaField("Note, shown in the outlet's history (optional)",
                         validators=[Optional(), Length(max=2000)])
