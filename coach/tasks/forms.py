from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from coach.forms import (
    Form,
    idempotency_field,
    no_control_chars,
    notes_field,
    record_id,
    strip_filter,
    text,
)
from coach.models import STRATEGIES
from coach.plans.forms import ObjectiveField

MAX_STEPS = 60
STRATEGY_CHOICES = {key: label.split(":")[0] for key, label in STRATEGIES.items()}


def step_lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class TaskForm(Form):
    title = text("Task", 160, "Name the task, e.g. Roll silverware.")
    placement_id = SelectField("Job", coerce=int, validators=[Optional()])
    objective_id = ObjectiveField()
    template_id = SelectField(
        "Start from the library (optional)",
        coerce=int,
        validators=[Optional()],
        description="Copies the library's steps; you can change them afterwards.",
    )
    steps = TextAreaField(
        "Steps, one per line",
        validators=[Optional(), Length(max=12000), no_control_chars],
        description="In the order they are done. Leave empty when copying from the library.",
    )
    strategy = SelectField("Prompting strategy", choices=STRATEGY_CHOICES)
    mastery_percent = IntegerField(
        "Mastery: percent independent",
        default=100,
        validators=[
            InputRequired(message="Enter a percentage."),
            NumberRange(min=1, max=100, message="From 1 to 100."),
        ],
    )
    mastery_runs = IntegerField(
        "…on this many runs in a row",
        default=3,
        validators=[
            InputRequired(message="Enter a number of runs."),
            NumberRange(min=1, max=20, message="From 1 to 20."),
        ],
    )

    def validate_steps(self, field):
        lines = step_lines(field.data)
        if len(lines) > MAX_STEPS:
            raise ValidationError(f"At most {MAX_STEPS} steps.")
        if any(len(line) > 300 for line in lines):
            raise ValidationError("Keep each step under 300 characters.")

    def validate(self, extra_validators=None) -> bool:
        """A new task needs steps: typed, or copied from the library."""
        if not super().validate(extra_validators):
            return False
        if self.steps is not None and not self.template_id.data and not step_lines(self.steps.data):
            self.steps.errors.append("Type the steps, or pick a task from the library.")
            return False
        return True


class TaskSettingsForm(TaskForm):
    template_id = None
    steps = None


class StepForm(Form):
    text = StringField(
        "Step",
        validators=[InputRequired(message="Describe the step."), Length(max=300), no_control_chars],
        filters=[strip_filter],
    )


class StartRunForm(Form):
    idempotency_key = idempotency_field()
    visit_id = IntegerField(validators=[Optional(), record_id])


class RunNoteForm(Form):
    note = notes_field("Note on this run (optional)", max_len=1000)


class TemplateForm(Form):
    title = text("Task", 160, "Name the task.")
    strategy = SelectField("Prompting strategy", choices=STRATEGY_CHOICES)
    steps = TextAreaField(
        "Steps, one per line",
        validators=[
            InputRequired(message="List the steps, one per line."),
            Length(max=12000),
            no_control_chars,
        ],
    )

    validate_steps = TaskForm.validate_steps
