import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import EmailField, FloatField, SelectField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from coach.auth.services import normalize_email
from coach.clients.forms import text
from coach.extensions import db
from coach.forms import coordinates_pair_ok, finite, strip_filter
from coach.models import ROLES, User
from coach.timeutil import timezone_choices


class UserForm(FlaskForm):
    name = text("Name", 120, "Enter the person's name.")
    email = EmailField(
        "Email (their login)",
        validators=[
            DataRequired(message="Enter an email."),
            Email(message="Enter an email like name@example.org."),
            Length(max=254),
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField("Role", choices=ROLES)

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def validate_email(self, field):
        existing = db.session.scalar(
            sa.select(User.id).where(User.email == normalize_email(field.data))
        )
        if existing and (self._user is None or existing != self._user.id):
            raise ValidationError("Another account already uses this email.")


class AgencySettingsForm(FlaskForm):
    name = text("Agency name", 120, "Name your agency.")
    timezone = SelectField("Time zone", description="Times are shown in this zone.")
    office_address = text("Office address (optional)", 300)
    office_latitude = FloatField(
        "Office latitude (optional)",
        validators=[Optional(), finite, NumberRange(min=-90, max=90, message="From -90 to 90.")],
        render_kw={"inputmode": "decimal"},
    )
    office_longitude = FloatField(
        "Office longitude (optional)",
        validators=[
            Optional(),
            finite,
            NumberRange(min=-180, max=180, message="From -180 to 180."),
        ],
        render_kw={"inputmode": "decimal"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = {z: z for z in timezone_choices()}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return coordinates_pair_ok(self.office_latitude, self.office_longitude) and valid
