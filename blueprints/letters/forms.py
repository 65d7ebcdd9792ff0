"""Forms of the letter pages: a template's text, and one form per kind of letter (each with
its own field prefix, so the six forms on a request's page never share an id)."""
from blueprints.forms import BaseForm
from wtforms import (BooleanField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from beatdesk.letters import EXTENSION_REASONS, EXTRA_TEXT_MAX, TITLE_MAX, BODY_MAX
from beatdesk.models.letters import LetterKind


class TemplateForm(BaseForm):
    title = StringField("Title", validators=[
        InputRequired(message="Enter the letter's title."), Length(max=TITLE_MAX)],
        description="The letter's heading and the e-mail's subject. It may use the fields "
                    "listed below, e.g. {{request_number}}.")
    body_markdown = TextAreaField("Text (Markdown)", validators=[
        InputRequired(message="Enter the letter's text."), Length(max=BODY_MAX)],
        description="Markdown: a blank line between paragraphs, **bold**, lines starting "
                    "with - for a list, > for a quotation. HTML is shown as text. Fields in "
                    "double braces are filled from the request.")
    preview = SubmitField("Preview")
    save = SubmitField("Save the template")


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LetterForm(BaseForm):
    kind: LetterKind
    note = TextAreaField("Note to add (optional)", validators=[Optional(),
                                                               Length(max=EXTRA_TEXT_MAX)],
                         description="A paragraph added before the signature.")
    send = BooleanField("E-mail the letter to the requester, with the PDF attached",
                        default=True,
                        description="Only when the request has an e-mail address; otherwise "
                                    "print the PDF and send it by post.")


class AcknowledgementLetterForm(LetterForm):
    kind = LetterKind.ACKNOWLEDGEMENT


class ClarificationLetterForm(LetterForm):
    kind = LetterKind.CLARIFICATION
    clarification_question = TextAreaField(
        "What should the requester clarify?", validators=[
            InputRequired(message="Enter what the requester should clarify."),
            Length(max=EXTRA_TEXT_MAX)],
        description="For example: which dates, which district, which kind of record.")


class ExtensionLetterForm(LetterForm):
    kind = LetterKind.EXTENSION
    extension_reasons = CheckboxesField(
        "Reasons for the extension (5 ILCS 140/3(e))",
        choices=[SelectChoice(code, f"3(e)({code}): {text[:1].upper()}{text[1:]}")
                 for code, text in EXTENSION_REASONS.items()],
        validators=[InputRequired(message="Choose at least one reason.")],
        description="Only these reasons allow an extension. The letter gives the new due "
                    "date.")
    extension_days = IntegerField(
        "Business days of the extension", validators=[Optional(), NumberRange(min=1, max=30)],
        description="The deadline has not been extended yet: making the letter takes the "
                    "request's one extension, by this many business days, for the reasons "
                    "chosen.")
    extension_explanation = TextAreaField(
        "Explanation", validators=[Optional(), Length(max=EXTRA_TEXT_MAX)],
        description="How the reasons apply to this request.")


class FeeLetterForm(LetterForm):
    kind = LetterKind.FEE_ESTIMATE
    fee_amount = StringField("Estimated fee in dollars", validators=[
        InputRequired(message="Enter the estimated fee."), Length(max=20)],
        description="For example 12.50.")
    fee_details = TextAreaField("What the fee is for", validators=[
        Optional(), Length(max=EXTRA_TEXT_MAX)],
        description="For example: 300 pages of copies beyond the first 50 free pages, at 15 "
                    "cents a page.")


class DenialLetterForm(LetterForm):
    kind = LetterKind.DENIAL
    exemption_ids = CheckboxesField(
        "Exemptions cited", coerce=str,
        validators=[InputRequired(message="Choose each exemption the denial cites.")],
        description="Each one is listed in the letter with its citation.")
    denial_explanation = TextAreaField(
        "Why each exemption applies", validators=[
            InputRequired(message="Enter why each exemption applies."),
            Length(max=EXTRA_TEXT_MAX)],
        description="The detailed factual basis 5 ILCS 140/9(a) requires.")


class ReleaseLetterForm(LetterForm):
    kind = LetterKind.RELEASE
    release_id = SelectField("Release", validators=[
        InputRequired(message="Choose the release the letter describes.")],
        description="The package the letter describes.")


FORMS: dict[LetterKind, type[LetterForm]] = {
    form.kind: form for form in (AcknowledgementLetterForm, ClarificationLetterForm,
                                 ExtensionLetterForm, FeeLetterForm, DenialLetterForm,
                                 ReleaseLetterForm)}
