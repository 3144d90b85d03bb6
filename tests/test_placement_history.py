"""A job's page: why it ended, benefits, competitive integrated employment, and its
wage and hours history (issue 22); a client's program entry dates."""

from datetime import date

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, Client, Placement, PlacementChange
from tests.factories import make_client, make_employer, make_placement, make_user, make_worksite


def job_for(coach, **fields):
    return make_placement(
        make_client(coach, "Rosa", "Rivera"), make_worksite(make_employer()), **fields
    )


def changes_of(job):
    return db.session.execute(
        sa.select(
            PlacementChange.effective_date,
            PlacementChange.hourly_wage_cents,
            PlacementChange.weekly_hours_tenths,
        )
        .where(PlacementChange.placement_id == job.id)
        .order_by(PlacementChange.effective_date, PlacementChange.id)
    ).all()


def test_a_new_job_starts_its_pay_history_and_saves_benefits(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    site = make_worksite(make_employer())
    response = client.post(
        f"/clients/{person.id}/placements/new",
        data={
            "worksite_id": site.id,
            "job_title": "Stocker",
            "start_date": "2026-03-02",
            "hourly_wage": "15.25",
            "weekly_hours": "20",
            "benefit_health": "y",
            "benefit_retirement": "y",
            "competitive": "y",
        },
    )
    assert response.status_code == 302
    job = db.session.scalar(sa.select(Placement))
    assert (job.benefit_health, job.benefit_paid_leave, job.benefit_retirement) == (
        True,
        False,
        True,
    )
    assert job.competitive
    assert changes_of(job) == [(date(2026, 3, 2), 1525, 200)]
    page = client.get(f"/clients/placements/{job.id}").text
    assert "Health insurance, Retirement plan" in page
    assert "Competitive integrated" in page and "$15.25" in page


def test_a_wage_change_is_shown_becomes_current_and_is_audited(client, login_as):
    coach = login_as("coach")
    job = job_for(
        coach, start_date=date(2026, 3, 2), hourly_wage_cents=1500, weekly_hours_tenths=200
    )
    db.session.add(
        PlacementChange(
            placement_id=job.id,
            effective_date=job.start_date,
            hourly_wage_cents=1500,
            weekly_hours_tenths=200,
            created_by_id=coach.id,
            idempotency_key=f"start-{job.id}",
        )
    )
    db.session.commit()
    data = {
        "idempotency_key": "raise-key-1",
        "effective_date": "2026-06-15",
        "hourly_wage": "16.50",
    }
    response = client.post(f"/clients/placements/{job.id}/changes", data=data)
    assert response.location == f"/clients/placements/{job.id}"
    again = client.post(f"/clients/placements/{job.id}/changes", data=data)  # a double tap
    assert again.status_code == 302
    # The hours left out kept the ones in force that day.
    assert changes_of(job) == [(date(2026, 3, 2), 1500, 200), (date(2026, 6, 15), 1650, 200)]
    db.session.expire_all()
    assert db.session.get(Placement, job.id).hourly_wage_cents == 1650
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "placement_change")
    )
    assert "wage 1650" in event.summary and "(1500, 200) → (1650, 200)" in event.summary
    page = client.get(f"/clients/placements/{job.id}").text
    assert page.index("From Jun 15, 2026") < page.index("From Mar 2, 2026")
    assert "$16.50 an hour" in page


def test_an_earlier_change_keeps_the_latest_as_current(client, login_as):
    coach = login_as("coach")
    job = job_for(coach, start_date=date(2026, 1, 5), hourly_wage_cents=1500)
    for key, day, wage in [("k-later-1", "2026-08-01", "17"), ("k-earlier", "2026-04-01", "16")]:
        data = {"idempotency_key": key, "effective_date": day, "hourly_wage": wage}
        client.post(f"/clients/placements/{job.id}/changes", data=data)
    db.session.expire_all()
    job = db.session.get(Placement, job.id)
    assert job.hourly_wage_cents == 1700
    # Kept for the outcome figures: the first wage, and the latest change's date.
    assert (job.start_wage_cents, job.pay_changed_on) == (1500, date(2026, 8, 1))


