"""Form pieces shared across areas."""

import math
import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FloatField,
    HiddenField,
    PasswordField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from coach.agency import agency_today, current_agency
from coach.passwords import password_problem
from coach.timeutil import format_date, missing_local_time
from coach.web import MAX_ID


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class PlainWords:
    """WTForms' own messages, for a value a field cannot read or a rule it checks, in
    the words a coach reads on a phone ("Not a valid decimal value." said nothing of
    what to type). WTForms asks a form's `Meta.get_translations` for its messages: the
    library's way to change them, here without a translation catalogue."""

    WORDS = {
        "Not a valid choice.": "Choose one of the options shown.",
        "Invalid Choice: could not coerce.": "Choose one of the options shown.",
        "Not a valid date value.": "Enter a date, like 2026-11-02.",
        "Not a valid datetime value.": "Enter a date and a time, like 2026-11-02 09:30.",
        "Not a valid time value.": "Enter a time, like 09:30.",
        "Not a valid decimal value.": "Enter a number, like 12.5.",
        "Not a valid float value.": "Enter a number, like 2.5.",
        "Not a valid integer value.": "Enter a whole number, like 4.",
        "Number must be between %(min)s and %(max)s.": "Enter a number from %(min)s to %(max)s.",
        "Number must be at least %(min)s.": "Enter %(min)s or more.",
        "Number must be at most %(max)s.": "Enter %(max)s or less.",
        "This field is required.": "Fill in this field.",
        "Field must be at least %(min)d character long.": "Use at least %(min)d character.",
        "Field must be at least %(min)d characters long.": "Use at least %(min)d characters.",
        "Field cannot be longer than %(max)d character.": "Use at most %(max)d character.",
        "Field cannot be longer than %(max)d characters.": "Use at most %(max)d characters.",
        "Field must be exactly %(max)d character long.": "Use exactly %(max)d character.",
        "Field must be exactly %(max)d characters long.": "Use exactly %(max)d characters.",
    }

    def gettext(self, string: str) -> str:
        return self.WORDS.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


PLAIN_WORDS = PlainWords()


class Form(FlaskForm):
    """The base of every form in the app: Flask-WTF's (its CSRF token) with WTForms'
    messages in plain words."""

    class Meta:
        def get_translations(self, form):
            return PLAIN_WORDS


class ActionForm(Form):
    """A form with only its CSRF token, for buttons that change something."""


def no_control_chars(form, field):
    if isinstance(field.data, str) and any(ord(c) < 32 and c not in "\r\n\t" for c in field.data):
        raise ValidationError("Remove the invisible control characters from this field.")


def acceptable_password(form, field):
    if field.data and (problem := password_problem(field.data)):
        raise ValidationError(problem)


