"""The career profile's forms: one small form per section, and a work history entry."""

from dataclasses import dataclass

from wtforms import BooleanField, DateField, SelectField
from wtforms.fields.core import UnboundField
from wtforms.validators import Optional, ValidationError

from coach.forms import (
    DONE_WINDOW,
    HISTORY_WINDOW,
    NEEDED_BY_WINDOW,
    Form,
    add_error,
    idempotency_field,
    notes_field,
    number_field,
    options,
    text,
    within_window,
)
from coach.models import DISCLOSURE_CHOICES, FAMILY_PERMISSION, TRAVEL_TRAINING


def _date(label: str, window: tuple[int, int]) -> DateField:
    return DateField(label, validators=[Optional(), within_window(window)])


class WorkForm(Form):
    kinds_of_work = notes_field("Kinds of work they want", 2000)
    wanted_hours = number_field(
        "Hours a week they want (optional)", 1, 1, 80, "Enter 1 to 80 hours a week."
    )
    shifts = text("Shifts they can work (optional)", 200, description="e.g. weekday mornings")
    settings_to_avoid = notes_field("Settings to avoid (optional)", 2000)


class StrengthsForm(Form):
    strengths = notes_field("Strengths", 2000)
    skills = notes_field("Skills", 2000)


class EducationForm(Form):
    education = notes_field("Education and training", 2000)


class BarriersForm(Form):
    barriers = notes_field("Barriers to work", 2000)
    supports = notes_field("Supports that help", 2000)


class TransportForm(Form):
    transport = text("How they get to work (optional)", 300, description="e.g. bus 14, a ride")
    travel_training = SelectField("Travel training", choices=options(TRAVEL_TRAINING.items()))


class BenefitsForm(Form):
    ssi = BooleanField("SSI")
    ssdi = BooleanField("SSDI")
    medicaid = BooleanField("Medicaid")
    snap = BooleanField("SNAP")
    housing = BooleanField("Housing assistance")
    benefits_referral_on = _date("Referred to benefits counselling on (optional)", DONE_WINDOW)
    benefits_result = notes_field("What the benefits counselling found (optional)", 2000)
    reports_earnings_monthly = BooleanField("Reports earnings every month")
    earnings_report_due = _date(
        "Next earnings report due (if they report monthly)", NEEDED_BY_WINDOW
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        due = self.earnings_report_due
        if self.reports_earnings_monthly.data and due.data is None and not due.errors:
            return add_error(due, "Enter when the next report is due, for Today.")
        return valid


class DisclosureForm(Form):
    disclosure = SelectField(
        "What they agreed to tell employers",
        choices=options(DISCLOSURE_CHOICES.items()),
        description="Only this is ever shown to an employer.",
    )
    disclosure_reasons = notes_field("Their reasons (optional)", 2000)
    disclosure_agreed_on = _date("Date they agreed (optional)", DONE_WINDOW)


class FamilyForm(Form):
    family_permission = SelectField(
        "May we involve their family?", choices=options(FAMILY_PERMISSION.items())
    )
    family_names = text("Whom (optional)", 300, description="Names and how they are related")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        names = self.family_names
        if self.family_permission.data == "yes" and not names.data and not names.errors:
            return add_error(names, "Name whom we may involve.")
        return valid


@dataclass(frozen=True)
class Section:
    title: str
    form: type[Form]
    private: tuple[str, ...] = ()  # free text about the person: audited by name only

    @property
    def fields(self) -> list[str]:
        return [name for name, value in vars(self.form).items() if isinstance(value, UnboundField)]


SECTIONS: dict[str, Section] = {
    "work": Section("Work preferences", WorkForm, ("kinds_of_work", "settings_to_avoid")),
    "strengths": Section("Strengths and skills", StrengthsForm, ("strengths", "skills")),
    "education": Section("Education", EducationForm, ("education",)),
    "barriers": Section("Barriers and supports", BarriersForm, ("barriers", "supports")),
    "transport": Section("Transport", TransportForm, ("transport",)),
    "benefits": Section("Benefits", BenefitsForm, ("benefits_result",)),
    "disclosure": Section("Disclosure", DisclosureForm, ("disclosure_reasons",)),
    "family": Section("Family", FamilyForm, ("family_names",)),
}


class PastJobForm(Form):
    """One job in the person's work history."""

    idempotency_key = idempotency_field()
    employer_name = text("Employer", 160, "Enter the employer.")
    job_title = text("Job", 160, "Enter the job.")
    started_on = _date("Started (optional)", HISTORY_WINDOW)
    ended_on = _date("Ended (optional)", HISTORY_WINDOW)
    why_ended = text("Why it ended (optional)", 300)

    def validate_ended_on(self, field):
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError("The end is before the start.")


PAST_JOB_FIELDS = ["employer_name", "job_title", "started_on", "ended_on", "why_ended"]
