from blueprints.forms import BaseForm
from wtforms import (DateField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from beatdesk import clock
from beatdesk.archive_search import SearchCriteria, search_words
from beatdesk.models import PeriodUnit


def optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("Choose one of the options.") from None


def _until_not_before_since(form, field):
    if field.data and form.since.data and field.data < form.since.data:
        raise ValidationError("The end date is before the start date.")


def _has_words(form, field):
    if field.data and field.data.strip() and not search_words(field.data):
        raise ValidationError("Enter at least one word to search for.")


def name_zone(form) -> None:
    """Date labels say which zone's days they take: "Recorded from (Central Time, CST/CDT)"."""
    zone = clock.zone_label(clock.department_zone())
    form.since.label.text = f"Recorded from ({zone})"
    form.until.label.text = f"Recorded to ({zone}, inclusive)"


class CriteriaFields:
    """The search filters, shared by the search form and the save-search form."""

    text = StringField("Words", validators=[Optional(), Length(max=200), _has_words],
                       description="Every word must occur; “remove” also finds “removed”.")
    district_id = SelectField("District", coerce=optional_int, validators=[Optional()])
    author = StringField("Author (log-on ID)", validators=[Optional(), Length(max=120)],
                         render_kw={"autocapitalize": "none", "spellcheck": "false"})
    record_type = SelectField("Record type", validators=[Optional(), Length(max=80)],
                              description="A family (all posts, all comments) or one kind of "
                                          "record.")
    since = DateField("Recorded from", validators=[Optional()])
    until = DateField("Recorded to (inclusive)",
                      validators=[Optional(), _until_not_before_since])
    state = SelectField("State", validators=[Optional(), Length(max=40)],
                        description="The post's or comment's state when the record was made.")

    def set_choices(self, districts) -> None:
        """Districts from the database; types and states from the lists people choose from
        (a value given that is not in them, e.g. by an older saved search, is kept)."""
        from .results import state_choices, type_choices

        self.district_id.choices = districts
        self.record_type.choices = type_choices(self.record_type.data)
        self.state.choices = state_choices(self.state.data)
        name_zone(self)

    def criteria(self) -> SearchCriteria:
        return SearchCriteria(text=(self.text.data or "").strip(),
                              district_id=self.district_id.data,
                              author=(self.author.data or "").strip(),
                              record_type=(self.record_type.data or "").strip(),
                              since=self.since.data, until=self.until.data,
                              state=(self.state.data or "").strip())


class SearchForm(CriteriaFields, BaseForm):
    class Meta:
        csrf = False  # a GET search changes nothing


class SaveSearchForm(CriteriaFields, BaseForm):
    name = StringField("Name for this search", validators=[InputRequired(), Length(max=120)])


class ScheduleForm(BaseForm):
    record_type = StringField("Record type or family", validators=[InputRequired(), Length(max=80)],
                              description="e.g. comment (all comment records) or post.revision.")
    period_amount = IntegerField("Keep for", validators=[
        InputRequired(message="Enter how long records are kept."), NumberRange(min=1, max=73000)])
    period_unit = SelectField("Unit", choices=[SelectChoice(u.value, u.value.capitalize())
                                               for u in PeriodUnit])
    authority = StringField("Authority", validators=[InputRequired(), Length(max=500)],
                            description="Where the period comes from, e.g. Illinois Local "
                                        "Records Act, Application No. ...")


class HoldForm(BaseForm):
    reason = TextAreaField("Reason", validators=[InputRequired(), Length(max=1000)])
    case_number = StringField("Case or request number", validators=[InputRequired(),
                                                                    Length(max=80)])
    district_id = SelectField("District", coerce=optional_int, validators=[Optional()])
    record_type = StringField("Record type or family", validators=[Optional(), Length(max=80)])
    since = DateField("Recorded from", validators=[Optional()])
    until = DateField("Recorded to (inclusive)",
                      validators=[Optional(), _until_not_before_since])
    saved_search_id = SelectField("Saved search", coerce=optional_int, validators=[Optional()])


class ReleaseHoldForm(BaseForm):
    reason = StringField("Reason for release", validators=[InputRequired(), Length(max=500)])

