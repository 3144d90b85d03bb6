"""Random, huge, unicode and control-character input to the forms: never a 500,
never a row that breaks the rules."""

import pytest
import sqlalchemy as sa
from flask import Request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict

from coach.extensions import db
from coach.models import Client, Lead, Trip, Visit
from tests.factories import (
    make_client,
    make_contact,
    make_employer,
    make_person,
    make_placement,
    make_task,
    make_worksite,
)

NASTY = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\x07bell",
            "-1",
            "1e309",
            "NaN",
            "sNaN",
            "9" * 40,
            "2026-13-45",
            "9999-12-31T23:59",
            "<script>x</script>",
            "'; DROP TABLE",
        ]
    ),
    st.just("x" * 20_000),
)

FORMS = {
    "client": (
        "/clients/new",
        [
            "first_name",
            "last_name",
            "preferred_name",
            "phone",
            "email",
            "status",
            "disclosure",
            "referral_date",
            "intake_date",
            "notes",
        ],
    ),
    "placement": (
        "/clients/{client}/placements/new",
        [
            "worksite_id",
            "job_title",
            "start_date",
            "end_date",
            "end_reason",
            "hourly_wage",
            "weekly_hours",
            "benefit_health",
            "competitive",
        ],
    ),
    "wage change": (
        "/clients/placements/{placement}/changes",
        ["idempotency_key", "effective_date", "hourly_wage", "weekly_hours"],
    ),
    "employer": ("/employers/new", ["name", "address", "contact_email", "contact_phone"]),
    "employer contact": (
        "/jobdev/new",
        [
            "idempotency_key",
            "employer_name",
            "employer_id",
            "contact_date",
            "method",
            "purpose",
            "client_ids",
            "next_step_date",
            "note",
        ],
    ),
    "visit": (
        "/clients/{client}/visits/new",
        [
            "idempotency_key",
            "contact_type",
            "placement_id",
            "service_type_id",
            "started_at",
            "ended_at",
            "tasks_observed",
            "tags",
        ],
    ),
    "authorization": (
        "/billing/clients/{client}/authorizations/new",
        [
            "idempotency_key",
            "funder_id",
            "service_type_id",
            "number",
            "start_date",
            "end_date",
            "units",
            "notes",
        ],
    ),
    "task": (
        "/clients/{client}/tasks/new",
        [
            "title",
            "placement_id",
            "template_id",
            "steps",
            "strategy",
            "mastery_percent",
            "mastery_runs",
        ],
    ),
    "trip": (
        "/mileage/new",
        [
            "idempotency_key",
            "trip_date",
            "purpose",
            "origin",
            "destination",
            "miles",
            "odometer_start",
            "odometer_end",
            "client_id",
            "start_lat",
        ],
    ),
    "lead": (
        "/leads/new",
        [
            "idempotency_key",
            "position",
            "employer_id",
            "hourly_wage",
            "weekly_hours",
            "source",
            "client_ids",
            "notes",
        ],
    ),
    "application": (
        "/leads/clients/{client}/applications/new",
        ["idempotency_key", "employer_name", "position", "applied_on", "method", "result"],
    ),
    "interview": (
        "/leads/clients/{client}/interviews/new",
        ["idempotency_key", "employer_name", "interview_on", "interview_time", "went_with"],
    ),
    "contact": (
        "/contacts/new",
        [
            "idempotency_key",
            "client_id",
            "kind",
            "direction",
            "family_permission",
            "happened_at",
            "note",
        ],
    ),
    "job event": (
        "/clients/placements/{placement}/events/new",
        ["idempotency_key", "kind", "end_reason", "end_date", "note"],
    ),
    "accommodation": (
        "/clients/{client}/accommodations/new",
        [
            "functional_limitation",
            "job_function",
            "accommodation",
            "estimated_cost",
            "payer",
            "date_needed",
            "contact_email",
        ],
    ),
}


@pytest.fixture
def world(login_as):
    coach = login_as("coach")
    person = make_client(coach)
    placement = make_placement(person, make_worksite(make_employer()))
    make_task(person, coach, ["One"])
    return {"client": person.id, "placement": placement.id}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_forms_survive_any_input(client, world, form):
    url, fields = FORMS[form]
    url = url.format(**world)

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({name: NASTY for name in fields}))
    def post(data):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code < 500, (url, data)
            assert "Traceback" not in response.text

    post()
    # Whatever was accepted obeys the rules.
    for person in db.session.scalars(sa.select(Client)):
        assert person.first_name.strip() and len(person.first_name) <= 80
        assert "\x00" not in person.notes
    for visit in db.session.scalars(sa.select(Visit)):
        assert visit.ended_at is None or visit.ended_at >= visit.started_at
    for trip in db.session.scalars(sa.select(Trip)):
        assert trip.miles_tenths > 0 and trip.purpose.strip()
    for lead in db.session.scalars(sa.select(Lead)):
        assert lead.position.strip() and (lead.hourly_wage_cents or 1) > 0


