"""Form pieces shared across areas."""

import math
import uuid
from decimal import ROUND_HALF_UP, Decimal

from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, PasswordField, SelectChoice, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from coach.passwords import password_problem


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
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
