from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import Email, Length, Optional

from coach.forms import (
    coordinate_field,
    coordinates_pair_ok,
    notes_field,
    phone_chars,
    strip_filter,
    text,
)


class EmployerForm(FlaskForm):
    name = text("Business name", 160, "Enter the business name.")
    contact_name = text("Contact person (optional)", 120)
    contact_title = text("Contact's job title (optional)", 120)
    contact_email = EmailField(
        "Contact email (optional)",
        validators=[
            Optional(),
            Email(message="Enter an email like name@example.org."),
            Length(max=254),
        ],
        filters=[strip_filter],
    )
    contact_phone = StringField(
        "Contact phone (optional)",
        validators=[Optional(), Length(max=40), phone_chars],
        filters=[strip_filter],
        render_kw={"inputmode": "tel"},
    )
    notes = notes_field()


class NewEmployerForm(EmployerForm):
    address = text(
        "Address of the worksite (optional)",
        300,
        description="Adds the first worksite; add more later.",
    )


class WorksiteForm(FlaskForm):
    name = text("Worksite name", 160, "Name the worksite, e.g. Main Street store.")
    address = text("Address (optional)", 300)
    latitude = coordinate_field("Latitude (optional)", 90)
    longitude = coordinate_field("Longitude (optional)", 180)

    def validate(self, extra_validators=None) -> bool:
        # Optional() stops a blank field's own validators, so the pair is checked here.
        valid = super().validate(extra_validators)
        return coordinates_pair_ok(self.latitude, self.longitude) and valid
