from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from blueprints.forms import BaseForm


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ConnectForm(BaseForm):
    """One form for every platform; the template shows the fields the platform uses."""

    district_id = SelectField("Posts from", coerce=_optional_int, validate_choice=True,
                              description="The district whose posts go to this account, or "
                                          "the department (the department's account receives "
                                          "every district's posts).")
    handle = StringField("Handle", validators=[InputRequired(message="The handle is required."),
                                               Length(max=260)],
                         render_kw={"autocapitalize": "none", "spellcheck": "false",
                                    "autocomplete": "off"})
    base_url = StringField("Server address", validators=[Optional(), Length(max=500)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false",
                                      "inputmode": "url", "autocomplete": "off"})
    access_token = PasswordField("Access token", validators=[Optional(), Length(max=4000)],
                                 render_kw={"autocomplete": "off"})
    app_password = PasswordField("App password", validators=[Optional(), Length(max=4000)],
                                 render_kw={"autocomplete": "off"})


class CredentialsForm(BaseForm):
    access_token = PasswordField("New access token", validators=[Optional(), Length(max=4000)],
                                 render_kw={"autocomplete": "off"})
    app_password = PasswordField("New app password", validators=[Optional(), Length(max=4000)],
                                 render_kw={"autocomplete": "off"})


# What each platform's form asks for: (field, label, hint).
PLATFORM_FIELDS = {
    "x": {
        "handle": ("X handle", "The account's @name, 1 to 15 letters, digits or underscores, "
                               "e.g. @ChicagoPolice."),
        "access_token": ("Bearer access token", "The account's OAuth 2.0 user access token "
                         "(scopes tweet.read, tweet.write, users.read, tweet.moderate.write, "
                         "media.write). It is stored encrypted and never shown again."),
        "base_url": ("API address (optional)", "Leave empty to use X's API, https://api.x.com; "
                     "another address only for a stand-in server in testing."),
    },
    "mastodon": {
        "base_url": ("Instance address", "The server the account lives on, starting https://, "
                     "e.g. https://mastodon.social."),
        "handle": ("Mastodon handle", "The user name, with or without its server, e.g. "
                   "district1 or district1@mastodon.social."),
        "access_token": ("Access token", "From the account's Preferences, Development, New "
                         "application (scopes read, write). It is stored encrypted and never "
                         "shown again."),
    },
    "bluesky": {
        "handle": ("Bluesky handle", "The account's domain name, e.g. district1.bsky.social."),
        "app_password": ("App password", "Create one in Bluesky under Settings, Privacy and "
                         "security, App passwords; never the account's own password. It is "
                         "stored encrypted and never shown again."),
        "base_url": ("PDS address", "The account's server (personal data server), starting "
                     "https://. Leave https://bsky.social unless the account is hosted "
                     "elsewhere."),
    },
}
