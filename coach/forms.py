"""Form pieces shared across areas."""

import functools
import math
import uuid
from decimal import Decimal

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import FloatField, HiddenField, PasswordField, SelectChoice, TextAreaField
from wtforms import SelectField as _SelectField
from wtforms.fields.core import Flags
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
from wtforms.widgets import Select
from wtforms.widgets import core as widgets_core

from coach.passwords import password_problem
from coach.web import MAX_ID


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


def record_id(form, field):
    """An id the page put in the form must be one a row can have (1 to MAX_ID): the
    database cannot even compare a number beyond its range."""
    if field.data is not None and not 0 < field.data <= MAX_ID:
        raise ValidationError("Not a known record: open this form again from where you started.")


def html_params(**kwargs) -> Markup:
    """WTForms' html_params, written with f-strings. The original builds each attribute
    with Markup.format, which runs Python's string.Formatter: on the visit form that was
    a quarter of the request. Same output (tests/test_forms_html.py compares them)."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = _attribute_name(key)
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    # Every key and value above went through escape(), which bandit's B704 cannot see.
    return Markup(" ".join(params))  # nosec B704


@functools.cache
def _attribute_name(key: str) -> str:
    """`data_x` → `data-x`, `class_` → `class`: the same few dozen keys on every form."""
    return str(escape(widgets_core.clean_key(key)))


# Every WTForms widget renders through these two names.
ORIGINAL_HTML_PARAMS = widgets_core.html_params
widgets_core.html_params = html_params
widgets_core.Input.html_params = staticmethod(html_params)


def _flag_names(flags) -> list[str]:
    """The flags a field has (required, maxlength…): all are set on the instance."""
    return list(flags.__dict__)


# Each input widget looks for HTML validation attributes with `for k in dir(field.flags)`;
# dir() gathers and sorts the class's thirty-odd dunder names every time, for nothing.
Flags.__dir__ = _flag_names


class QuickSelect(Select):
    """WTForms' select widget, writing a plain option in one f-string: its generic path
    takes about 14 µs an option, and a supervisor's coach filter lists every coach.
    The HTML is the same, attributes in the same (sorted) order."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool | Markup):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        # The value and the label are escaped and `selected` is a literal (bandit B704).
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')  # nosec B704

    def __call__(self, field, **kwargs):
        """Plain choices (what options() makes) are written in one pass: WTForms walks
        them three times a render and wraps each option in two more objects, 30,000
        instructions an option on a 100-coach filter."""
        choices = field.choices
        if self.multiple or not _plain_choices(choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        for key in dir(field.flags):
            if key in self.validation_attrs and key not in kwargs:
                kwargs[key] = getattr(field.flags, key)
        data, coerce = field.data, field.coerce
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in choices:
            selected = "selected " if coerce(choice.value) == data else ""
            label = escape(choice.label or choice.value)
            html.append(f'<option {selected}value="{escape(choice.value)}">{label}</option>')
        html.append("</select>")
        # Every value and label is escaped above; the rest are literals (bandit B704).
        return Markup("".join(html))  # nosec B704

    @classmethod
    def _dispatch_render_option(cls):
        # WTForms inspects render_option's signature on every render, to support an older
        # one; ours has the current signature.
        return cls.render_option


def _plain_choices(choices) -> bool:
    return isinstance(choices, list) and all(
        type(c) is SelectChoice
        and not c.render_kw
        and c.optgroup is None
        and not isinstance(c.value, bool | Markup)
        for c in choices
    )


class SelectField(_SelectField):
    widget = QuickSelect()

    def pre_validate(self, form):
        """WTForms' check that the value is one of the choices, in one pass over plain
        choices (its own builds and wraps each choice again)."""
        choices = self.choices
        if self.process_errors or not self.validate_choice or not _plain_choices(choices):
            return super().pre_validate(form)
        if not any(self.coerce(choice.value) == self.data for choice in choices):
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
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