def test_a_bad_wage_change_says_why_and_saves_nothing(client, login_as):
    coach = login_as("coach")
    job = job_for(coach, start_date=date(2026, 3, 2), end_date=date(2026, 9, 30), end_reason="quit")
    url = f"/clients/placements/{job.id}/changes"
    cases = [
        ({"effective_date": "2026-06-01"}, "Enter the new wage, the new hours, or both."),
        ({"effective_date": "2026-02-01", "hourly_wage": "15"}, "That is before the job started."),
        ({"effective_date": "2026-10-01", "hourly_wage": "15"}, "That is after the job ended."),
        ({"effective_date": "", "hourly_wage": "15"}, "Enter the date it applies from."),
        ({"effective_date": "2026-06-01", "hourly_wage": "-4"}, "Enter a wage above $0"),
    ]
    for values, message in cases:
        response = client.post(url, data={"idempotency_key": "bad-key-12", **values})
        assert response.status_code == 200
        assert message in response.text, values
    assert changes_of(job) == []


def test_the_job_form_asks_why_a_job_ended(client, login_as):
    coach = login_as("coach")
    job = job_for(coach, start_date=date(2026, 3, 2))
    url = f"/clients/placements/{job.id}/edit"
    base = {"worksite_id": job.worksite_id, "job_title": "Stocker", "start_date": "2026-03-02"}
    response = client.post(url, data={**base, "end_date": "2026-09-30"})
    assert "Choose why the job ended." in response.text
    response = client.post(url, data={**base, "end_reason": "quit"})
    assert "Enter the last day, or leave the reason empty." in response.text
    response = client.post(url, data={**base, "end_date": "2026-09-30", "end_reason": "health"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, job.id).end_reason == "health"
    assert "Why it ended" in client.get(f"/clients/placements/{job.id}").text


def test_editing_the_start_wage_changes_the_start_row_only(client, login_as):
    coach = login_as("coach")
    job = job_for(coach, start_date=date(2026, 3, 2))
    base = {"worksite_id": job.worksite_id, "job_title": "Stocker", "start_date": "2026-03-02"}
    client.post(f"/clients/placements/{job.id}/edit", data={**base, "hourly_wage": "15"})
    data = {"idempotency_key": "raise-key-2", "effective_date": "2026-06-15", "hourly_wage": "17"}
    client.post(f"/clients/placements/{job.id}/changes", data=data)
    form = client.get(f"/clients/placements/{job.id}/edit").text
    assert 'value="15.00"' in form  # the form shows the start's wage
    client.post(f"/clients/placements/{job.id}/edit", data={**base, "hourly_wage": "14.50"})
    assert changes_of(job) == [(date(2026, 3, 2), 1450, None), (date(2026, 6, 15), 1700, None)]
    db.session.expire_all()
    job = db.session.get(Placement, job.id)
    assert job.hourly_wage_cents == 1700  # still the latest
    assert (job.start_wage_cents, job.pay_changed_on) == (1450, date(2026, 6, 15))


def test_another_coachs_job_page_and_changes_are_not_found(client, login_as):
    login_as("coach")
    job = job_for(make_user("coach"))
    assert client.get(f"/clients/placements/{job.id}").status_code == 404
    data = {"idempotency_key": "raise-key-3", "effective_date": "2026-06-15", "hourly_wage": "17"}
    assert client.post(f"/clients/placements/{job.id}/changes", data=data).status_code == 404
    assert changes_of(job) == []


def test_the_job_page_is_audited(client, login_as):
    coach = login_as("coach")
    job = job_for(coach)
    client.get(f"/clients/placements/{job.id}")
    viewed = db.session.scalar(
        sa.select(AuditEvent.entity_id).where(
            AuditEvent.action == "view", AuditEvent.user_id == coach.id
        )
    )
    assert viewed == job.client_id


def test_program_entry_dates_on_the_client_form(client, login_as):
    coach = login_as("coach")
    form = client.get("/clients/new").text
    assert 'name="referral_date"' in form and 'name="intake_date"' in form
    new = {"first_name": "Ana", "last_name": "Diaz", "status": "referral", "disclosure": "none"}
    client.post("/clients/new", data={**new, "coach_id": coach.id})
    person = db.session.scalar(sa.select(Client))
    assert person.referral_date is not None  # empty: today
    bad = {**new, "coach_id": coach.id, "referral_date": "2026-05-01", "intake_date": "2026-04-01"}
    response = client.post(f"/clients/{person.id}/edit", data=bad)
    assert "The intake date is before the referral date." in response.text
    good = {**bad, "intake_date": "2026-05-11"}
    client.post(f"/clients/{person.id}/edit", data=good)
    db.session.expire_all()
    person = db.session.get(Client, person.id)
    assert (person.referral_date, person.intake_date) == (date(2026, 5, 1), date(2026, 5, 11))
    assert person.entry_date == date(2026, 5, 11)
    assert "Intake" in client.get(f"/clients/{person.id}").text
