"""Job-support plan forms: the supports needed, the linked accommodation requests, a
natural support, the fading schedule (one row per week) and the handoff date."""

from datetime import timedelta
from decimal import Decimal

from wtforms import DateField, DecimalField, FieldList, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from coach.forms import (
    DONE_WINDOW,
    NEEDED_BY_WINDOW,
    Form,
    add_error,
    finite,
    idempotency_field,
    no_control_chars,
    options,
    strip_filter,
    to_units,
    within_window,
)
from coach.forms import text as text_field
from coach.models import MAX_WEEK_TENTHS
from coach.timeutil import format_date

MAX_HOURS = MAX_WEEK_TENTHS // 10
MAX_SCHEDULE_WEEKS = 52


def long_text(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        filters=[strip_filter],
        validators=[Optional(), Length(max=4000), no_control_chars],
        render_kw={"rows": 4},
    )


class NeedsForm(Form):
    """The supports the person needs at this job (also the form that starts the plan)."""

    idempotency_key = idempotency_field()
    supports_needed = long_text(
        "Supports needed",
        "What helps the person do this job, e.g. 'A written checklist for closing'.",
    )


class RequestsForm(Form):
    """Which of the client's accommodation requests this job's plan puts in place."""

    request_ids = SelectMultipleField(
        "Accommodations at this job",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )

    def __init__(self, *args, requests, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_ids.choices = options(
            (r.id, f"{r.accommodation[:60] or 'Request'} ({r.status_label})") for r in requests
        )

    def validate(self, extra_validators=None) -> bool:
        if super().validate(extra_validators):
            return True
        if self.request_ids.errors:
            self.request_ids.errors = ["Pick from the requests listed here."]
        return False


class PersonForm(Form):
    """A natural support: a co-worker or supervisor, their role and what they help with."""

    idempotency_key = idempotency_field()
    name = text_field("Name", 120, "Enter their name.")
    role = text_field("Role at work (optional)", 120, description="e.g. 'Shift supervisor'.")
    helps_with = long_text("Helps with (optional)", "e.g. 'Shows the closing checklist'.")


def week_hours(form, field):
    """Hours a week: 0 to MAX_HOURS, a message beside the week otherwise."""
    if field.data is None:
        return
    if field.data < 0:
        raise StopValidation("Hours cannot be negative: enter 0 or more.")
    if field.data > MAX_HOURS:
        raise StopValidation(f"Enter at most {MAX_HOURS} hours a week.")


class FadingForm(Form):
    """The planned coach hours week by week; a blank last row is no week."""

    weeks = FieldList(
        DecimalField(
            "Hours",
            places=1,
            validators=[Optional(), finite, week_hours],
            render_kw={"inputmode": "decimal"},
        ),
        min_entries=1,
        max_entries=MAX_SCHEDULE_WEEKS,
    )

    def __init__(self, *args, placement, rows: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        while len(self.weeks) < min(rows, MAX_SCHEDULE_WEEKS):
            self.weeks.append_entry()
        self.label_weeks(placement)

    def label_weeks(self, placement) -> None:
        for number, entry in enumerate(self.weeks, start=1):
            first = format_date(placement.start_date + timedelta(days=7 * (number - 1)))
            entry.label.text = f"Week {number}, from {first}: hours"

    def add_week(self, placement) -> None:
        if len(self.weeks) < MAX_SCHEDULE_WEEKS:
            self.weeks.append_entry()
            self.label_weeks(placement)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        values = [entry.data for entry in self.weeks]
        while values and values[-1] is None:
            values.pop()
        for entry, value in zip(self.weeks, values, strict=False):
            if value is None and not entry.errors:
                valid = add_error(entry, "Enter this week's hours (0 for none).")
        return valid

    def tenths(self) -> list[int]:
        """The schedule in tenths, blank last rows left out (after validate)."""
        values = [None if e.data is None else to_units(Decimal(e.data), 10) for e in self.weeks]
        while values and values[-1] is None:
            values.pop()
        return [value or 0 for value in values]


class HandoffForm(Form):
    """The day intensive coaching ends: done when on or before today, else planned."""

    handoff_date = DateField(
        "Handoff date",
        description="On or before today: the handoff is done and the person moves to "
        "follow-along. A later date is planned, and shows on Today that day.",
        validators=[
            InputRequired(message="Enter the handoff date."),
            within_window((DONE_WINDOW[0], NEEDED_BY_WINDOW[1])),
        ],
    )

    def __init__(self, *args, placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_start = placement.start_date

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        day = self.handoff_date.data
        if day is not None and day < self.job_start and not self.handoff_date.errors:
            start = format_date(self.job_start)
            valid = add_error(
                self.handoff_date, f"The handoff comes after the job starts, {start}."
            )
        return valid