# Every POST route, pages and htmx fragments alike, with the caller's own records
# in the URL so the view really runs: random values for every field name any form
# of the app has (each view reads the ones it knows).


def all_form_field_names() -> list[str]:
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import coach

    for module in pkgutil.walk_packages(coach.__path__, "coach."):
        importlib.import_module(module.name)
    names: set[str] = set()
    stack = [FlaskForm]
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        names.update(
            name
            for name in dir(form)
            if hasattr(getattr(form, name, None), "field_class") and name != "csrf_token"
        )
    return sorted(names)


def own_records(user) -> dict:
    from coach.accommodations.services import create_link
    from tests.factories import (
        make_application,
        make_interview,
        make_lead,
        make_past_job,
        make_plan,
        make_profile,
        make_request,
        make_run,
        make_session,
        make_signature,
        make_support,
        make_template,
        make_trip,
        make_visit,
    )

    person = make_client(user, disclosure="functional")  # its requests may be sent
    employer = make_employer(created_by=user)
    worksite = make_worksite(employer)
    placement = make_placement(person, worksite)
    task = make_task(person, user, ["One", "Two"])
    request = make_request(person, user)
    signature = make_signature(request, user)
    open_request = make_request(person, user)
    _, token = create_link(open_request, "DOCUMENT", user, "Dana", "")
    db.session.commit()
    plan = make_plan(person, user)
    return {
        **plan_part_ids(plan),
        **support_ids(make_support(placement, user, weeks=(20, 10), people=1)),
        "contact_id": make_contact(user, employer, clients=[person]).id,
        "person_id": make_person(employer, user).id,
        "trip_id": make_trip(user).id,
        "request_id": request.id,
        "signature_id": signature.id,
        "token": token,
        "task_id": task.id,
        "step_id": task.steps[0].id,
        "run_id": make_run(task, user, {task.steps[0].id: "I"}).id,
        "template_id": make_template().id,
        "direction": "up",
        "visit_id": make_visit(person, user, minutes=None).id,
        "client_id": person.id,
        "placement_id": placement.id,
        "employer_id": employer.id,
        "worksite_id": worksite.id,
        "user_id": user.id,
        "session_id": make_session(user).id,
        "lead_id": make_lead(user, employer, [person]).id,
        "application_id": make_application(person, user).id,
        "interview_id": make_interview(person, user).id,
        "past_job_id": make_past_job(person, user).id,
        "section": "benefits",
        "figure": "starts",  # the records behind an outcome figure
        "profile_id": make_profile(person, reports_earnings_monthly=True).id,
        **billing_ids(person, user),
        **report_ids(person, user),
    }


def report_ids(person, user) -> dict:
    """A monthly progress report of the client's, approved (version 1), and a link to it."""
    from tests.factories import make_report, make_report_link, make_user

    report = make_report(person, user, approved_by=make_user("supervisor"))
    return {"report_id": report.id, "share_token": make_report_link(report, user)}


def billing_ids(person, user) -> dict:
    """A funder, a service type, an authorization of the client's, a billing batch of
    one approved visit of it, exported by the user; the funder's milestone schedule, and
    an authorization of 2026 that makes the client's jobs (from January 5, 2026,
    make_placement's default) count for its milestones."""
    from datetime import date, datetime

    from coach.billing.batches import create_batch
    from coach.models import VR_DEFAULT
    from tests.factories import (
        make_authorization,
        make_billed_visit,
        make_funder,
        make_milestones,
        service,
    )

    funder = make_funder(user, "Private Funder")
    grant = make_authorization(person, user, funder, notes="Private note")
    visit = make_billed_visit(person, user, started_at=datetime(2026, 11, 3, 15))
    visit.review_status, visit.reviewed_by_id = "approved", user.id
    batch, _ = create_batch(user, funder.id, date(2026, 11, 1), f"batch-{user.id}-fuzz")
    db.session.commit()
    steps = make_milestones(funder, user, VR_DEFAULT)
    make_authorization(
        person, user, funder, "FOLLOW", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    return {
        "funder_id": funder.id,
        "service_id": service("TRAVEL").id,
        "authorization_id": grant.id,
        "batch_id": batch.id,
        "milestone_id": steps[30].id,
    }


def plan_part_ids(plan) -> dict:
    """The ids of a plan made by make_plan() and of its first goal, objective and step."""
    from coach.models import PlanAction, PlanGoal, PlanObjective

    def first(model):
        return db.session.scalar(sa.select(model.id).where(model.plan_id == plan.id).limit(1))

    return {
        "plan_id": plan.id,
        "version": 1,
        "goal_id": first(PlanGoal),
        "objective_id": first(PlanObjective),
        "action_id": first(PlanAction),
    }


def support_ids(plan) -> dict:
    """The ids of a job-support plan made by make_support() and of its first natural
    support."""
    from coach.models import NaturalSupport

    first = sa.select(NaturalSupport.id).where(NaturalSupport.support_plan_id == plan.id)
    return {"support_id": plan.id, "natural_support_id": db.session.scalar(first.limit(1))}


NOT_FUZZED = {"auth.logout"}  # it ends the session the rest of the walk needs


@pytest.mark.parametrize("role", ["coach", "admin"])
def test_every_post_route_survives_any_input(app, client, login_as, auth, role):
    user = login_as(role)
    records = own_records(user)
    names = all_form_field_names()
    assert {"first_name", "miles", "code", "current", "decision"} <= set(names)
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint not in NOT_FUZZED
    ]
    assert len(rules) > 40
    field_values = st.fixed_dictionaries({}, optional={name: NASTY for name in names})

    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(field_values)
    def post(url, data):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code < 500, (url, data)
            assert "Traceback" not in response.text
            if "/login" in response.headers.get("Location", ""):
                auth.login(user.email)  # an endpoint ended this session: carry on

    for rule in rules:
        post(rule.build({k: records[k] for k in rule.arguments})[1])
    assert_every_row_is_clean()


