"""The note review's forms: a return's comment, and an addendum to an approved note."""

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from coach.forms import Form, idempotency_field, no_control_chars, strip_filter


class ReturnForm(Form):
    comment = TextAreaField(
        "What needs fixing",
        validators=[
            DataRequired(message="Say what the coach should fix."),
            Length(max=1000),
            no_control_chars,
        ],
        filters=[strip_filter],
    )


class AddendumForm(Form):
    idempotency_key = idempotency_field()  # a double tap adds one addendum
    text = TextAreaField(
        "Addendum",
        validators=[
            DataRequired(message="Write what to add to the note."),
            Length(max=5000),
            no_control_chars,
        ],
        filters=[strip_filter],
    )
