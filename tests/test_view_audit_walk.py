"""Walk the whole URL map: every GET page that shows a person's record writes a view
row to the audit log for whoever opened it.

A page shows a person's record when its URL names one (a client, visit, task, step,
run, accommodation request, signed record, placement, or an employer contact that names
them), or when it shows what such a record holds: a note, the client's notes, an
accommodation's text, a link to one of the client's visits (a list of them), or the
client's reference (the mileage log names clients by it). A client's name alone (the
caseload, a select of clients on a form) is not counted."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, Client
from coach.models.caseload import client_reference
from coach.timeutil import utcnow
from tests.factories import make_trip, make_visit
from tests.test_fuzz import own_records

# URL arguments that name a person's record.
PERSON_ARGS = {
    "client_id",
    "visit_id",
    "task_id",
    "step_id",
    "run_id",
    "request_id",
    "signature_id",
    "placement_id",
    "contact_id",  # an employer contact that names the client as a job seeker
    "application_id",
    "interview_id",
    "lead_id",  # its page names the job seekers it might suit
    "plan_id",  # the employment plan and its parts
    "goal_id",
    "objective_id",
    "action_id",
    "past_job_id",  # a job in a client's work history
    "authorization_id",  # a funder's authorization for the client
    "support_id",  # a job's support plan and its natural supports
    "natural_support_id",
    "report_id",  # a monthly progress report and its versions
}

# Polls itself every few seconds while the request's page (itself audited) is open, and
# shows only the request's status: a row a poll would bury the log.
NOT_AUDITED = {"accommodations.request_status"}

NOTE = "Folded 40 towels, asked for help once"
CLIENT_NOTES = "Prefers morning shifts"


def records_for(user) -> dict:
    """The user's own records, with a recent visit (the visit list shows the last 7
    days), an ended one for the edit form, and a trip this month carrying the client."""
    records = own_records(user)
    person = db.session.get(Client, records["client_id"])
    person.notes = CLIENT_NOTES
    db.session.commit()
    recent = utcnow() - timedelta(hours=2)
    records["visit_id"] = make_visit(person, user, started_at=recent, tasks_observed=NOTE).id
    make_trip(user, trip_date=utcnow().date(), client_id=person.id)
    return records


def view_rows(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.user_id == user_id,
            # The data sheet's download is logged as an export, a view with its own name.
            AuditEvent.action.in_(("view", "export")),
        )
    )


@pytest.mark.parametrize("role", ["coach", "supervisor"])
def test_every_page_showing_a_persons_record_is_audited(app, client, login_as, role):
    user = login_as(role)
    records = records_for(user)
    person = db.session.get(Client, records["client_id"])
    shown_markers = (
        NOTE,
        CLIENT_NOTES,
        person.reference,
        "Cannot stand for more than an hour",
        f'href="/visits/{records["visit_id"]}"',  # a list of the client's visits
    )
    assert person.reference == client_reference(person.id)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    unaudited, audited = [], 0
    for rule in sorted(rules, key=lambda r: r.rule):
        missing = set(rule.arguments) - set(records)
        assert not missing, f"{rule} takes {missing}: teach records_for() about it"
        url = rule.build({k: records[k] for k in rule.arguments})[1]
        for page in ("", "?before=2030-01-01T00:00:00_999") if "visits" in url else ("",):
            before = view_rows(user.id)
            response = client.get(url + page)
            body = response.get_data().decode(errors="replace")  # an XLSX is not text
            response.close()
            if response.status_code != 200 or rule.endpoint in NOT_AUDITED:
                continue
            names_a_record = bool(PERSON_ARGS & set(rule.arguments))
            shows_a_record = any(marker in body for marker in shown_markers)
            if names_a_record or shows_a_record:
                if view_rows(user.id) > before:
                    audited += 1
                else:
                    unaudited.append(url + page)
    assert not unaudited, f"pages that show a person's record without an audit row: {unaudited}"
    assert audited >= 20


def test_the_visit_list_logs_each_client_shown(client, login_as):
    from tests.factories import make_client

    coach = login_as("coach")
    shown = [make_client(coach), make_client(coach)]
    for person in shown:
        make_visit(person, coach, started_at=utcnow() - timedelta(hours=1), tasks_observed=NOTE)
    not_shown = make_client(coach)  # no visit in the list
    assert "Ada Lovelace" in client.get("/visits/").text
    logged = db.session.scalars(
        sa.select(AuditEvent.entity_id).where(
            AuditEvent.action == "view", AuditEvent.entity_type == "client"
        )
    ).all()
    assert sorted(logged) == sorted(p.id for p in shown)
    assert not_shown.id not in logged
