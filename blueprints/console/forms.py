from blueprints.forms import BaseForm
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, Length


class PasswordChangeForm(BaseForm):
    current_password = PasswordField("Current password", validators=[InputRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(
        "New password", validators=[InputRequired(), Length(max=128)],
        description="At least 8 characters; not a common password and not your log-on ID.",
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("password", message="The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"})
