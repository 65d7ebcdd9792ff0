"""The base of every form: text a person enters is normalised once, here, on the way in.

Every ``StringField`` (text areas, e-mail, URL and hidden fields included), at any depth of
``FormField``/``FieldList``, goes through ``beatdesk.text.normalise``: a refused character
becomes an error on its field naming the character and its position, so the page is shown
again with what the person typed. Passwords are left as typed (they are never shown and their
hashes were made from the raw text), but a value that is not text is refused in any field.

A form is filled from form fields only: a JSON body, or a file sent in a field that takes text,
is refused with a 400 and a message, never handed to a field that would choke on it.
"""
from datetime import datetime

from flask import g, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (DateTimeLocalField, Field, FieldList, FormField, PasswordField, SelectField,
                     StringField)

from beatdesk import clock
from beatdesk.text import TextRefused, normalise

from .input_guards import DB_INT_MAX, refuse_input

NOT_TEXT = "This field takes text."


def _leaves(fields):
    """Every field, descending into sub-forms and lists of them."""
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(getattr(field, "entries", ()))  # none before processing
        else:
            yield field


def _label(field: Field) -> str:
    text = field.label.text if field.label else field.name
    return f"“{text}”"


def normalise_text_fields(form) -> None:
    """Normalise every text field of ``form`` in place; refusals become field errors.

    A value of only white space is empty: the ``Optional`` validator already treats it so, and
    a filter or choice of "   " must not reach the domain as if something were chosen.
    """
    for field in _leaves(form):
        # Only what the request sent: defaults and stored objects are not a person's input.
        if not field.raw_data or isinstance(field, PasswordField):
            continue
        if isinstance(field, SelectField) and isinstance(field.data, str) \
                and not field.data.strip():
            field.data = ""
        if isinstance(field.data, int) and not isinstance(field.data, bool) \
                and not -DB_INT_MAX - 1 <= field.data <= DB_INT_MAX:
            # Past any id or count the database holds (and past SQLite's 64 bits).
            field.data = None
            _refuse(field, "This number is too large.")
            continue
        if not isinstance(field, StringField):
            continue
        if field.data is not None and not isinstance(field.data, str):
            field.data = ""
            _refuse(field, NOT_TEXT)
            continue
        if not field.data:
            continue
        try:
            field.data = normalise(field.data, _label(field))
        except TextRefused as exc:
            _refuse(field, exc.message)
            continue
        if not field.data.strip():
            field.data = ""


def _refuse(field: Field, message: str) -> None:
    """Mark ``field``'s input as refused here (kept apart from the field's own parse errors,
    such as an empty optional date, which its ``Optional`` validator may clear)."""
    field.process_errors.append(message)
    field.refusals = [*getattr(field, "refusals", ()), message]


class BaseForm(FlaskForm):
    """A FlaskForm whose text is normalised and whose input is form fields only."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            # Once the request is refused, forms built for the error page read nothing.
            # A JSON body is never a form's values (Flask-WTF would hand any JSON value,
            # a list, a number, an object of objects, to fields that take text).
            if g.get("input_refused") or request.is_json:
                return None
            formdata = super().wrap_formdata(form, formdata)
            if formdata is not None and request.files:
                file_fields = {f.name for f in _leaves(form)
                               if isinstance(f, (FileField, MultipleFileField))}
                stray = sorted(k for k in request.files if k not in file_fields)
                if stray:
                    refuse_input(f"A file was sent in “{stray[0][:40]}”, which takes text. "
                                 "Fill in the form on its page and send it again.")
            return formdata

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        normalise_text_fields(self)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # "Required" validators clear a field's earlier errors; a refused character must
        # still be named (a form feed alone would otherwise read as "required").
        return self.text_refused() is False and valid

    def text_refused(self) -> bool:
        """Whether a field holds refused text; puts each refusal among its field's errors.

        For views that read a form without validating it (the comment form leaves its
        checks to the domain): call this first and show the form again when it is True.
        """
        refused = False
        for field in _leaves(self):
            for message in getattr(field, "refusals", ()):
                refused = True
                if message not in field.errors:
                    field.errors = [message, *field.errors]
        return refused



DST_HINT = ("A time the clocks skip in spring is refused; a time they repeat in autumn is taken "
            "at its first occurrence, and you are told.")


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in the department's zone; the label names the zone.

    ``data`` stays the wall-clock time as typed (so the page shows it again); ``instant`` is
    the UTC moment it means (``clock.from_local``): a time the clocks skipped is an error on the
    field, a time they repeated is taken at its first occurrence and ``note`` says so.
    """

    def __init__(self, label=None, validators=None, format="%Y-%m-%dT%H:%M", **kwargs):
        kwargs.setdefault("description", DST_HINT)
        super().__init__(label, validators, format=format, **kwargs)
        self.label.text = f"{self.label.text} ({clock.zone_label(clock.department_zone())})"
        self.instant = None
        self.note = ""

    def post_validate(self, form, validation_stopped):
        self.instant, self.note = None, ""
        if validation_stopped or self.errors or not isinstance(self.data, datetime):
            return
        try:
            reading = clock.from_local(self.data, clock.department_zone())
        except clock.SkippedTime as exc:
            self.errors.append(str(exc))
            return
        self.instant, self.note = reading.instant, reading.note