def new_password_fields():
    """A password and its confirmation, with the length rules in one place."""
    password = PasswordField(
        "New password",
        validators=[DataRequired(message="Choose a password."), acceptable_password],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[
            DataRequired(message="Type the password again."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def finite(form, field):
    """Reject NaN and infinity, which slip through (or crash) NumberRange."""
    value = field.data
    if value is None:
        return
    ok = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not ok:
        field.errors[:] = []
        raise StopValidation("Enter a number.")


def record_id(form, field):
    """An id the page put in the form must be one a row can have (1 to MAX_ID): the
    database cannot even compare a number beyond its range."""
    if field.data is not None and not 0 < field.data <= MAX_ID:
        raise ValidationError("Not a known record: open this form again from where you started.")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices (WTForms 3.3 deprecates tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def add_error(field, message: str) -> bool:
    """Put a message beside a field from a form-level check; always False (invalid).

    Cross-field checks live in `validate()` because Optional() ends a blank field's own
    validators before they run.
    """
    field.errors = [*field.errors, message]  # a tuple until the field is validated
    return False


def coordinates_pair_ok(latitude, longitude) -> bool:
    """Latitude and longitude come together or not at all; the error goes on longitude."""
    if (latitude.data is None) != (longitude.data is None) and not (
        latitude.errors or longitude.errors
    ):
        return add_error(longitude, "Give both latitude and longitude, or neither.")
    return True


def csrf_expired(form) -> bool:
    """Whether the form failed only for want of a valid CSRF token (an expired page)."""
    return bool(form.errors.get("csrf_token"))


def notes_field(label: str = "Notes (optional)", max_len: int = 5000) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=max_len), no_control_chars],
        filters=[strip_filter],
    )


def idempotency_field() -> HiddenField:
    """A random key per rendered form: the server makes one record per key."""
    return HiddenField(
        validators=[DataRequired(), Regexp(r"^[A-Za-z0-9-]{8,64}$")],
        default=lambda: uuid.uuid4().hex,
    )


def coordinate_field(label: str, limit: int) -> FloatField:
    """A latitude (limit 90) or longitude (limit 180), optional, typed on a phone."""
    return FloatField(
        label,
        validators=[
            Optional(),
            finite,
            NumberRange(min=-limit, max=limit, message=f"From -{limit} to {limit}."),
        ],
        render_kw={"inputmode": "decimal"},
    )


def text(label: str, max_len: int, required: str | None = None, **kw) -> StringField:
    validators = [DataRequired(message=required)] if required else [Optional()]
    return StringField(
        label,
        validators=[*validators, Length(max=max_len), no_control_chars],
        filters=[strip_filter],
        **kw,
    )


def phone_chars(form, field):
    if field.data and not all(c.isdigit() or c in " +-().x" for c in field.data):
        raise ValidationError("Use digits, spaces and + - ( ) only.")


def to_units(value: Decimal | None, scale: int) -> int | None:
    """Decimal dollars or hours to integer cents or tenths, rounded half-up."""
    if value is None:
        return None
    return int((value * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# How far from the agency's today a date may lie, in days (back, ahead). Something a
# person did happened within the last year (a few days ahead allows for a clock or a
# trip logged ahead of a weekend); a date something is needed by may be two years ahead.
DONE_WINDOW = (365, 3)
NEEDED_BY_WINDOW = (365, 730)
# A person's work history reaches back a working life, not further.
HISTORY_WINDOW = (60 * 365, 3)


def date_window_problem(day: date, window: tuple[int, int]) -> str:
    """Why a date lies outside the window around the agency's today, or ""."""
    today = agency_today()
    first, last = today - timedelta(days=window[0]), today + timedelta(days=window[1])
    if first <= day <= last:
        return ""
    return f"Enter a date from {format_date(first)} to {format_date(last)}."


def within_window(window: tuple[int, int]):
    """A validator: the date lies in the window. A stored date left as it was (editing an
    older record) is not judged again."""

    def check(form, field):
        if field.data is None or field.data == field.object_data:
            return
        day = field.data.date() if isinstance(field.data, datetime) else field.data
        if problem := date_window_problem(day, window):
            raise ValidationError(problem)

    return check


def exists_locally(form, field):
    """A validator for a time typed in the agency's zone: refuse one that the clocks
    skipped in spring (it would be stored an hour off). A repeated fall hour is real."""
    if problem := missing_local_time(field.data, current_agency().timezone):
        raise ValidationError(problem)


def number_field(
    label: str, places: int, low: float, high: float, message: str, required: str = "", **kw
) -> DecimalField:
    """A number typed on the phone's decimal pad: optional (or `required`, with that
    message), finite, and from `low` to `high` (else `message` beside the field)."""
    return DecimalField(
        label,
        places=places,
        validators=[
            InputRequired(message=required) if required else Optional(),
            finite,
            NumberRange(min=low, max=high, message=message),
        ],
        render_kw={"inputmode": "decimal"},
        **kw,
    )


def wage_field() -> DecimalField:
    """A job's hourly wage in dollars, optional: above $0 and up to $500 (a job or a lead
    paying nothing, or a typo's thousands, is refused beside the field)."""
    return number_field(
        "Hourly wage, $ (optional)", 2, 0.01, 500, "Enter a wage above $0, up to $500 an hour."
    )


def weekly_hours_field() -> DecimalField:
    """A job's hours a week, optional, in tenths: 0.1 to 80."""
    return number_field("Hours a week (optional)", 1, 0.1, 80, "Enter 0.1 to 80 hours.")
