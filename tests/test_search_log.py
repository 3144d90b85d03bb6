"""The job seeker's search log: applications and interviews added and fixed on a phone,
the latest on the client page, a month printable for the VR counsellor."""

from datetime import date, datetime

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, JobApplication, JobInterview
from tests.clock import freeze_clock
from tests.factories import (
    make_application,
    make_client,
    make_employer,
    make_interview,
    make_user,
)

NOW = datetime(2026, 11, 16, 10, 0)


def application(**fields):
    return {
        "idempotency_key": "app-key-0001",
        "employer_name": "green valley grocery",
        "position": "Cashier",
        "applied_on": "2026-11-12",
        "method": "in_person",
        "result": "pending",
        "notes": "Left a resume with Dana",
        **fields,
    }


def interview(**fields):
    return {
        "idempotency_key": "int-key-0001",
        "employer_name": "Riverside Diner",
        "position": "Dishwasher",
        "interview_on": "2026-11-20",
        "interview_time": "14:30",
        "went_with": "coach",
        "notes": "",
        **fields,
    }


def test_an_application_is_logged_once_and_linked_to_the_employer(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    employer = make_employer(created_by=coach)
    form = client.get(f"/leads/clients/{rosa.id}/applications/new").text
    assert 'value="2026-11-16"' in form and '<option value="Green Valley Grocery">' in form
    url = f"/leads/clients/{rosa.id}/applications/new"
    first = client.post(url, data=application())
    second = client.post(url, data=application())  # a double tap
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith(f"/leads/clients/{rosa.id}/log?month=2026-11")
    entry = db.session.scalars(sa.select(JobApplication)).one()
    assert (entry.employer_id, entry.applied_on) == (employer.id, date(2026, 11, 12))
    creates = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "job_application", AuditEvent.action == "create"
    )
    assert db.session.scalar(creates) == 1
    log = client.get(f"/leads/clients/{rosa.id}/log?month=2026-11").text
    assert "Cashier" in log and "In person" in log and "Left a resume with Dana" in log


def test_an_interview_is_logged_with_its_time_and_company(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    client.post(f"/leads/clients/{rosa.id}/interviews/new", data=interview())
    entry = db.session.scalars(sa.select(JobInterview)).one()
    assert entry.employer_id is None  # not in the directory: kept as typed
    assert (entry.interview_time.hour, entry.went_with) == (14, "coach")
    page = client.get(f"/clients/{rosa.id}").text
    assert "Interview: Dishwasher · Riverside Diner" in page and "With the coach" in page


def test_dates_far_away_and_blank_fields_get_a_message_and_save_nothing(
    client, login_as, monkeypatch
):
    freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    rosa = make_client(coach)
    cases = [
        ("applications", application(applied_on="2020-01-01"), "Enter a date from"),
        ("applications", application(applied_on="2026-12-31"), "Enter a date from"),
        ("applications", application(employer_name=""), "Enter the employer"),
        ("applications", application(method="fax"), "Choose one of the options shown"),
        ("interviews", interview(interview_on="2028-01-01"), "Enter a date from"),
        ("interviews", interview(position=" "), "Enter the position."),
    ]
    for kind, data, message in cases:
        response = client.post(f"/leads/clients/{rosa.id}/{kind}/new", data=data)
        assert response.status_code == 200 and message in response.text, data
    assert db.session.scalar(sa.select(sa.func.count(JobApplication.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(JobInterview.id))) == 0


def test_an_edit_sets_the_result_and_is_audited_without_the_notes(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach)
    entry = make_application(rosa, coach, applied_on=date.today())
    data = application(applied_on=date.today().isoformat(), result="interview", notes="Private")
    response = client.post(f"/leads/applications/{entry.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(JobApplication, entry.id).result == "interview"
    summary = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "update")
    ).one()
    assert "result: 'pending' → 'interview'" in summary
    assert "notes changed" in summary and "Private" not in summary


def test_the_month_view_shows_that_month_only(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach)
    make_application(rosa, coach, position="October job", applied_on=date(2026, 10, 30))
    make_application(rosa, coach, position="November job", applied_on=date(2026, 11, 2))
    make_interview(rosa, coach, position="November talk", interview_on=date(2026, 11, 4))
    page = client.get(f"/leads/clients/{rosa.id}/log?month=2026-11").text
    assert "November job" in page and "November talk" in page and "October job" not in page
    assert "Applications (1)" in page and "data-print" in page
    october = client.get(f"/leads/clients/{rosa.id}/log?month=2026-10").text
    assert "October job" in october and "No interviews this month." in october


def test_the_client_page_shows_the_latest_entries_and_links_the_log(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach)
    for n in range(6):
        make_application(rosa, coach, position=f"Job {n}", applied_on=date(2026, 11, 1 + n))
    make_interview(rosa, coach, position="Talk", interview_on=date(2026, 11, 3))
    page = client.get(f"/clients/{rosa.id}").text
    assert "Job 5" in page and "Job 3" in page and "Interview: Talk" in page
    assert "Job 2 " in page and "Job 1 " not in page  # the five latest only
    assert f"/leads/clients/{rosa.id}/log" in page


def test_another_coachs_client_log_answers_404(client, login_as):
    login_as("coach")
    other = make_user("coach")
    theirs = make_client(other, "Private", "Person")
    entry = make_application(theirs, other)
    talk = make_interview(theirs, other)
    for url in (
        f"/leads/clients/{theirs.id}/log",
        f"/leads/clients/{theirs.id}/applications/new",
        f"/leads/clients/{theirs.id}/interviews/new",
        f"/leads/applications/{entry.id}/edit",
        f"/leads/interviews/{talk.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
        if not url.endswith("/log"):
            assert client.post(url, data=application()).status_code == 404, url
    assert db.session.scalar(sa.select(sa.func.count(JobApplication.id))) == 1


def test_a_supervisor_may_log_for_any_client(client, login_as):
    coach = make_user("coach")
    rosa = make_client(coach)
    login_as("supervisor")
    data = application(applied_on=date.today().isoformat())
    assert client.post(f"/leads/clients/{rosa.id}/applications/new", data=data).status_code == 302
    views = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "view", AuditEvent.entity_id == rosa.id
    )
    client.get(f"/leads/clients/{rosa.id}/log")
    assert db.session.scalar(views) == 1
