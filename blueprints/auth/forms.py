from blueprints.forms import BaseForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, Regexp


class LoginForm(BaseForm):
    login_id = StringField("Log-on ID", validators=[InputRequired(), Length(max=120)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"})
    password = PasswordField("Password", validators=[InputRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(BaseForm):
    code = StringField(
        "6-digit code", validators=[InputRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$",
                                                            message="Enter the 6 digits shown in your app.")],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "7"})


class UnlockForm(BaseForm):
    password = PasswordField("Password", validators=[InputRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