def assert_every_row_is_clean():
    """No NUL, no string longer than its column, no NaN, in any table."""
    import math

    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            for column in table.columns:
                value = row[column.name]
                if isinstance(value, str):
                    assert "\x00" not in value, (table.name, column.name)
                    length = getattr(column.type, "length", None)
                    assert length is None or len(value) <= length, (table.name, column.name)
                elif isinstance(value, float):
                    assert math.isfinite(value), (table.name, column.name)


# Every GET route, with the caller's own records in the URL, and huge, negative,
# non-numeric and nasty values for every query-string name the app reads.

BAD_NUMBERS = [str(2**63), str(10**30), str(2**31), "-1", "0", "abc", "9" * 5000]
NUMBERS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from([*BAD_NUMBERS, str(2**63 - 1), "1e9", "0x10", "１"]),
    NASTY,
)


def all_query_arg_names() -> list[str]:
    """Names read with request.args.get("x"), int_arg("x") or id_arg("x") anywhere in
    the app, and the fields of forms filled from request.args."""
    import pathlib
    import re

    import coach
    from coach.billing.forms import BillingExportForm
    from coach.visits.forms import VisitFilterForm

    pattern = re.compile(r'(?:args\.get|int_arg|id_arg)\(\s*"(\w+)"')
    names = set()
    for path in pathlib.Path(coach.__file__).parent.rglob("*.py"):
        text = path.read_text()
        names.update(pattern.findall(text))
        assert "Form(request.args)" not in text.replace("VisitFilterForm(request.args)", ""), (
            f"{path} fills a form from the query string: add its fields here"
        )
    for form in (VisitFilterForm, BillingExportForm):  # filled from request.args
        names.update(n for n in dir(form) if hasattr(getattr(form, n), "field_class"))
    return sorted(names)


def get_ok(client, url, args):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, query_string=args, headers=headers)
        # CSV downloads stream: read them whole; an XLSX is not text.
        body = response.get_data().decode(errors="replace")
        response.close()
        assert response.status_code < 500, (url, args)
        assert "Traceback" not in body


class ReadArgs(ImmutableMultiDict):
    """A request's arguments that note each name a view reads, so that name is then tried
    alone on that page. What reads them all (the NUL check, links that keep the query)
    treats every name alike: the requests with every name at once try that."""

    read: set[str] = set()

    def __getitem__(self, key):
        ReadArgs.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        ReadArgs.read.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        ReadArgs.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        ReadArgs.read.add(key)
        return super().getlist(key, type)


class NotingRequest(Request):
    parameter_storage_class = ReadArgs


# Every GET route with bad values for every query argument at once, then each argument
# the page reads alone (another's 404 cannot hide it), then random ones. Trying every
# argument alone on every page was 15,000 requests (130-160 s a role); a page is tried
# only with the arguments it reads (ReadArgs).
@pytest.mark.timeout(900)
@pytest.mark.parametrize("role", ["coach", "supervisor"])
def test_every_get_route_survives_any_query_string(app, client, login_as, role):
    app.request_class = NotingRequest
    user = login_as(role)
    records = own_records(user)
    names = all_query_arg_names()
    assert {"visit", "repeat", "coach", "before", "page", "month", "template"} <= set(names)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    assert len(rules) > 40
    urls = [rule.build({k: records[k] for k in rule.arguments})[1] for rule in rules]

    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({}, optional={name: NUMBERS for name in names}))
    def get(url, args):
        get_ok(client, url, args)

    alone = {}
    for url in urls:
        ReadArgs.read = set()
        get_ok(client, url, {})  # what the page reads when nothing is asked
        for value in BAD_NUMBERS:  # every name at once, each bad value surely tried
            get_ok(client, url, dict.fromkeys(names, value))
        alone[url] = sorted(ReadArgs.read & set(names))
        for name in alone[url]:  # each name it reads alone: another's 404 cannot hide it
            get_ok(client, url, {name: str(2**63)})
        get(url)
    # The noting works: the visit list reads its filters (else nothing is tried alone).
    assert {"coach", "before", "totals"} <= set(alone["/visits/"]), alone["/visits/"]
