"""Plan forms: one small form per thing (the plan's dates, a goal, an objective, an action
step) and the person's signature. Dates are checked against the plan's start."""

from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
)

from coach.agency import agency_today
from coach.forms import (
    DONE_WINDOW,
    NEEDED_BY_WINDOW,
    Form,
    add_error,
    idempotency_field,
    no_control_chars,
    options,
    strip_filter,
    within_window,
)
from coach.forms import (
    text as text_field,
)
from coach.models import ACTION_WHO
from coach.timeutil import format_date


def plan_text(label: str, required: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        filters=[strip_filter],
        validators=[DataRequired(message=required), Length(max=2000), no_control_chars],
        render_kw={"rows": 3},
    )


def plan_date(label: str, required: str) -> DateField:
    return DateField(
        label, validators=[InputRequired(message=required), within_window(NEEDED_BY_WINDOW)]
    )


def not_before_start(field, start, what: str) -> bool:
    """A date of the plan on or after the plan's start, or a message beside it."""
    if field.data is not None and start is not None and field.data < start and not field.errors:
        return add_error(
            field, f"{what} must be on or after the plan's start, {format_date(start)}."
        )
    return True


class ObjectiveField(SelectField):
    """The plan objective a visit or task serves: one of the client's own objectives
    (choices from coach.plans.services.objective_choices), or none (0)."""

    def __init__(self, label="Plan objective it serves (optional)", **kwargs):
        message = "Choose one of this person's objectives, or None."
        super().__init__(
            label,
            coerce=int,
            validators=[Optional()],
            default=0,
            invalid_choice_message=message,
            invalid_value_message=message,
            **kwargs,
        )


class PlanForm(Form):
    """A plan's start and review dates."""

    idempotency_key = idempotency_field()
    start_date = plan_date("Start date", "Enter the date the plan starts.")
    review_date = plan_date("Review date", "Enter the date to review the plan together.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return not_before_start(self.review_date, self.start_date.data, "The review") and valid


class GoalForm(Form):
    idempotency_key = idempotency_field()
    text = plan_text(
        "Goal", "Write the goal.", "In the person's own words, e.g. 'Work in a kitchen'."
    )


class ObjectiveForm(Form):
    """An objective: measurable, by a target date, serving one of the plan's goals."""

    idempotency_key = idempotency_field()
    goal_id = SelectField(
        "Goal it serves",
        validators=[InputRequired(message="Choose the goal this objective serves.")],
    )
    text = plan_text(
        "Objective",
        "Write the objective.",
        "Measurable: what, how much or how often, e.g. 'Arrives on time for 4 of 5 shifts'.",
    )
    target_date = plan_date("Target date", "Enter the target date.")

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.start = plan.start_date
        goals = [(str(goal.id), goal.text[:60]) for goal in plan.goals]
        self.goal_id.choices = options([("", "Choose a goal"), *goals])
        if not goals:
            self.goal_id.description = "This plan has no goal yet: add a goal first."

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.goal_id.errors and len(self.goal_id.choices) == 1:
            self.goal_id.errors = ["Add a goal first: every objective serves a goal."]
        return not_before_start(self.target_date, self.start, "The target date") and valid


class ActionStepForm(Form):
    """An action step: who does what, by when, and when it was done."""

    idempotency_key = idempotency_field()
    text = plan_text("Action step", "Write what will be done.")
    who = RadioField(
        "Who does it",
        choices=options(ACTION_WHO.items()),
        default="person",
        validators=[InputRequired(message="Pick who does it.")],
    )
    who_name = text_field("Their name, if someone else", 120)
    due_date = plan_date("Due date", "Enter the due date.")
    done_on = DateField("Done on (optional)", validators=[Optional(), within_window(DONE_WINDOW)])

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.start = plan.start_date

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.who.data == "other" and not self.who_name.data:
            valid = add_error(self.who_name, "Name who does it.")
        return not_before_start(self.due_date, self.start, "The due date") and valid


class SignPlanForm(Form):
    """The person's signature: consent, typed name, date; and the fingerprint of the
    document they were shown."""

    document_sha256 = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    signer_name = text_field("Your full name (your signature)", 120, "Type your full name to sign.")
    signed_on = DateField("Today's date", validators=[InputRequired(message="Enter today's date.")])
    consent = BooleanField(
        "I agree to sign electronically",
        validators=[DataRequired(message="Tick the box to sign electronically.")],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        today = agency_today()
        if self.signed_on.data is not None and self.signed_on.data != today:
            return add_error(self.signed_on, f"Enter today's date, {format_date(today)}.")
        return valid
