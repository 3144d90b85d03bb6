from decimal import ROUND_HALF_UP, Decimal

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from coach.forms import (
    DONE_WINDOW,
    Form,
    add_error,
    finite,
    idempotency_field,
    notes_field,
    number_field,
    record_id,
    text,
    within_window,
)
from coach.mileage.services import rate_starts_on


def tenths(label: str, max_value: int, **kw) -> DecimalField:
    return number_field(label, 1, 0, max_value, f"From 0 to {max_value:,}.", **kw)


def fix(label: str, low: float, high: float) -> FloatField:
    return FloatField(
        label,
        validators=[Optional(), finite, NumberRange(min=low, max=high)],
        widget=HiddenField.widget,
    )


class TripForm(Form):
    idempotency_key = idempotency_field()
    visit_id = IntegerField(validators=[Optional(), record_id], widget=HiddenField.widget)
    trip_date = DateField(
        "Date", validators=[InputRequired(message="Enter the date."), within_window(DONE_WINDOW)]
    )
    purpose = text(
        "Business purpose",
        300,
        "Say what the trip was for.",
        description="e.g. Drove Rosa to her interview at Green Valley Grocery",
    )
    client_id = SelectField("Client transported (optional)", coerce=int, validators=[Optional()])
    origin = text(
        "From",
        300,
        "Where did the trip start?",
        render_kw={"list": "places", "autocomplete": "off"},
    )
    destination = text(
        "To", 300, "Where did it go?", render_kw={"list": "places", "autocomplete": "off"}
    )
    odometer_start = tenths("Odometer at the start", 9_999_999)
    odometer_end = tenths("Odometer at the end", 9_999_999)
    miles = tenths(
        "…or miles driven", 2000, description="Leave empty if you gave odometer readings."
    )
    round_trip = BooleanField("Round trip (doubles the miles entered above)")
    vehicle = text("Vehicle (optional)", 120)
    notes = notes_field(max_len=2000)
    start_lat, start_lng = fix("", -90, 90), fix("", -180, 180)
    end_lat, end_lng = fix("", -90, 90), fix("", -180, 180)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        numbers = (self.trip_date, self.odometer_start, self.odometer_end, self.miles)
        if any(field.errors for field in numbers):
            return False  # the cross-checks need sound numbers
        problem = self._distance_problem()
        if problem:
            return add_error(*problem)
        return valid

    def _distance_problem(self):
        """(field, message) for dates and distances that cannot be right, else None."""
        start, end, miles = self.odometer_start.data, self.odometer_end.data, self.miles.data
        if (start is None) != (end is None):
            return self.odometer_end, "Give both odometer readings, or neither."
        if start is not None:
            if end <= start:
                return self.odometer_end, "The end reading is below the start reading."
            if end - start > 2000:
                return self.odometer_end, "That is more than 2,000 miles: check the readings."
            miles, field = end - start, self.odometer_end
        elif not miles:
            return self.miles, "Enter the miles, or the odometer readings."
        else:
            field = self.miles
        # Miles are kept to a tenth: less than 0.1 mile is nothing to claim.
        if miles.quantize(Decimal("0.1"), ROUND_HALF_UP) <= 0:
            return field, "The trip must be at least 0.1 mile."
        return None


class ReturnForm(Form):
    comment = text("What needs fixing", 1000, "Say what the coach should fix.")


class ExportForm(Form):
    start = DateField("From", validators=[InputRequired(message="Enter the first day.")])
    end = DateField("To", validators=[InputRequired(message="Enter the last day.")])
    # Chosen with the coach search above the form (clients/_coach_picker.html); empty,
    # or 0 from a page opened before the search, is every coach.
    coach = IntegerField(
        widget=HiddenField.widget,
        filters=[lambda id: id or None],
        validators=[Optional(), record_id],
    )
    fmt = RadioField("File", choices={"csv": "CSV", "xlsx": "Excel (XLSX)"}, default="xlsx")
    client_names = BooleanField("Show client names (default: a client reference only)")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.end.data < self.start.data:
            return add_error(self.end, "The last day is before the first.")
        return valid


class RateForm(Form):
    effective_from = DateField("In force from", validators=[InputRequired(message="Enter a date.")])
    cents_per_mile = number_field(
        "Cents per mile",
        1,
        0,
        500,
        "From 0 to 500 cents.",
        required="Enter the rate in cents, e.g. 72.5.",
    )

    def validate_effective_from(self, field) -> None:
        if rate_starts_on(field.data):
            raise ValidationError("A rate already starts on that day.")
