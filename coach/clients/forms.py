from wtforms import (
    BooleanField,
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
    HISTORY_WINDOW,
    Form,
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
from coach.models import (
    CLIENT_STATUSES,
    DISCLOSURE_CHOICES,
    END_REASONS,
    JOB_BENEFITS,
    JOB_EVENT_KINDS,
)
from coach.models.caseload import COMPETITIVE_HINT

# Program entry dates reach back as far as a person's time in the program can.
ENTRY_WINDOW = (20 * 365, 3)


def as_id(value) -> int:
    """A posted id as a number; anything else as 0, which no row has (so the field's
    own message is shown, not a conversion error)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0


class ClientForm(Form):
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
    # Offered as the coach now and the one picked in the coach search
    # (clients/_coach_choice.html); any other id is refused.
    coach_id = RadioField("Coach", coerce=as_id, validate_choice=False)
    referral_date = DateField(
        "Referral date",
        validators=[Optional(), within_window(ENTRY_WINDOW)],
        description="When the person was referred to the program (empty: today).",
    )
    intake_date = DateField(
        "Intake date (optional)",
        validators=[Optional(), within_window(ENTRY_WINDOW)],
        description="Program entry for the outcome figures; until then, the referral date.",
    )
    notes = notes_field()

    def validate_intake_date(self, field):
        if field.data and self.referral_date.data and field.data < self.referral_date.data:
            raise ValidationError("The intake date is before the referral date.")

    def validate_coach_id(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose a coach: the one shown, or search for another.")


class PlacementForm(Form):
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
    end_reason = SelectField(
        "Why the job ended (with an end date)",
        choices=options([("", "Choose…"), *END_REASONS.items()]),
        validators=[Optional()],
    )
    benefit_health = BooleanField(JOB_BENEFITS["health"])
    benefit_paid_leave = BooleanField(JOB_BENEFITS["paid_leave"])
    benefit_retirement = BooleanField(JOB_BENEFITS["retirement"])
    competitive = BooleanField("Competitive integrated employment", description=COMPETITIVE_HINT)
    supervisor_name = text("Supervisor at work (optional)", 120)
    notes = notes_field()

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date is before the start date.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.end_date is None or self.end_reason is None:  # a form without an ending
            return valid
        if self.end_date.data and not self.end_reason.data:
            return add_error(self.end_reason, "Choose why the job ended.")
        if self.end_reason.data and not self.end_date.data and not self.end_date.errors:
            return add_error(self.end_date, "Enter the last day, or leave the reason empty.")
        return valid


class PlacementChangeForm(Form):
    """A change of a job's wage or hours from a date on (a raise, more hours)."""

    idempotency_key = idempotency_field()
    effective_date = DateField(
        "From",
        validators=[
            InputRequired(message="Enter the date it applies from."),
            within_window(HISTORY_WINDOW),
        ],
    )
    hourly_wage = wage_field()
    weekly_hours = weekly_hours_field()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        no_value = self.hourly_wage.data is None and self.weekly_hours.data is None
        if no_value and not (self.hourly_wage.errors or self.weekly_hours.errors):
            return add_error(self.hourly_wage, "Enter the new wage, the new hours, or both.")
        return valid


class JobEventForm(Form):
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


class RhythmForm(Form):
    """A client's own follow-along rhythm, instead of the agency's."""

    contact_every_days = IntegerField(
        "Contact every (days)",
        validators=[Optional(), NumberRange(min=1, max=90, message="From 1 to 90 days.")],
        description="Leave empty to follow the agency's rhythm.",
        render_kw={"inputmode": "numeric"},
    )
