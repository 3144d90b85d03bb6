from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
)

from coach.forms import (
    DONE_WINDOW,
    NEEDED_BY_WINDOW,
    Form,
    add_error,
    idempotency_field,
    no_control_chars,
    notes_field,
    number_field,
    options,
    strip_filter,
    text,
    to_units,
    within_window,
)
from coach.models import DECISIONS, FOLLOW_UP_RESULTS, PAYERS, REQUEST_METHODS


def long_text(label: str, required: str | None = None, description: str = "") -> TextAreaField:
    validators = [DataRequired(message=required)] if required else [Optional()]
    return TextAreaField(
        label,
        description=description,
        filters=[strip_filter],
        validators=[*validators, Length(max=4000), no_control_chars],
    )


def contact_email_field(required: bool = False) -> EmailField:
    first = DataRequired(message="Enter the contact's email.") if required else Optional()
    return EmailField(
        "Employer contact's email" + ("" if required else " (optional)"),
        validators=[first, Email(message="Enter an email like name@example.org."), Length(max=254)],
        filters=[strip_filter],
    )


class RequestForm(Form):
    placement_id = SelectField("Job", coerce=int, validators=[Optional()])
    functional_limitation = long_text(
        "Functional limitation",
        "Describe the functional limitation.",
        "What the person finds hard at work. Shown to the employer only if the client agreed.",
    )
    diagnosis = long_text(
        "Diagnosis (optional)",
        description="Never shown to the employer unless the client chose to share it.",
    )
    job_function = long_text("Job function affected", "Name the job function it affects.")
    accommodation = long_text("Accommodation requested", "Describe the accommodation.")
    alternatives = long_text("Alternatives considered (optional)")
    estimated_cost = number_field(
        "Estimated cost, $ (optional)", 2, 0, 1_000_000, "From 0 to 1,000,000."
    )
    payer = SelectField("Who pays", choices=PAYERS)
    payer_other = text("Who pays, if other", 120)
    date_needed = DateField(
        "Date needed (optional)", validators=[Optional(), within_window(NEEDED_BY_WINDOW)]
    )
    request_date = DateField(
        "Date of the request", validators=[Optional(), within_window(DONE_WINDOW)]
    )
    request_method = SelectField("How the request was made", choices=REQUEST_METHODS)
    contact_name = text("Employer contact (optional)", 120)
    contact_email = contact_email_field()

    def validate(self, extra_validators=None) -> bool:
        # Optional() ends a blank field's own checks, so the pairing is checked here.
        valid = super().validate(extra_validators)
        if self.payer.data == "other" and not self.payer_other.data:
            return add_error(self.payer_other, "Say who pays.")
        return valid


# The request's own fields, copied as they are (blank texts as "", blank dates as None).
REQUEST_FIELDS = [
    "functional_limitation",
    "diagnosis",
    "job_function",
    "accommodation",
    "alternatives",
    "payer",
    "payer_other",
    "date_needed",
    "request_date",
    "request_method",
    "contact_name",
    "contact_email",
]
DATE_FIELDS = ("date_needed", "request_date")


class NewRequestForm(RequestForm):
    idempotency_key = idempotency_field()  # a double tap of Save writes one request


def request_form(client, item=None, today=None) -> RequestForm:
    """The request form, its jobs the client's (read with them). A new request (`today`
    given) is dated today, for the client's current job and its employer's contact."""
    form = RequestForm(obj=item) if item is not None else NewRequestForm()
    form.jobs = {p.id: p for p in client.placements}  # for fill_request
    jobs = [(p.id, f"{p.job_title} at {p.worksite.employer.name}") for p in client.placements]
    form.placement_id.choices = options([*jobs, (0, "No job yet")])
    if form.is_submitted():
        return form
    if item is not None:
        cents = item.estimated_cost_cents
        form.estimated_cost.data = None if cents is None else cents / 100
        form.placement_id.data = item.placement_id or 0
    elif today is not None:
        form.request_date.data = today
        current = next((p for p in client.placements if p.end_date is None), None)
        if current:
            employer = current.worksite.employer
            form.placement_id.data = current.id
            form.contact_name.data = employer.contact_name
            form.contact_email.data = employer.contact_email
    return form


def fill_request(form: RequestForm, item) -> None:
    """Copy the form's values onto the request."""
    for name in REQUEST_FIELDS:
        value = getattr(form, name).data
        setattr(item, name, value if value is not None or name in DATE_FIELDS else "")
    item.estimated_cost_cents = to_units(form.estimated_cost.data, 100)
    # The job itself, not only its id: the employer's document names it, and an edit that
    # changes only the job must read as a new document (and a new version once sent).
    item.placement = form.jobs.get(form.placement_id.data)


class SendForm(Form):
    idempotency_key = idempotency_field()
    contact_name = text("Employer contact's name", 120, "Enter the contact's name.")
    contact_email = contact_email_field()
    how = RadioField(
        "How to send it",
        choices={"email": "Email the link", "show": "Show a QR code or copy the link"},
        default="email",
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.how.data == "email" and not self.contact_email.data:
            return add_error(
                self.contact_email, "Enter the contact's email to send the link by email."
            )
        return valid


class EventForm(Form):
    kind = SelectField(
        "What happened",
        choices={"meeting": "Meeting", "conversation": "Conversation", "note": "Note"},
    )
    occurred_on = DateField(
        "Date", validators=[InputRequired(message="Enter the date."), within_window(DONE_WINDOW)]
    )
    summary = long_text("Summary", "Write what was said or agreed.")


class ImplementedForm(Form):
    implemented_on = DateField(
        "Put in place on",
        validators=[InputRequired(message="Enter the date."), within_window(DONE_WINDOW)],
    )


class FollowUpForm(Form):
    result = RadioField(
        "Does it work?", choices=FOLLOW_UP_RESULTS, validators=[InputRequired(message="Pick one.")]
    )
    notes = notes_field("What the client and employer said (optional)", 2000)


class SignForm(Form):
    consent = BooleanField(
        "I agree to sign electronically",
        validators=[DataRequired(message="Tick the box to sign electronically.")],
    )
    signer_name = StringField(
        "Your full name (your signature)",
        validators=[
            DataRequired(message="Type your full name."),
            Length(max=120),
            no_control_chars,
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "name"},
    )
    signer_title = StringField(
        "Your job title",
        validators=[
            DataRequired(message="Type your job title."),
            Length(max=120),
            no_control_chars,
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "organization-title"},
    )
    decision = RadioField(
        "Your decision", choices=DECISIONS, validators=[InputRequired(message="Pick a decision.")]
    )
    comment = long_text("Comment", description="Required when you approve with changes or decline.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data in ("approved_with_changes", "declined") and not self.comment.data:
            return add_error(
                self.comment, "Please explain the changes or the reason for declining."
            )
        return valid
