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


def test_flags_list_what_wtforms_widgets_look_for(app):
    """dir(field.flags) is shortened to the instance's flags (coach/forms.py): the same
    names WTForms' widgets would find among everything dir() lists."""
    from coach.accommodations.forms import RequestForm
    from coach.mileage.forms import TripForm
    from coach.visits.forms import PastVisitForm

    seen = set()
    with app.test_request_context("/"):
        for form in (PastVisitForm(), TripForm(), RequestForm()):
            for field in form:
                everything = {n for n in object.__dir__(field.flags) if not n.startswith("_")}
                assert set(dir(field.flags)) == everything, field.name
                seen |= everything
    assert {"required", "maxlength"} <= seen  # the comparison saw real flags


def test_checkboxes_macro_writes_what_wtforms_writes(app):
    from werkzeug.datastructures import MultiDict

    from coach.visits.forms import VisitNoteForm

    with app.test_request_context("/"):
        chosen = MultiDict([("tags", "Safety"), ("tags", "Task training")])
        for form in (VisitNoteForm(), VisitNoteForm(formdata=chosen)):
            ours = app.jinja_env.from_string(
                '{% from "macros.html" import checkboxes %}{{ checkboxes(form.tags, "chip") }}'
            ).render(form=form)
            theirs = app.jinja_env.from_string(
                '{% for option in form.tags %}<label class="chip">{{ option() }} '
                "{{ option.label.text }}</label>{% endfor %}"
            ).render(form=form)
            assert "".join(line.strip() for line in ours.splitlines()) == theirs
    assert theirs.count("checked") == 2


def test_quick_select_writes_what_wtforms_writes(app):
    from wtforms import Form, SelectChoice
    from wtforms.widgets import Select

    from coach.forms import SelectField, options

    class Pick(Form):
        coach = SelectField("Coach", coerce=int)
        kind = SelectField(  # an option with attributes: WTForms' own path
            "Kind",
            choices=[
                SelectChoice("a", "A & B"),
                SelectChoice("<b>", '"quoted"'),
                SelectChoice("z", "Z", render_kw={"disabled": True}),
            ],
        )

    cases = [
        options([(0, "All coaches"), (7, "Ann <Coach>"), (9, 'Bo "B" Coach')]),
        options([]),
    ]
    with app.test_request_context("/"):
        for choices in cases:
            for data in (None, 7, 0):
                form = Pick(data={"coach": data, "kind": "<b>"})
                form.coach.choices = choices
                for field in (form.coach, form.kind):
                    for kwargs in ({}, {"aria-describedby": "x-hint"}, {"required": True}):
                        theirs = Select()(field, **kwargs)
                        assert field(**kwargs) == theirs, (field.name, data, kwargs)
        form = Pick(data={"coach": 7})
        form.coach.choices = cases[0]
        assert '<option selected value="7">Ann &lt;Coach&gt;</option>' in form.coach()

    from werkzeug.datastructures import MultiDict

    not_a_choice, not_a_number = ["Not a valid choice."], ["Invalid Choice: could not coerce."]
    for sent, errors in (("7", []), ("0", []), ("8", not_a_choice), ("x", not_a_number)):
        form = Pick(formdata=MultiDict({"coach": sent, "kind": "a"}))
        form.coach.choices = cases[0]
        assert form.validate() is (not errors), sent
        assert form.coach.errors == errors, sent


def test_the_plain_start_visit_form_posts_what_the_wtforms_one_posts(tmp_path):
    """The client page writes a fresh Start form without WTForms (coach/visits/routes.py,
    _panel_forms): the same inputs, names, ids and values as StartVisitForm's."""
    import re

    from flask import render_template

    from coach.visits.forms import StartVisitForm
    from tests.conftest import make_app
    from tests.factories import ensure_agency, make_client, make_user

    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.test_request_context("/"):
        ensure_agency()
        person = make_client(make_user("coach"))
        jobs = [type("Option", (), {"value": 0, "label": "No job site"})()]
        form = StartVisitForm()
        form.placement_id.choices = jobs
        pages = [
            render_template("visits/_visit_panel.html", client=person, visit=None, **extra)
            for extra in ({"form": form}, {"form": None, "jobs": jobs})
        ]

    def inputs(html: str) -> list[tuple]:
        """Each input as its sorted attributes; the random key and the CSRF input's id
        (one input a page has no id) left out."""
        found = []
        for tag in re.findall(r"<input[^>]*>", html):
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
            if attrs["name"] == "csrf_token":
                attrs.pop("id", None)
            if attrs["name"] == "idempotency_key":
                assert re.fullmatch("[0-9a-f]{32}", attrs.pop("value"))
            found.append(tuple(sorted(attrs.items())))
        return sorted(found)

    wtforms, plain = (inputs(page) for page in pages)
    assert len(wtforms) == 7 and any(("name", "csrf_token") in t for t in wtforms)
    assert plain == wtforms
