"""Forms of the monthly progress report."""

from wtforms import EmailField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from coach.forms import Form, add_error, idempotency_field, no_control_chars, strip_filter, text


def long_text(label: str, required: str, description: str) -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        filters=[strip_filter],
        validators=[Optional(), Length(max=4000), no_control_chars],
        render_kw={"rows": 6},
    )


class StartForm(Form):
    """Start the report of a month (this one or one of the three before)."""

    idempotency_key = idempotency_field()
    month = SelectField("Month", validators=[DataRequired(message="Choose the month.")])


class ReportForm(Form):
    summary = long_text(
        "Summary of the month",
        "",
        "How the month went: progress, what helped, what got in the way.",
    )
    next_focus = long_text(
        "Focus for next month", "", "What the person and the coach will work on next."
    )
    funder_id = SelectField("Addressed to", coerce=int, validators=[Optional()], default=0)


class ReturnForm(Form):
    comment = text("What to change", 1000, "Say what the coach should change.")


class ShareForm(Form):
    idempotency_key = idempotency_field()
    contact_name = text("Counsellor's name", 120, "Enter the counsellor's name.")
    contact_email = EmailField(
        "Counsellor's email (optional)",
        validators=[
            Optional(),
            Email(message="Enter an email like name@example.org."),
            Length(max=254),
        ],
        filters=[strip_filter],
    )
    how = RadioField(
        "How to send it",
        choices={"email": "Email the link", "show": "Show a QR code or copy the link"},
        default="email",
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (
            self.how.data == "email"
            and not self.contact_email.data
            and not self.contact_email.errors
        ):
            return add_error(self.contact_email, "Enter the email to send the link to.")
        return valid
