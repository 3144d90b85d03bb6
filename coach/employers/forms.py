from wtforms import EmailField, StringField
from wtforms.validators import Email, Length, Optional

from coach.forms import (
    Form,
    coordinate_field,
    coordinates_pair_ok,
    idempotency_field,
    notes_field,
    phone_chars,
    strip_filter,
    text,
)


def email_field(label: str) -> EmailField:
    return EmailField(
        label,
        validators=[
            Optional(),
            Email(message="Enter an email like name@example.org."),
            Length(max=254),
        ],
        filters=[strip_filter],
    )


def phone_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[Optional(), Length(max=40), phone_chars],
        filters=[strip_filter],
        render_kw={"inputmode": "tel"},
    )


class EmployerForm(Form):
    name = text("Business name", 160, "Enter the business name.")
    contact_name = text("Contact person (optional)", 120)
    contact_title = text("Contact's job title (optional)", 120)
    contact_email = email_field("Contact email (optional)")
    contact_phone = phone_field("Contact phone (optional)")
    notes = notes_field()
    needs = notes_field("What the business needs (optional)", 2000)
    hiring_seasons = text(
        "Hiring seasons (optional)", 300, description="e.g. hires for the holidays in October"
    )


class PersonForm(Form):
    """One of an employer's contact people."""

    idempotency_key = idempotency_field()
    name = text("Name", 120, "Enter the person's name.")
    title = text("Job title (optional)", 120)
    phone = phone_field("Phone (optional)")
    email = email_field("Email (optional)")


class NewEmployerForm(EmployerForm):
    address = text(
        "Address of the worksite (optional)",
        300,
        description="Adds the first worksite; add more later.",
    )


class WorksiteForm(Form):
    name = text("Worksite name", 160, "Name the worksite, e.g. Main Street store.")
    address = text("Address (optional)", 300)
    latitude = coordinate_field("Latitude (optional)", 90)
    longitude = coordinate_field("Longitude (optional)", 180)

    def validate(self, extra_validators=None) -> bool:
        # Optional() stops a blank field's own validators, so the pair is checked here.
        valid = super().validate(extra_validators)
        return coordinates_pair_ok(self.latitude, self.longitude) and valid
