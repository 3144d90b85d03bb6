from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from coach.forms import Form, idempotency_field, number_field, text
from coach.milestones.services import days_taken, milestone_claimed
from coach.models.milestones import MAX_DAYS


class MilestoneForm(Form):
    idempotency_key = idempotency_field()
    name = text("Name", 120, "Enter the milestone's name.", description="e.g. 30 days employed")
    days = IntegerField(
        "Days after the job start",
        description="0 for the placement itself",
        validators=[
            InputRequired(message="Enter the number of days (0 for the placement)."),
            NumberRange(min=0, max=MAX_DAYS, message=f"From 0 to {MAX_DAYS} days."),
        ],
        render_kw={"inputmode": "numeric"},
    )
    amount = number_field("Amount, $ (optional)", 2, 0, 100_000, "From $0 to $100,000.")
    # Its choices (coach.milestones.services.service_options) refuse any other value.
    service_type_id = SelectField("Billed as (optional)", coerce=int, default=0)

    def __init__(self, *args, funder_id: int, milestone=None, user_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.funder_id, self.milestone, self.user_id = funder_id, milestone, user_id

    def validate_service_type_id(self, field) -> None:
        if field.data == 0:
            field.data = None  # "No service type"; other values are checked by the choices

    def validate_days(self, field) -> None:
        old = self.milestone
        if old is not None and field.data != old.days and milestone_claimed(old):
            raise ValidationError("It has been claimed for a job: its days stay as they are.")
        retry_of = (self.user_id, self.idempotency_key.data) if old is None else None
        if days_taken(self.funder_id, field.data, old.id if old else None, retry_of):
            raise ValidationError(f"This funder already has a milestone at {field.data} days.")
