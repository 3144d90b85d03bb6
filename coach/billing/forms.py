import re
from datetime import date

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp, ValidationError

from coach.agency import agency_today
from coach.billing.services import code_taken, hold_client, overlapping
from coach.employers.forms import email_field, phone_field
from coach.forms import (
    NEEDED_BY_WINDOW,
    Form,
    add_error,
    idempotency_field,
    notes_field,
    number_field,
    text,
    within_window,
)
from coach.models import FUNDER_KINDS, SERVICE_UNITS
from coach.timeutil import format_date

# An authorization may have started up to a year ago and run up to two years ahead.
AUTHORIZATION_WINDOW = NEEDED_BY_WINDOW


class ServiceTypeForm(Form):
    idempotency_key = idempotency_field()
    code = text(
        "Code",
        20,
        "Enter the code the funders use.",
        description="Letters, digits and - only, e.g. JOBCOACH or 97535",
    )
    name = text("Name", 120, "Enter the name of the service.")
    unit = SelectField("Unit", choices=SERVICE_UNITS, default="15min")
    active = BooleanField("In use (uncheck to stop offering it)", default=True)

    def __init__(self, *args, service=None, user_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service, self.user_id = service, user_id

    def validate_code(self, field) -> None:
        if field.data and not Regexp(r"^[A-Za-z0-9-]+$").regex.match(field.data):
            raise ValidationError("Use letters, digits and - only.")
        service_id = self.service.id if self.service else None
        retry_of = (self.user_id, self.idempotency_key.data) if self.service is None else None
        if field.data and code_taken(field.data, service_id, retry_of):
            raise ValidationError("Another service has this code.")


def rate_field(label: str = "Rate, $ per unit (optional)"):
    return number_field(label, 2, 0, 100_000, "From $0 to $100,000.")


class NewServiceForm(ServiceTypeForm):
    """A new service, with its rate from the start (later rates start from a month)."""

    rate = rate_field()


# How far ahead a rate may start: a contract signed for next year.
RATE_YEARS_AHEAD = 2


class ServiceRateForm(Form):
    """A service's rate from the first day of a month."""

    rate = rate_field("Rate, $ per unit (leave blank for no rate)")
    month = StringField(
        "From the month",
        validators=[InputRequired(message="Pick the month the rate starts.")],
        description="Visits from the first day of this month are priced at this rate.",
        default=lambda: f"{agency_today():%Y-%m}",
        render_kw={"type": "month"},
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )

    def validate_month(self, field) -> None:
        today = agency_today()
        first = date(today.year - BILLING_YEARS_BACK, today.month, 1)
        last = date(today.year + RATE_YEARS_AHEAD, today.month, 1)
        month_problem(field.data, first, last)

    @property
    def month_start(self) -> date:
        return month_start_of(self.month.data)


class FunderForm(Form):
    idempotency_key = idempotency_field()
    name = text("Name", 120, "Enter the funder's name.")
    kind = SelectField("Kind", choices=FUNDER_KINDS, default="state_vr")
    contact_name = text("Counsellor or case manager (optional)", 120)
    contact_email = email_field("Their email (optional)")
    contact_phone = phone_field("Their phone (optional)")
    active = BooleanField("In use (uncheck to stop offering it)", default=True)


class AuthorizationForm(Form):
    idempotency_key = idempotency_field()
    funder_id = SelectField("Funder", coerce=int, validators=[Optional()])
    service_type_id = SelectField("Service", coerce=int, validators=[Optional()])
    number = text("Authorization number", 40, "Enter the authorization number.")
    funder_case_number = text(
        "Client's case number (optional)",
        40,
        description="The funder's number for the client, printed on the billing export",
        default="",
    )
    start_date = DateField(
        "First day",
        validators=[
            InputRequired(message="Enter the first day."),
            within_window(AUTHORIZATION_WINDOW),
        ],
    )
    end_date = DateField(
        "Last day",
        validators=[
            InputRequired(message="Enter the last day."),
            within_window(AUTHORIZATION_WINDOW),
        ],
    )
    units = IntegerField(
        "Units authorized",
        validators=[
            InputRequired(message="Enter the units authorized."),
            NumberRange(min=1, max=100_000, message="From 1 to 100,000 units."),
        ],
        render_kw={"inputmode": "numeric"},
    )
    notes = notes_field(max_len=2000)

    def __init__(self, *args, client_id: int, authorization_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_id, self.authorization_id = client_id, authorization_id

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.funder_id.errors and not self.funder_id.data:
            valid = add_error(self.funder_id, "Pick the funder.")
        if not self.service_type_id.errors and not self.service_type_id.data:
            valid = add_error(self.service_type_id, "Pick the service.")
        start, end = self.start_date, self.end_date
        if not valid or start.errors or end.errors:
            return False
        if end.data < start.data:
            return add_error(end, "The last day is before the first.")
        return self._no_overlap()

    def _no_overlap(self) -> bool:
        """Two authorizations of the same service may not share a day."""
        hold_client(self.client_id)
        other = overlapping(
            self.client_id,
            self.service_type_id.data,
            self.start_date.data,
            self.end_date.data,
            self.authorization_id,
        )
        if other is None:
            return True
        span = f"{format_date(other.start_date)} to {format_date(other.end_date)}"
        message = f"These dates overlap authorization {other.number} ({span}) for this service."
        add_error(self.start_date, message)
        return add_error(self.end_date, message)


# How far back a month may be billed: funders take claims for a few years at most.
BILLING_YEARS_BACK = 3


class BillingExportForm(Form):
    """Export a funder's month as a batch."""

    idempotency_key = idempotency_field()
    funder_id = SelectField("Funder", coerce=int, validators=[Optional()])
    month = StringField(
        "Month",
        validators=[InputRequired(message="Pick the month.")],
        render_kw={"type": "month"},
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )

    def validate_funder_id(self, field) -> None:
        if not field.data:
            raise ValidationError("Pick the funder.")

    def validate_month(self, field) -> None:
        today = agency_today()
        month_problem(field.data, date(today.year - BILLING_YEARS_BACK, today.month, 1), today)

    @property
    def month_start(self) -> date:
        return month_start_of(self.month.data)


def month_start_of(value: str) -> date:
    """The first day of a month written YYYY-MM (checked by month_problem)."""
    return date(int(value[:4]), int(value[5:]), 1)


def month_problem(value: str | None, first: date, last: date) -> None:
    """Refuse what is not a month written YYYY-MM from `first`'s month to `last`'s."""
    if not re.fullmatch(r"\d{4}-\d{2}", value or "") or not 1 <= int(value[5:]) <= 12:
        raise ValidationError("Enter a month as YYYY-MM, e.g. 2026-11.")
    if not first.replace(day=1) <= month_start_of(value) <= last:
        raise ValidationError(f"Pick a month from {first:%B %Y} to {last:%B %Y}.")
