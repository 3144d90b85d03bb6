"""WTForms' messages for what a field cannot read, in words that say what to type."""

from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from coach.forms import Form


class Sample(Form):
    class Meta:
        csrf = False

    miles = DecimalField("Miles")
    steps = IntegerField("Steps", validators=[NumberRange(min=1, max=40)])
    day = DateField("Day")
    kind = SelectField("Kind", choices=[SelectChoice("a", "A")])
    code = StringField("Code", validators=[Length(max=3)])
    pin = StringField("PIN", validators=[Length(min=1, max=1)])
    name = StringField("Name", validators=[InputRequired()])


def errors(app, **data):
    with app.test_request_context():
        form = Sample(formdata=MultiDict(data))
        form.validate()
        return {name: messages[0] for name, messages in form.errors.items()}


def test_a_value_a_field_cannot_read_says_what_to_type(app):
    found = errors(
        app, miles="ten", steps="x", day="soon", kind="z", code="abcd", pin="12", name="Ann"
    )
    assert found == {
        "miles": "Enter a number, like 12.5.",
        "steps": "Enter a whole number, like 4.",
        "day": "Enter a date, like 2026-11-02.",
        "kind": "Choose one of the options shown.",
        "code": "Use at most 3 characters.",
        "pin": "Use exactly 1 character.",
    }


def test_a_rule_names_its_numbers_and_a_missing_value_asks_for_it(app):
    found = errors(app, miles="1", steps="41", day="2026-11-02", kind="a", code="", pin="")
    assert found["steps"] == "Enter a number from 1 to 40."
    assert found["name"] == "Fill in this field."
    assert found["pin"] == "Use exactly 1 character."
