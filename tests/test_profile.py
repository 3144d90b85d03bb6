"""The career profile: one page per client, each section edited on its own and audited,
a work history to add to, correct and prune, and the monthly earnings report on Today."""

from datetime import date, datetime

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, CareerProfile, DueItem, PastJob, SignoffLink
from coach.profile.services import next_month
from tests.clock import freeze_clock
from tests.factories import make_client, make_user

NOW = datetime(2026, 11, 30, 9, 0)  # local, New York


def profile_of(person) -> CareerProfile | None:
    return db.session.scalars(
        sa.select(CareerProfile).where(CareerProfile.client_id == person.id)
    ).first()


def events(action: str, entity: str) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_type == entity
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def test_the_client_page_links_to_an_empty_profile(client, login_as):
    person = make_client(login_as("coach"), "Rosa", "Diaz")
    assert f'href="/clients/{person.id}/profile"' in client.get(f"/clients/{person.id}").text
    page = client.get(f"/clients/{person.id}/profile").text
    assert "Career profile" in page and "Nothing recorded yet." in page
    assert "No jobs recorded yet." in page
    assert events("view", "client")[-1].entity_id == person.id  # a view of the person's record
    client.get(f"/clients/{person.id}/profile/work")  # opening a form writes nothing
    assert profile_of(person) is None


def test_a_section_saved_shows_on_the_page_and_is_audited_by_name(client, login_as):
    person = make_client(login_as("coach"), "Rosa", "Diaz")
    response = client.post(
        f"/clients/{person.id}/profile/work",
        data={"kinds_of_work": "Stocking shelves", "wanted_hours": "20", "shifts": "Mornings"},
    )
    assert response.location == f"/clients/{person.id}/profile#work"
    profile = profile_of(person)
    assert (profile.kinds_of_work, profile.wanted_hours_tenths) == ("Stocking shelves", 200)
    page = client.get(f"/clients/{person.id}/profile").text
    assert "Stocking shelves" in page and "Mornings" in page
    (update,) = events("update", "career_profile")
    assert "kinds_of_work changed" in update.summary and "Stocking" not in update.summary
    assert "wanted_hours: None → Decimal('20')" in update.summary
    assert len(events("create", "career_profile")) == 1
    client.post(f"/clients/{person.id}/profile/strengths", data={"strengths": "Punctual"})
    assert profile_of(person).kinds_of_work == "Stocking shelves"  # other sections kept
    assert db.session.scalar(sa.select(sa.func.count(CareerProfile.id))) == 1


def test_bad_input_is_refused_beside_the_field_and_nothing_saved(client, login_as):
    person = make_client(login_as("coach"))
    page = client.post(f"/clients/{person.id}/profile/work", data={"wanted_hours": "200"}).text
    assert "Enter 1 to 80 hours a week." in page and profile_of(person) is None
    page = client.post(
        f"/clients/{person.id}/profile/family", data={"family_permission": "yes"}
    ).text
    assert "Name whom we may involve." in page and profile_of(person) is None
    page = client.post(
        f"/clients/{person.id}/profile/benefits", data={"reports_earnings_monthly": "y"}
    ).text
    assert "Enter when the next report is due" in page and profile_of(person) is None
    page = client.post(
        f"/clients/{person.id}/profile/disclosure",
        data={"disclosure": "functional", "disclosure_agreed_on": "1990-01-01"},
    ).text
    assert "Enter a date from" in page and person.disclosure == "none"


def test_the_disclosure_choice_is_the_clients_and_still_revokes_open_links(client, login_as):
    from coach.accommodations.services import create_link
    from tests.factories import make_request

    coach = login_as("coach")
    person = make_client(coach)
    request = make_request(person, coach, functional_limitation="Cannot lift")
    create_link(request, "DOCUMENT", coach, "Dana", "")
    db.session.commit()
    client.post(
        f"/clients/{person.id}/profile/disclosure",
        data={
            "disclosure": "functional",
            "disclosure_reasons": "Wants help explaining breaks",
            "disclosure_agreed_on": "2026-11-20",
        },
    )
    db.session.expire_all()
    assert person.disclosure == "functional"
    assert profile_of(person).disclosure_agreed_on == date(2026, 11, 20)
    link = db.session.scalars(sa.select(SignoffLink)).one()
    assert link.revoked_at is not None
    (update,) = events("update", "career_profile")
    assert "disclosure: 'none' → 'functional'" in update.summary
    assert "disclosure_reasons changed" in update.summary and "breaks" not in update.summary
    page = client.get(f"/clients/{person.id}/profile").text
    assert "Functional limitations only" in page and "Wants help explaining breaks" in page


