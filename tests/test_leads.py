"""Job leads: adding one, the 48-hour follow-up on the list, one tap per step, and the
hire that makes the job."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from coach.extensions import db
from coach.models import (
    AuditEvent,
    Client,
    JobApplication,
    JobInterview,
    Lead,
    LeadStatusChange,
    Placement,
    Worksite,
)
from tests.clock import freeze_clock
from tests.factories import (
    make_client,
    make_employer,
    make_lead,
    make_user,
    make_worksite,
)

NOW = datetime(2026, 11, 16, 10, 0)  # a Monday morning in New York


def lead_form(employer, *clients, **fields):
    data = {
        "idempotency_key": "lead-key-0001",
        "position": "Stocker",
        "employer_id": employer.id,
        "hourly_wage": "15.50",
        "weekly_hours": "24",
        "shift": "weekday mornings",
        "source": "job_board",
        "source_detail": "Indeed",
        "client_ids": [c.id for c in clients],
        "notes": "",
    }
    data.update(fields)
    return data


def test_a_coach_adds_a_lead_and_it_is_due_in_48_hours(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera", status="job_search")
    employer = make_employer(created_by=coach)
    response = client.post("/leads/new", data=lead_form(employer, rosa), follow_redirects=True)
    assert "Lead saved: follow it up within 48 hours." in response.text
    lead = db.session.scalars(sa.select(Lead)).one()
    assert (lead.hourly_wage_cents, lead.weekly_hours_tenths) == (1550, 240)
    assert lead.status == "new" and lead.created_by_id == coach.id
    assert "Follow-up due in 48 h" in response.text
    page = client.get("/leads/").text
    assert "Stocker · Green Valley Grocery" in page and "due in 48 h" in page
    assert "Follow up by Wed Nov 18, 10:00 AM" in page  # the agency's time, not UTC
    assert "For Rosa Rivera" in page
    changes = db.session.scalars(sa.select(LeadStatusChange)).all()
    assert [(c.status, c.local_date) for c in changes] == [("new", date(2026, 11, 16))]


def test_overdue_leads_come_first_then_by_due_time(client, login_as, monkeypatch):
    now = freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    employer = make_employer(created_by=coach)
    make_lead(coach, employer, position="Fresh", created_at=now - timedelta(hours=1))
    make_lead(coach, employer, position="Late", created_at=now - timedelta(hours=51))
    make_lead(coach, employer, position="Very late", created_at=now - timedelta(days=4))
    make_lead(coach, employer, position="Soon", created_at=now - timedelta(hours=40))
    make_lead(coach, employer, position="Applied", status="applied")
    make_lead(coach, employer, position="Gone", status="closed")
    page = client.get("/leads/").text
    order = [page.index(f"{name} · ") for name in ("Very late", "Late", "Soon", "Fresh", "Applied")]
    assert order == sorted(order)
    assert "2 days late" in page and "3 h late" in page and "due in 8 h" in page
    assert "Gone" not in page
    closed = client.get("/leads/?show=closed").text
    assert "Gone · " in closed and "Fresh" not in closed


def test_bad_input_gets_a_message_beside_the_field_and_saves_nothing(client, login_as):
    coach = login_as("coach")
    closed = make_client(coach, "Sam", "Closed", status="closed")
    employer = make_employer(created_by=coach)
    cases = [
        ({"hourly_wage": "0"}, "Enter a wage above $0, up to $500 an hour."),
        ({"hourly_wage": "99999"}, "Enter a wage above $0, up to $500 an hour."),
        ({"weekly_hours": "200"}, "Enter 0.1 to 80 hours."),
        ({"position": ""}, "Enter the position, e.g. Stocker."),
        ({"employer_id": 0}, "Pick the employer."),
        ({"client_ids": [closed.id]}, "Sam Closed is no longer active (case closed)"),
        ({"employer_id": 0, "hourly_wage": "0"}, "Pick the employer."),  # with other errors
    ]
    for fields, message in cases:
        response = client.post("/leads/new", data=lead_form(employer, **fields))
        assert response.status_code == 200, fields
        assert message in response.text, fields
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_other_peoples_clients_and_unknown_employers_cannot_be_put_on_a_lead(client, login_as):
    coach = login_as("coach")
    other = make_user("coach")
    theirs = make_client(other, "Their", "Client")
    mine = make_employer(created_by=coach)
    response = client.post("/leads/new", data=lead_form(mine, client_ids=[theirs.id]))
    assert "Pick job seekers from the list." in response.text
    response = client.post("/leads/new", data={**lead_form(mine), "employer_id": 99999})
    assert "Choose one of the options shown" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 0


def test_a_lead_may_be_at_any_employer_of_the_agency(client, login_as):
    login_as("coach")
    shared = make_employer("Their Shop", created_by=make_user("coach"))  # the directory is shared
    assert client.post("/leads/new", data=lead_form(shared)).status_code == 302
    assert db.session.scalar(sa.select(Lead.employer_id)) == shared.id


def test_a_double_tapped_lead_is_saved_once(client, login_as):
    coach = login_as("coach")
    employer = make_employer(created_by=coach)
    first = client.post("/leads/new", data=lead_form(employer))
    second = client.post("/leads/new", data=lead_form(employer))
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1
    creates = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "lead", AuditEvent.action == "create"
    )
    assert db.session.scalar(creates) == 1


def test_one_tap_moves_a_lead_and_dates_the_step(client, login_as):
    coach = login_as("coach")
    lead = make_lead(coach, make_employer(created_by=coach))
    page = client.get(f"/leads/{lead.id}").text
    for label in ("Followed up", "Applied", "Interview", "Offer", "Not hired", "Closed"):
        assert f'value="{label.lower().replace(" ", "_")}"' in page
    assert "Hired: record the job" not in page  # no job seeker on the lead yet
    response = client.post(
        f"/leads/{lead.id}/status",
        data={"status": "followed_up", "note": "Called Dana"},
        follow_redirects=True,
    )
    assert "Lead moved to followed up." in response.text
    assert "Called Dana" in response.text and "Follow-up due" not in response.text
    again = client.post(f"/leads/{lead.id}/status", data={"status": "followed_up"})
    assert again.status_code == 302  # a second tap changes nothing
    db.session.expire_all()
    steps = db.session.scalars(sa.select(LeadStatusChange.status).order_by(LeadStatusChange.id))
    assert list(steps) == ["new", "followed_up"]
    back = client.post(f"/leads/{lead.id}/status", data={"status": "new"}, follow_redirects=True)
    assert "nothing changed" in back.text
    event = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.entity_type == "lead")
    ).all()
    assert "status: 'new' → 'followed_up'" in event


def test_applied_adds_the_application_to_the_only_job_seekers_log(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    lead = make_lead(coach, make_employer(created_by=coach), [rosa], position="Cashier")
    response = client.post(
        f"/leads/{lead.id}/status", data={"status": "applied"}, follow_redirects=True
    )
    assert "Added to Rosa Rivera&#39;s search log." in response.text
    application = db.session.scalars(sa.select(JobApplication)).one()
    assert (application.client_id, application.position, application.lead_id) == (
        rosa.id,
        "Cashier",
        lead.id,
    )
    assert application.employer_name == "Green Valley Grocery"
    client.post(f"/leads/{lead.id}/status", data={"status": "interview"})
    assert db.session.scalars(sa.select(JobInterview)).one().client_id == rosa.id
    db.session.expire_all()
    assert db.session.get(JobApplication, application.id).result == "interview"
    assert "Applied: Cashier" in client.get(f"/clients/{rosa.id}").text


def test_a_lead_for_several_asks_which_job_seeker(client, login_as):
    coach = login_as("coach")
    rosa, ben = make_client(coach, "Rosa", "Rivera"), make_client(coach, "Ben", "Ode")
    lead = make_lead(coach, make_employer(created_by=coach), [rosa, ben])
    asked = client.post(f"/leads/{lead.id}/status", data={"status": "applied"})
    assert asked.status_code == 200 and "Who applied?" in asked.text
    assert db.session.scalar(sa.select(Lead.status)) == "new"
    client.post(f"/leads/{lead.id}/status", data={"status": "applied", "client_id": ben.id})
    assert db.session.scalars(sa.select(JobApplication)).one().client_id == ben.id
    assert db.session.scalar(sa.select(Lead.status)) == "applied"


def test_hired_makes_the_job_in_one_step(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera", status="job_search")
    employer = make_employer(created_by=coach)
    site = make_worksite(employer, "Main store")
    lead = make_lead(
        coach, employer, [rosa], position="Cashier", hourly_wage_cents=1600, status="offer"
    )
    form = client.get(f"/leads/{lead.id}/hire").text
    assert 'value="Cashier"' in form and 'value="16.00"' in form
    data = {
        "client_id": rosa.id,
        "job_title": "Cashier",
        "worksite_id": site.id,
        "start_date": "2026-11-23",
        "hourly_wage": "16.00",
        "weekly_hours": "20",
    }
    response = client.post(f"/leads/{lead.id}/hire", data=data, follow_redirects=True)
    assert "Rosa Rivera is hired: the job is on their page." in response.text
    assert "Cashier" in response.text and "$16.00/h" in response.text
    placement = db.session.scalars(sa.select(Placement)).one()
    assert (placement.client_id, placement.worksite_id, placement.weekly_hours_tenths) == (
        rosa.id,
        site.id,
        200,
    )
    db.session.expire_all()
    assert db.session.get(Client, rosa.id).status == "employed"
    assert db.session.get(Lead, lead.id).status == "hired"
    again = client.post(f"/leads/{lead.id}/hire", data=data)  # a second tap
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 1
    actions = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.entity_type).where(AuditEvent.action != "view")
    ).all()
    assert ("create", "placement") in actions and ("hire", "lead") in actions
    assert ("update", "client") in actions


def test_a_hire_at_a_new_address_makes_the_worksite(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    employer = make_employer(created_by=coach)
    lead = make_lead(coach, employer, [rosa])
    data = {
        "client_id": rosa.id,
        "job_title": "Stocker",
        "worksite_id": 0,
        "address": "",
        "start_date": "2026-11-23",
    }
    missing = client.post(f"/leads/{lead.id}/hire", data=data)
    assert "Pick a worksite above, or type the new one" in missing.text
    data["address"] = "12 Elm St"
    client.post(f"/leads/{lead.id}/hire", data=data)
    site = db.session.scalars(sa.select(Worksite)).one()
    assert (site.employer_id, site.address) == (employer.id, "12 Elm St")
    assert db.session.scalars(sa.select(Placement)).one().worksite_id == site.id


def test_a_hire_with_a_start_date_far_away_is_refused(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    lead = make_lead(coach, make_employer(created_by=coach), [rosa])
    data = {"client_id": rosa.id, "job_title": "Stocker", "address": "1 A St"}
    response = client.post(f"/leads/{lead.id}/hire", data={**data, "start_date": "2031-01-01"})
    assert "Enter a date from" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 0
    assert db.session.scalar(sa.select(Lead.status)) == "new"


def test_coaches_see_their_own_leads_and_supervisors_all(client, auth, login_as):
    mine = login_as("coach")
    other = make_user("coach", name="Other Coach")
    employer = make_employer(created_by=mine)
    make_lead(mine, employer, position="Mine")
    theirs = make_lead(other, employer, position="Theirs")
    page = client.get("/leads/").text
    assert "Mine · " in page and "Theirs" not in page
    assert client.get(f"/leads/{theirs.id}").status_code == 404
    assert client.post(f"/leads/{theirs.id}/status", data={"status": "closed"}).status_code == 404
    auth.logout()
    login_as("supervisor")
    page = client.get("/leads/").text
    assert "Mine · " in page and "Theirs · " in page and "Coach: Other Coach" in page
    only = client.get(f"/leads/?coach={other.id}").text
    assert "Theirs · " in only and "Mine · " not in only


def test_a_lead_is_edited_with_an_audit_of_what_changed(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    lead = make_lead(coach, make_employer(created_by=coach), [rosa])
    data = lead_form(make_employer("Other Shop", created_by=coach), position="Baker")
    response = client.post(f"/leads/{lead.id}/edit", data=data, follow_redirects=True)
    assert "Saved." in response.text and "Baker" in response.text
    summary = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "update")
    ).one()
    assert "position: 'Stocker' → 'Baker'" in summary and f"client_ids: [{rosa.id}] → []" in summary


def test_the_employer_page_lists_its_leads(client, login_as):
    coach = login_as("coach")
    employer = make_employer(created_by=coach)
    make_lead(coach, employer, position="Deli clerk")
    page = client.get(f"/employers/{employer.id}").text
    assert "Deli clerk" in page and f"/leads/new?employer={employer.id}" in page


def test_the_filter_answers_htmx_with_the_list_only(client, login_as):
    coach = login_as("coach")
    make_lead(coach, make_employer(created_by=coach), position="Gone", status="closed")
    response = client.get("/leads/?show=closed", headers={"HX-Request": "true"})
    assert "Gone · " in response.text and "<html" not in response.text


def test_a_long_list_counts_only_so_far_and_still_pages_on(client, login_as, monkeypatch):
    # Counting every open lead of a state-wide agency cost a third of the page; the list
    # says "more than" past the cap, as the note review queue does, and pages on.

    monkeypatch.setattr("coach.records.COUNTED_UP_TO", 3)
    coach = login_as("supervisor")
    employer = make_employer(created_by=coach)
    for i in range(5):
        make_lead(coach, employer, position=f"Job {i}")
    monkeypatch.setitem(client.application.config, "PAGE_SIZE", 2)
    page = client.get("/leads/").get_data(as_text=True)
    assert "More than 3 open leads" in page
    assert "Page 1<" in page and "Page 1 of" not in page and 'rel="next"' in page
    last = client.get("/leads/?page=3").get_data(as_text=True)  # the count reaches this page
    assert "5 open leads" in last and "Page 3 of 3" in last and 'rel="next"' not in last
    monkeypatch.setattr("coach.records.COUNTED_UP_TO", 1000)
    assert "5 open leads" in client.get("/leads/").get_data(as_text=True)
