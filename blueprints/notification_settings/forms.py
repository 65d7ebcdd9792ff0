"""One choice (at once, daily digest, off) for each kind of e-mail the user's role receives."""
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from beatdesk import staff_mail
from beatdesk.models.platforms import Delivery
from blueprints.forms import BaseForm

DELIVERY_CHOICES = [SelectChoice(d.value, d.label) for d in Delivery]


class PreferencesBase(BaseForm):
    """Fields are added per role by ``preferences_form``."""


def preferences_form(user, current: dict, **kwargs) -> PreferencesBase:
    """A form with one radio group per kind ``user``'s role receives, set to ``current``."""
    class PreferencesForm(PreferencesBase):
        pass

    for kind in staff_mail.kinds_for(user):
        setattr(PreferencesForm, kind.value, RadioField(
            kind.label, choices=DELIVERY_CHOICES, default=current[kind].value,
            description=staff_mail.KIND_HINTS.get(kind, ""),
            validators=[InputRequired(message="Choose at once, daily digest or off.")]))
    return PreferencesForm(**kwargs)
