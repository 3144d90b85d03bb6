from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from coach.forms import Form, within_window

# How far back the figures may reach, and a few days ahead (as other dates).
PERIOD_WINDOW = (20 * 365, 3)


class OutcomesFilter(Form):
    """The outcomes page's dates, read from the query string (a GET form: no CSRF). The
    coach is chosen with the lists' coach search (clients/_coach_picker.html)."""

    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional(), within_window(PERIOD_WINDOW)])
    end = DateField("To", validators=[Optional(), within_window(PERIOD_WINDOW)])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end is before the start.")
