from datetime import timedelta

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
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from coach.agency import current_agency
from coach.forms import (
    DONE_WINDOW,
    Form,
    date_window_problem,
    exists_locally,
    finite,
    idempotency_field,
    no_control_chars,
    strip_filter,
)
from coach.models import CONTACT_TYPES, NOTE_FIELDS, NOTE_SECTIONS, QUICK_TAGS
from coach.plans.forms import ObjectiveField
from coach.timeutil import from_local, local_input_value, utcnow
from coach.visits.services import set_placement

NOTE_MAX = 4000
MAX_VISIT = timedelta(hours=16)
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


class StartVisitForm(Form, FixFields):
    idempotency_key = idempotency_field()
    placement_id = SelectField("Job", coerce=int, validators=[Optional()])
    contact_type = SelectField("Contact", choices=CONTACT_TYPES, default="on_site")
    # When Start was tapped, filled in by the outbox (offline.js) for a start sent
    # later; empty means now.
    started_at = DateTimeLocalField(
        "Started",
        format=LOCAL_FORMATS,
        validators=[Optional(), exists_locally],
        widget=HiddenField.widget,
    )

    def validate_started_at(self, field) -> None:
        start = tapped_start(self)
        if start is None:
            return
        if start > utcnow() + timedelta(minutes=5):
            raise ValidationError("The start is in the future.")
        if start < utcnow() - MAX_VISIT:
            raise ValidationError(
                "This visit was started more than 16 hours ago: write it up as an earlier visit."
            )


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
class VisitNoteForm(Form):
    """The note of a visit in progress; `End visit` ends it now unless an end time is given."""

    contact_type = SelectField("Contact", choices=CONTACT_TYPES)
    placement_id = SelectField("Job", coerce=int, validators=[Optional()])
    service_type_id = SelectField(
        "Service",
        coerce=int,
        validators=[Optional()],
        description="From the client's authorization; change it if you gave another.",
    )
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
    objective_id = ObjectiveField()
    ended_at = DateTimeLocalField(
        "Ended",
        format=LOCAL_FORMATS,
        validators=[InputRequired(message="Enter when the visit ended."), exists_locally],
    )


class AmendVisitForm(VisitNoteForm):
    objective_id = ObjectiveField()
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


class VisitFilterForm(Form):
    class Meta:
        csrf = False

    client = StringField("Client name", validators=[Optional(), Length(max=80)])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])


# --- what a note form's times say ---------------------------------------------------


def _tz() -> str:
    return current_agency().timezone


def times_ok(form, require_end: bool, end_now: bool = False, visit=None) -> bool:
    """Start before end, neither in the future, at most 16 hours long, within the last
    year unless left as stored.

    `end_now`: an empty end means "now" (ending a visit under way), which counts too.
    """
    stored = (visit.started_at, visit.ended_at) if visit else (None, None)
    for f, kept in zip((form.started_at, form.ended_at), stored, strict=True):
        changed = f.data and not f.errors and not _unchanged(f, kept)
        if changed and (problem := date_window_problem(f.data.date(), DONE_WINDOW)):
            f.errors.append(problem)
    if form.started_at.errors or form.ended_at.errors:
        return False
    tz = _tz()
    now = utcnow()
    start = from_local(form.started_at.data, tz)
    end = from_local(form.ended_at.data, tz) or (now if end_now else None)
    if start and start > now + timedelta(minutes=5):
        form.started_at.errors.append("The start is in the future.")
    if end and start and end < start:
        form.ended_at.errors.append("The end is before the start.")
    elif end and start and end - start > MAX_VISIT:
        form.ended_at.errors.append(
            "A visit cannot last more than 16 hours: enter when it really ended."
        )
    if form.ended_at.data and end > now + timedelta(minutes=5):
        form.ended_at.errors.append("The end is in the future.")
    if require_end and not form.ended_at.data:
        form.ended_at.errors.append("Enter when the visit ended.")
    return not (form.started_at.errors or form.ended_at.errors)


def _unchanged(field, stored) -> bool:
    """Whether the coach left the minute shown in the input as it was."""
    return stored is not None and field.data == local_input_value(stored, _tz()).replace(
        second=0, microsecond=0
    )


def changed_time(field, stored):
    """The typed time as UTC, or the stored one (seconds and DST fold intact) if the
    coach left the minute shown in the input as it was."""
    return stored if _unchanged(field, stored) else from_local(field.data, _tz())


def tapped_start(form):
    """When Start was tapped, as UTC, if the form says (a start sent from the outbox)."""
    return from_local(form.started_at.data, _tz()) if form.started_at.data else None


def ended_at(form):
    """The end the coach typed, as UTC (None if left empty)."""
    return from_local(form.ended_at.data, _tz())


def apply_note(form, visit) -> None:
    """Copy the note, tags, contact, job and start time from the form to the visit."""
    for name in NOTE_FIELDS:
        setattr(visit, name, getattr(form, name).data or "")
    visit.contact_type = form.contact_type.data
    visit.tags = "|".join(t for t in form.tags.data or [] if t in dict(form.tags.choices))
    visit.started_at = changed_time(form.started_at, visit.started_at)
    set_placement(visit, form.placement_id.data)
    if "objective_id" in form:  # the full-page forms (choices: the client's objectives)
        visit.objective_id = form.objective_id.data or None
    visit.service_type_id = form.service_type_id.data or None


def apply_amendment(form, visit) -> None:
    """An amendment changes the end time as well."""
    apply_note(form, visit)
    visit.ended_at = changed_time(form.ended_at, visit.ended_at)
