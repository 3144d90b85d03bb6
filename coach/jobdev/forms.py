from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectMultipleField
from wtforms.validators import InputRequired, Optional, StopValidation, ValidationError

from coach.extensions import db
from coach.forms import (
    Form,
    add_error,
    idempotency_field,
    notes_field,
    options,
    record_id,
    text,
    within_window,
)
from coach.models import CONTACT_METHODS, CONTACT_PURPOSES, Employer

# A contact happened within the last year, and not later than today; its next step
# falls from a few weeks back (noted late) to a year ahead.
CONTACT_WINDOW = (365, 0)
NEXT_STEP_WINDOW = (60, 365)


class ClientsField(SelectMultipleField):
    """Checkboxes of job seekers, with a plain message for one who is not (or no longer)
    on the user's active caseload."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise StopValidation(
                "One of these clients is not on your active caseload any more: check the list."
            ) from None


class ContactForm(Form):
    idempotency_key = idempotency_field()
    employer_name = text(
        "Employer",
        160,
        render_kw={"autocomplete": "off", "enterkeyhint": "search"},
        description="Type a name: pick a match, or save to add it as a new prospect.",
    )
    # The match picked from the search (a radio per match); 0 or none: go by the name.
    employer_id = IntegerField(validators=[Optional(), record_id], widget=HiddenField.widget)
    contact_date = DateField(
        "Date",
        validators=[InputRequired(message="Enter the date."), within_window(CONTACT_WINDOW)],
    )
    method = RadioField("How", choices=options(CONTACT_METHODS.items()), default="in_person")
    purpose = RadioField(
        "Purpose", choices=options(CONTACT_PURPOSES.items()), default="learn_needs"
    )
    person_met = text("Person met (optional)", 120, render_kw={"list": "people"})
    client_ids = ClientsField("Job seekers discussed (optional)", coerce=int)
    note = notes_field("Short note (optional)", 1000)
    next_step = text("Next step (optional)", 300)
    next_step_date = DateField(
        "Next step by (optional)", validators=[Optional(), within_window(NEXT_STEP_WINDOW)]
    )

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.clients = list(clients)
        self.client_ids.choices = options((c.id, c.display_name) for c in self.clients)

    def validate_client_ids(self, field):
        by_id = {c.id: c for c in self.clients}
        chosen = [by_id[i] for i in field.data or () if i in by_id]
        private = [c.display_name for c in chosen if not c.may_be_named_to_employers]
        if private:
            raise ValidationError(
                f"{', '.join(private)} chose not to disclose — not named to employers."
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.employer_id.errors or self.employer_name.errors:
            return False
        if self.employer_id.data:
            if db.session.get(Employer, self.employer_id.data) is None:
                return add_error(self.employer_name, "That employer is gone: pick one again.")
        elif not self.employer_name.data:
            return add_error(self.employer_name, "Type the employer's name, or pick one.")
        return valid
