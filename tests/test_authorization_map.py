"""Walk the whole URL map: every route that names a record answers 404 to a coach
for whom the record is not theirs, for GET and POST, pages and fragments alike."""

import pytest

from tests.factories import (
    make_application,
    make_client,
    make_contact,
    make_employer,
    make_interview,
    make_lead,
    make_past_job,
    make_person,
    make_placement,
    make_plan,
    make_profile,
    make_report,
    make_request,
    make_run,
    make_session,
    make_signature,
    make_support,
    make_task,
    make_template,
    make_trip,
    make_user,
    make_visit,
    make_worksite,
)
from tests.test_fuzz import billing_ids, plan_part_ids, support_ids

HTMX = {"HX-Request": "true"}


@pytest.fixture
def others_records(login_as):
    login_as("coach")
    other = make_user("coach")
    client = make_client(other, "Private", "Person")
    employer = make_employer("Their Employer", created_by=other)
    worksite = make_worksite(employer)
    placement = make_placement(client, worksite)
    visit = make_visit(client, other)
    task = make_task(client, other, ["Fold napkin", "Place fork"])
    run = make_run(task, other, {task.steps[0].id: "I"})
    template = make_template()
    request = make_request(client, other)
    signature = make_signature(request, other)
    trip = make_trip(other, status="submitted")
    contact = make_contact(other, employer, clients=[client], note="Private talk")
    plan = make_plan(client, other, signed=True)
    return {
        **plan_part_ids(plan),
        **support_ids(make_support(placement, other, weeks=(20,), people=1)),
        "contact_id": contact.id,
        "person_id": make_person(employer, other).id,
        "trip_id": trip.id,
        "request_id": request.id,
        "signature_id": signature.id,
        "token": "not-a-real-token",  # the public sign-off page: unknown links are 404
        "task_id": task.id,
        "step_id": task.steps[0].id,
        "run_id": run.id,
        "template_id": template.id,  # library editing is for supervisors: 404 to coaches
        "direction": "up",
        "visit_id": visit.id,
        "client_id": client.id,
        "placement_id": placement.id,
        "employer_id": employer.id,
        "worksite_id": worksite.id,
        "user_id": other.id,
        "session_id": make_session(other).id,
        "lead_id": make_lead(other, employer, [client]).id,
        "application_id": make_application(client, other).id,
        "interview_id": make_interview(client, other).id,
        "past_job_id": make_past_job(client, other, why_ended="Private reason").id,
        "section": "benefits",
        "figure": "starts",  # an outcome figure's records: scoped to the viewer, not 404
        "profile_id": make_profile(client, strengths="Private strength").id,
        **billing_ids(client, other),  # funders and services: admins only, 404 to coaches
        "report_id": make_report(client, other, approved_by=make_user("supervisor")).id,
        "share_token": "not-a-real-token",  # the public report page: unknown links are 404
    }


def routes_with_ids(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and rule.arguments:
            yield rule


# The employer directory (employers, their worksites and contact people) is shared across
# the agency: every coach opens these; what they show about clients stays scoped. So do
# the records behind an outcome figure (a figure's name, not a record): a coach sees the
# rows of their own caseload only.
SHARED = {"employer_id", "worksite_id", "person_id", "figure"}


def test_every_route_naming_a_record_hides_other_coaches_records(app, client, others_records):
    checked = 0
    for rule in routes_with_ids(app):
        missing = set(rule.arguments) - set(others_records)
        assert not missing, f"{rule} takes {missing}: teach this test about it"
        if set(rule.arguments) <= SHARED:
            continue
        url = rule.build({k: others_records[k] for k in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            for headers in ({}, HTMX):
                response = client.open(url, method=method, headers=headers, data={})
                assert response.status_code == 404, f"{method} {url} {headers}"
                assert "Private" not in response.text
                checked += 1
    assert checked >= 20


def test_the_shared_employer_directory_opens_without_showing_others_clients(
    app, client, others_records
):
    opened = 0
    for rule in routes_with_ids(app):
        if not set(rule.arguments) <= SHARED or "GET" not in rule.methods:
            continue
        url = rule.build({k: others_records[k] for k in rule.arguments})[1]
        for headers in ({}, HTMX):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, f"GET {url} {headers}"
            assert "Private" not in response.text
            opened += 1
    assert opened >= 8
