"""Forms of a time-bound post: the composer's date, "still current" and "resolved"."""
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional

from beatdesk.post_validity import FIELD_LABEL, MAX_NOTE
from blueprints.forms import DST_HINT, BaseForm, LocalDateTimeField

DATE_HINT = ("Road closures, events and weather emergencies: when the post stops being true "
             "(the road reopens, the event ends). Missing-person and wanted notices: when "
             "someone must check the notice is still current. Required for those; optional for "
             "other posts. ")


def composer_date_field() -> LocalDateTimeField:
    return LocalDateTimeField(FIELD_LABEL, validators=[Optional()],
                              description=DATE_HINT + DST_HINT)


class StillCurrentForm(BaseForm):
    valid_until = LocalDateTimeField(
        "New end or review date",
        validators=[DataRequired(message="Choose the new date and time.")],
        description="You checked the post and it is still current until then. " + DST_HINT)
    version = HiddenField()


class ResolveForm(BaseForm):
    note = StringField("Public note", validators=[
        DataRequired(message="Write a short public note, such as “Found safe”."),
        Length(max=MAX_NOTE, message=f"Keep the public note under {MAX_NOTE} characters.")],
        description="Shown on the public page after “Resolved:”, such as “Found safe” or "
                    "“In custody”. Its images come down from the public pages, the feeds "
                    "and every platform where it was published.")
    version = HiddenField()
