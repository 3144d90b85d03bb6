from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    FloatField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coach.forms import (
    exists_locally,
    finite,
    idempotency_field,
    no_control_chars,
    strip_filter,
)
from coach.models import CONTACT_TYPES, NOTE_SECTIONS, QUICK_TAGS

NOTE_MAX = 4000
# Minutes are enough for a visit; the first format is how values are shown.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class FixFields:
    """The phone's GPS fix, filled in by app.js when the coach allows it."""

    latitude = FloatField(
        validators=[Optional(), finite, NumberRange(min=-90, max=90)],
        widget=HiddenField.widget,
    )
    longitude = FloatField(
        validators=[Optional(), finite, NumberRange(min=-180, max=180)],
        widget=HiddenField.widget,
    )
    accuracy = FloatField(
        validators=[Optional(), finite, NumberRange(min=0, max=100000)],
        widget=HiddenField.widget,
    )


class StartVisitForm(FlaskForm, FixFields):
    idempotency_key = idempotency_field()
    placement_id = SelectField("Job", coerce=int, validators=[Optional()])
    contact_type = SelectField("Contact", choices=CONTACT_TYPES, default="on_site")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _note_fields(cls):
    for name, label, prompt in NOTE_SECTIONS:
        setattr(
            cls,
            name,
            TextAreaField(
                label,
                description=prompt,
                validators=[Optional(), Length(max=NOTE_MAX), no_control_chars],
                filters=[strip_filter],
            ),
        )
    return cls


@_note_fields
class VisitNoteForm(FlaskForm):
    """The note of a visit in progress; `End visit` ends it now unless an end time is given."""

    contact_type = SelectField("Contact", choices=CONTACT_TYPES)
    placement_id = SelectField("Job", coerce=int, validators=[Optional()])
    tags = CheckboxesField("Quick tags", choices={t: t for t in QUICK_TAGS})
    started_at = DateTimeLocalField(
        "Started",
        format=LOCAL_FORMATS,
        validators=[InputRequired(message="Enter when the visit started."), exists_locally],
    )
    ended_at = DateTimeLocalField(
        "Ended",
        format=LOCAL_FORMATS,
        validators=[Optional(), exists_locally],
        description="Leave empty to end it now.",
    )


class PastVisitForm(VisitNoteForm):
    """A visit written up afterwards: both times are required."""

    idempotency_key = idempotency_field()
    ended_at = DateTimeLocalField(
        "Ended",
        format=LOCAL_FORMATS,
        validators=[InputRequired(message="Enter when the visit ended."), exists_locally],
    )


class AmendVisitForm(VisitNoteForm):
    ended_at = DateTimeLocalField(
        "Ended",
        format=LOCAL_FORMATS,
        validators=[InputRequired(message="Enter when the visit ended."), exists_locally],
    )
    reason = StringField(
        "Reason for the change (optional)",
        validators=[Optional(), Length(max=300), no_control_chars],
        filters=[strip_filter],
        description="Kept with the earlier version in the record's history.",
    )


class VisitFilterForm(FlaskForm):
    class Meta:
        csrf = False

    coach = SelectField("Coach", coerce=int, validators=[Optional()])
    client = StringField("Client name", validators=[Optional(), Length(max=80)])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