def test_work_history_is_added_once_edited_and_removed(client, login_as):
    person = make_client(login_as("coach"))
    data = {
        "idempotency_key": "job-00000001",
        "employer_name": "Blue Door Bakery",
        "job_title": "Dishwasher",
        "started_on": "2019-03-01",
        "ended_on": "2021-06-30",
        "why_ended": "The bakery closed",
    }
    url = f"/clients/{person.id}/profile/jobs/new"
    assert client.post(url, data=data).location == f"/clients/{person.id}/profile#history"
    client.post(url, data=data)  # a double tap
    job = db.session.scalars(sa.select(PastJob)).one()
    page = client.get(f"/clients/{person.id}/profile").text
    assert "Dishwasher" in page and "Blue Door Bakery" in page and "The bakery closed" in page

    bad = client.post(f"/past-jobs/{job.id}/edit", data={**data, "ended_on": "2018-01-01"}).text
    assert "The end is before the start." in bad
    db.session.expire_all()
    assert job.ended_on == date(2021, 6, 30)
    client.post(f"/past-jobs/{job.id}/edit", data={**data, "job_title": "Baker's helper"})
    db.session.expire_all()
    assert job.job_title == "Baker's helper"
    assert "job_title: 'Dishwasher' → \"Baker's helper\"" in events("update", "past_job")[0].summary

    client.post(f"/past-jobs/{job.id}/remove")
    assert db.session.scalar(sa.select(sa.func.count(PastJob.id))) == 0
    assert len(events("delete", "past_job")) == 1


def test_a_new_job_needs_an_employer_and_a_job(client, login_as):
    person = make_client(login_as("coach"))
    page = client.post(
        f"/clients/{person.id}/profile/jobs/new", data={"idempotency_key": "job-00000002"}
    ).text
    assert "Enter the employer." in page and "Enter the job." in page
    assert db.session.scalar(sa.select(sa.func.count(PastJob.id))) == 0


def test_another_coachs_client_profile_answers_404(client, login_as):
    login_as("coach")
    other = make_client(make_user("coach"), "Private", "Person")
    for url in (f"/clients/{other.id}/profile", f"/clients/{other.id}/profile/benefits"):
        assert client.get(url).status_code == 404
    response = client.post(f"/clients/{other.id}/profile/work", data={"shifts": "Nights"})
    assert response.status_code == 404 and profile_of(other) is None


def test_a_supervisor_sees_every_profile(client, login_as):
    login_as("supervisor")
    person = make_client(make_user("coach"), "Rosa", "Diaz")
    assert client.get(f"/clients/{person.id}/profile").status_code == 200


def test_the_monthly_earnings_report_is_on_today_until_helped(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    client.post(
        f"/clients/{person.id}/profile/benefits",
        data={"ssi": "y", "reports_earnings_monthly": "y", "earnings_report_due": "2026-12-06"},
    )
    item = db.session.scalars(sa.select(DueItem).where(DueItem.kind == "earnings_report")).one()
    assert item.due_at == datetime(2026, 12, 7, 5, 0)  # the end of Dec 6 in New York
    today = client.get("/today/").text
    assert "Help report this month" in today and f"/clients/{person.id}/profile#benefits" in today
    client.post(f"/clients/{person.id}/profile/earnings-reported")
    db.session.expire_all()
    assert profile_of(person).earnings_report_due == date(2027, 1, 6)
    item = db.session.scalars(sa.select(DueItem).where(DueItem.kind == "earnings_report")).one()
    assert item.due_at == datetime(2027, 1, 7, 5, 0)
    client.post(f"/clients/{person.id}/profile/benefits", data={"ssi": "y"})  # stops reporting
    assert (
        db.session.scalars(sa.select(DueItem).where(DueItem.kind == "earnings_report")).all() == []
    )


def test_next_month_keeps_the_day_or_takes_the_months_last():
    assert next_month(date(2026, 12, 6)) == date(2027, 1, 6)
    assert next_month(date(2027, 1, 31)) == date(2027, 2, 28)
