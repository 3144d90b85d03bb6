from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from coach.forms import within_window

# How far back the figures may reach, and a few days ahead (as other dates).
PERIOD_WINDOW = (20 * 365, 3)


class OutcomesFilter(FlaskForm):
    """The outcomes page's filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    coach = SelectField("Coach", coerce=int, validators=[Optional()])
    start = DateField("From", validators=[Optional(), within_window(PERIOD_WINDOW)])
    end = DateField("To", validators=[Optional(), within_window(PERIOD_WINDOW)])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end is before the start.")
