"""Forms of the composer, the acknowledgements and the workflow actions."""
from blueprints.forms import BaseForm, LocalDateTimeField
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, FormField, HiddenField,
                     SelectChoice, SelectField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.form import Form

from beatdesk.models import CATEGORY_LABELS, PostState
from blueprints.post_validity.forms import composer_date_field

ATTESTATION = ("I attest this image shows none of: crime or accident scenes; detainees, deceased "
               "persons, victims or complainants; persons who are the subject of a police matter "
               "or investigation (suspects, wanted or missing persons); department training, "
               "operations or work assignments; undercover staff; non-public areas of "
               "department facilities.")


class ExistingImageForm(Form):
    asset_id = HiddenField()
    alt_text = TextAreaField("Alt text", validators=[Length(max=1000)],
                             description="Describe the image for people who can't see it.")
    credit = TextAreaField("Credit and rights", validators=[Length(max=500)],
                           description="Who took it and the department's right to use it.")
    attested = BooleanField(ATTESTATION)
    remove = BooleanField("Remove this image from the post")


class ComposerForm(BaseForm):
    category = SelectField("Category", validators=[DataRequired()], choices=[
        SelectChoice(str(value), label) for value, label in CATEGORY_LABELS.items()])
    body = TextAreaField("Post text", validators=[DataRequired(message="Write the post's text."),
                                                  Length(max=5000)],
                         description="Counted as X, Mastodon and Bluesky count it.")
    valid_until = composer_date_field()  # end or review date (beatdesk.post_validity)
    notable = BooleanField("Notable incident: News Affairs must approve it before release",
                           description="Arrests, shootings, homicides, officer-involved incidents "
                                       "and anything newsworthy (Chicago Twitter IV.A.1).")
    images = FieldList(FormField(ExistingImageForm))
    image = FileField("Add an image", description="JPEG, PNG, WebP or GIF.")
    image_alt = TextAreaField("Alt text for the new image", validators=[Length(max=1000)])
    image_credit = TextAreaField("Credit and rights for the new image",
                                 validators=[Length(max=500)])
    image_attested = BooleanField(ATTESTATION)
    version = HiddenField()


class AcknowledgeForm(BaseForm):
    rule = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("Why it should go out anyway",
                           validators=[DataRequired(message="Give your reason."),
                                       Length(max=2000)])


class NoteForm(BaseForm):
    note = TextAreaField("Note", validators=[Length(max=2000)])
    version = HiddenField()


class ScheduleForm(BaseForm):
    when = LocalDateTimeField("Publish at",
                              validators=[DataRequired(message="Choose a date and time.")])
    version = HiddenField()


class FilterForm(BaseForm):
    class Meta:
        csrf = False

    state = SelectField("State", validators=[Optional()], choices=[
        SelectChoice("", "Any state"), *[SelectChoice(str(s), s.label) for s in PostState]])
