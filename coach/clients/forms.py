from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from coach.forms import (
    DONE_WINDOW,
    add_error,
    idempotency_field,
    notes_field,
    options,
    phone_chars,
    strip_filter,
    text,
    wage_field,
    weekly_hours_field,
    within_window,
)
from coach.models import CLIENT_STATUSES, DISCLOSURE_CHOICES, END_REASONS, JOB_EVENT_KINDS


class ClientForm(FlaskForm):
    first_name = text("First name", 80, "Enter the first name.", render_kw={"autocomplete": "off"})
    last_name = text("Last name", 80, "Enter the last name.", render_kw={"autocomplete": "off"})
    preferred_name = text("Preferred name (optional)", 80, render_kw={"autocomplete": "off"})
    phone = StringField(
        "Phone (optional)",
        validators=[Optional(), Length(max=40), phone_chars],
        filters=[strip_filter],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    email = EmailField(
        "Email (optional)",
        validators=[
            Optional(),
            Email(message="Enter an email like name@example.org."),
            Length(max=254),
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "off"},
    )
    status = SelectField("Status", choices=CLIENT_STATUSES)
    disclosure = SelectField(
        "What the client agreed to tell employers",
        choices=DISCLOSURE_CHOICES,
        description="Only this is ever shown to an employer.",
    )
    coach_id = SelectField("Coach", coerce=int)
    notes = notes_field()


class PlacementForm(FlaskForm):
    worksite_id = SelectField(
        "Worksite",
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Pick the worksite.")],
    )
    job_title = text("Job title", 160, "Enter the job title.")
    start_date = DateField("Start date", validators=[InputRequired(message="Enter a start date.")])
    end_date = DateField("End date (optional)", validators=[Optional()])
    hourly_wage = wage_field()
    weekly_hours = weekly_hours_field()
    supervisor_name = text("Supervisor at work (optional)", 120)
    notes = notes_field()

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date is before the start date.")


class JobEventForm(FlaskForm):
    """A job problem, or the job's loss (which ends the job, with why)."""

    idempotency_key = idempotency_field()
    kind = RadioField(
        "What happened",
        choices=JOB_EVENT_KINDS,
        default="problem",
        validators=[InputRequired("Say what happened.")],
    )
    end_reason = SelectField(
        "Why the job ended (for a job loss)",
        choices=options([("", "Choose…"), *END_REASONS.items()]),
        validators=[Optional()],
    )
    end_date = DateField(
        "Last day (for a job loss; empty: today)",
        validators=[Optional(), within_window(DONE_WINDOW)],
    )
    note = notes_field("What happened (optional)", max_len=2000)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == "loss" and not self.end_reason.data:
            return add_error(self.end_reason, "Choose why the job ended.")
        return valid


class RhythmForm(FlaskForm):
    """A client's own follow-along rhythm, instead of the agency's."""

    contact_every_days = IntegerField(
        "Contact every (days)",
        validators=[Optional(), NumberRange(min=1, max=90, message="From 1 to 90 days.")],
        description="Leave empty to follow the agency's rhythm.",
        render_kw={"inputmode": "numeric"},
    )
