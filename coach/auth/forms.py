from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from coach.forms import Form, new_password_fields, no_control_chars, strip_filter


class LoginForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired(message="Enter your email."), Length(max=254)],
        filters=[strip_filter],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


class FirstRunForm(Form):
    agency_name = StringField(
        "Agency name",
        validators=[DataRequired(message="Name your agency."), Length(max=120), no_control_chars],
        filters=[strip_filter],
    )
    name = StringField(
        "Your name",
        validators=[DataRequired(message="Enter your name."), Length(max=120), no_control_chars],
        filters=[strip_filter],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        "Your email",
        validators=[
            DataRequired(message="Enter your email."),
            Email(message="Enter an email address like name@example.org."),
            Length(max=254),
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "username"},
    )
    password, confirm = new_password_fields()
    submit = SubmitField("Create admin account")


def current_password_field():
    return PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password."), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(Form):
    current = current_password_field()
    password, confirm = new_password_fields()
    submit = SubmitField("Change password")


class CodeForm(Form):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=40)],
        filters=[strip_filter],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none"},
    )


class EnrolForm(Form):
    current = current_password_field()
    code = StringField(
        "The 6-digit code your app shows",
        validators=[DataRequired(message="Enter the code from your app."), Length(max=40)],
        filters=[strip_filter],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordConfirmForm(Form):
    current = current_password_field()


class ChangeEmailForm(Form):
    email = EmailField(
        "New email (your login)",
        validators=[
            DataRequired(message="Enter your new email."),
            Email(message="Enter an email address like name@example.org."),
            Length(max=254),
        ],
        filters=[strip_filter],
        render_kw={"autocomplete": "username"},
    )
    current = current_password_field()


class DigestForm(Form):
    weekly_digest = BooleanField("Email me on Monday mornings what is overdue and due that week")
