import sqlalchemy as sa
from wtforms import EmailField, IntegerField, SelectField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from coach.auth.services import normalize_email
from coach.extensions import db
from coach.forms import Form, coordinate_field, coordinates_pair_ok, strip_filter, text
from coach.models import ROLES, TWO_FACTOR_POLICIES, User
from coach.timeutil import timezone_choices


class UserForm(Form):
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


class AgencySettingsForm(Form):
    name = text("Agency name", 120, "Name your agency.")
    timezone = SelectField("Time zone", description="Times are shown in this zone.")
    office_address = text("Office address (optional)", 300)
    office_latitude = coordinate_field("Office latitude (optional)", 90)
    office_longitude = coordinate_field("Office longitude (optional)", 180)

    unit_threshold_minutes = IntegerField(
        "Billing: a 15-minute unit counts from this many minutes",
        default=8,
        description="8 is the common rule: 7 minutes bill nothing, 8 bill one unit.",
        validators=[
            InputRequired(message="Enter minutes."),
            NumberRange(min=1, max=15, message="From 1 to 15."),
        ],
    )
    onsite_radius_m = IntegerField(
        "A visit counts as at the worksite within (metres)",
        default=250,
        validators=[
            InputRequired(message="Enter metres."),
            NumberRange(min=10, max=5000, message="From 10 to 5,000."),
        ],
    )

    weekly_contact_target = IntegerField(
        "Employer contacts a coach aims for each week",
        default=6,
        description="IPS asks for at least six. The home page counts each coach's week.",
        validators=[
            InputRequired(message="Enter a number."),
            NumberRange(min=1, max=50, message="From 1 to 50."),
        ],
    )
    weekly_contact_weeks = IntegerField(
        "Follow-along: weekly contact for the first (weeks of a job)",
        default=4,
        validators=[
            InputRequired(message="Enter weeks."),
            NumberRange(min=0, max=52, message="From 0 to 52."),
        ],
    )
    later_contact_days = IntegerField(
        "Follow-along: then a contact every (days)",
        default=30,
        description="30 or more: the no-contact-in-30-days outreach takes over.",
        validators=[
            InputRequired(message="Enter days."),
            NumberRange(min=1, max=90, message="From 1 to 90."),
        ],
    )

    require_two_factor = SelectField(
        "Two-step login (password + code from an app)",
        choices=TWO_FACTOR_POLICIES,
        description="When required, people without it are asked to set it up at their next page.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = {z: z for z in timezone_choices()}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return coordinates_pair_ok(self.office_latitude, self.office_longitude) and valid
