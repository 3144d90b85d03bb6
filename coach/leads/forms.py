from wtforms import DateField, RadioField, SelectField, TimeField
from wtforms.validators import InputRequired, Optional, ValidationError

from coach.clients.forms import PlacementForm
from coach.forms import (
    DONE_WINDOW,
    Form,
    idempotency_field,
    notes_field,
    options,
    text,
    wage_field,
    weekly_hours_field,
    within_window,
)
from coach.models import (
    APPLICATION_METHODS,
    APPLICATION_RESULTS,
    INTERVIEW_COMPANY,
    LEAD_SOURCES,
    LEAD_STATUSES,
)
from coach.visits.forms import CheckboxesField

# An interview may be booked some weeks ahead; a job may start some months ahead.
INTERVIEW_WINDOW = (365, 120)
START_WINDOW = (365, 365)


class LeadForm(Form):
    idempotency_key = idempotency_field()
    position = text("Position", 160, "Enter the position, e.g. Stocker.")
    employer_id = SelectField(
        "Employer", coerce=int, validators=[InputRequired(message="Pick the employer.")]
    )
    hourly_wage = wage_field()
    weekly_hours = weekly_hours_field()
    shift = text("Shift (optional)", 120, description="e.g. weekday mornings")
    source = SelectField("Where it came from", choices=options(LEAD_SOURCES.items()))
    source_detail = text(
        "Source details (optional)", 200, description="e.g. the board's name, who told you"
    )
    client_ids = CheckboxesField(
        "Job seekers it might suit (optional)", coerce=int, validate_choice=False
    )
    notes = notes_field()

    def validate_employer_id(self, field) -> None:
        if not field.data:  # the "Pick the employer" line
            raise ValidationError("Pick the employer.")


class StatusForm(Form):
    """One tap moves a lead: the button pressed names the status."""

    status = SelectField(choices=options(LEAD_STATUSES.items()))
    client_id = RadioField("Which job seeker?", coerce=int, validators=[Optional()])
    note = text("Note (optional)", 500)


class HireForm(PlacementForm):
    """The job a hire makes, filled from the lead. The placement's own rules (title,
    wage, hours) come from the client area's form; the end date, supervisor and notes
    are left for later."""

    end_date = end_reason = supervisor_name = notes = None
    client_id = RadioField(
        "Who was hired", coerce=int, validators=[InputRequired(message="Pick who was hired.")]
    )
    start_date = DateField(
        "Start date",
        validators=[InputRequired(message="Enter a start date."), within_window(START_WINDOW)],
    )
    address = text(
        "…or the address of a new worksite",
        300,
        description="Makes a new worksite of this employer.",
    )


class ApplicationForm(Form):
    idempotency_key = idempotency_field()
    employer_name = text(
        "Employer",
        160,
        "Enter the employer's name.",
        render_kw={"list": "employer-names", "autocomplete": "off"},
    )
    position = text("Position", 160, "Enter the position.")
    applied_on = DateField(
        "Date applied",
        validators=[InputRequired(message="Enter the date."), within_window(DONE_WINDOW)],
    )
    method = SelectField("How", choices=options(APPLICATION_METHODS.items()))
    result = SelectField("Result", choices=options(APPLICATION_RESULTS.items()))
    notes = notes_field(max_len=2000)


class InterviewForm(Form):
    idempotency_key = idempotency_field()
    employer_name = text(
        "Employer",
        160,
        "Enter the employer's name.",
        render_kw={"list": "employer-names", "autocomplete": "off"},
    )
    position = text("Position", 160, "Enter the position.")
    interview_on = DateField(
        "Date",
        validators=[InputRequired(message="Enter the date."), within_window(INTERVIEW_WINDOW)],
    )
    interview_time = TimeField("Time (optional)", validators=[Optional()])
    went_with = RadioField("Who went", choices=options(INTERVIEW_COMPANY.items()), default="alone")
    notes = notes_field("How it went (optional)", max_len=2000)
