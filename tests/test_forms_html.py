from markupsafe import Markup
from wtforms.widgets import core

from coach.forms import ORIGINAL_HTML_PARAMS, html_params


def test_quick_html_params_writes_what_wtforms_writes():
    cases = [
        {"id": "x", "name": "n", "value": 'a"b<c>&', "required": True, "disabled": False},
        {"class_": "c", "data_foo_bar": "1", "aria_describedby": "x-hint", "rows": 3},
        {"value": Markup('already "safe" <b>'), "placeholder": "it's"},
        {"value": None},
        {"value": 0},
        {"value": 1.5},
        {"a<b": "x"},
        {},
    ]
    for kwargs in cases:
        assert html_params(**kwargs) == ORIGINAL_HTML_PARAMS(**kwargs), kwargs
    assert core.html_params is html_params and core.Input.html_params is html_params
