from datetime import timedelta

from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectField
from wtforms.validators import InputRequired, Optional

from coach.agency import current_agency
from coach.forms import (
    DONE_WINDOW,
    Form,
    add_error,
    exists_locally,
    idempotency_field,
    notes_field,
    within_window,
)
from coach.models import CONTACT_KINDS, DIRECTIONS
from coach.timeutil import from_local, utcnow

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class ContactForm(Form):
    idempotency_key = idempotency_field()
    client_id = SelectField(
        "Client", coerce=int, validators=[InputRequired(message="Choose the client.")]
    )
    kind = RadioField(
        "How", choices=CONTACT_KINDS, default="call", validators=[InputRequired("Choose how.")]
    )
    direction = RadioField(
        "Who reached out",
        choices=DIRECTIONS,
        default="out",
        validators=[InputRequired("Say who reached out.")],
    )
    family_permission = BooleanField("The client agreed that I talk with their family")
    with_employer = BooleanField("With the client's employer")
    no_answer = BooleanField("No answer: an outreach attempt")
    happened_at = DateTimeLocalField(
        "When (optional)",
        format=LOCAL_FORMATS,
        validators=[Optional(), exists_locally, within_window(DONE_WINDOW)],
        description="Leave empty for now.",
    )
    note = notes_field("Note (optional)", max_len=2000)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == "family" and not self.family_permission.data:
            return add_error(
                self.family_permission, "Talk with the family only with the client's permission."
            )
        when = self.moment()
        if when is not None and when > utcnow() + timedelta(minutes=5):
            return add_error(self.happened_at, "That time is in the future.")
        return valid

    def moment(self):
        """When it happened, as naive UTC (None: now)."""
        if self.happened_at.errors:
            return None
        return from_local(self.happened_at.data, current_agency().timezone)
