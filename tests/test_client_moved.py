"""A client moved to another coach's caseload stays on the leads and employer contacts
that named them, but the coach who no longer has them neither sees them there nor
writes to their record through them; a supervisor still sees every job seeker, and the
first coach's edit of the lead keeps the one they no longer see."""

import sqlalchemy as sa

from coach.extensions import db
from coach.models import Client, JobApplication, Lead, Placement
from tests.factories import (
    make_client,
    make_contact,
    make_employer,
    make_lead,
    make_user,
    make_worksite,
)


def moved_seeker(login_as):
    """Coach A's lead and contact for Rosa (moved to coach B) and Sam (still A's)."""
    coach_a = login_as("coach")
    coach_b = make_user("coach")
    rosa = make_client(coach_a, "Rosa", "Moved")
    sam = make_client(coach_a, "Sam", "Stays")
    employer = make_employer("Acme Foods", created_by=coach_a)
    site = make_worksite(employer)
    lead = make_lead(coach_a, employer, [rosa, sam])
    contact = make_contact(coach_a, employer, clients=[rosa, sam])
    rosa.coach_id = coach_b.id
    db.session.commit()
    return dict(rosa=rosa, sam=sam, lead=lead, contact=contact, site=site)


def test_the_first_coach_no_longer_sees_the_moved_client_on_the_lead(client, login_as):
    world = moved_seeker(login_as)
    for path in (f"/leads/{world['lead'].id}", "/leads/", f"/jobdev/{world['contact'].id}"):
        page = client.get(path).text
        assert "Sam Stays" in page and "Rosa" not in page, path
    page = client.get(f"/leads/{world['lead'].id}/hire").text
    assert "Sam Stays" in page and "Rosa" not in page


def test_the_first_coach_cannot_log_or_hire_the_moved_client_through_the_lead(client, login_as):
    world = moved_seeker(login_as)
    rosa, lead = world["rosa"], world["lead"]
    client.post(f"/leads/{lead.id}/status", data={"status": "applied", "client_id": rosa.id})
    assert not db.session.scalars(
        sa.select(JobApplication).where(JobApplication.client_id == rosa.id)
    ).all()
    page = client.post(
        f"/leads/{lead.id}/hire",
        data={
            "client_id": rosa.id,
            "worksite_id": world["site"].id,
            "job_title": "Stocker",
            "start_date": "2026-11-02",
        },
    )
    assert page.status_code == 200 and "Choose one of the options shown" in page.text
    db.session.expire_all()
    assert db.session.get(Client, rosa.id).status != "employed"
    assert not db.session.scalars(sa.select(Placement).where(Placement.client_id == rosa.id)).all()


def test_an_edit_of_the_lead_keeps_the_seeker_the_coach_no_longer_sees(client, login_as, auth):
    world = moved_seeker(login_as)
    lead = world["lead"]
    form = client.get(f"/leads/{lead.id}/edit").text
    assert "Rosa" not in form
    response = client.post(
        f"/leads/{lead.id}/edit",
        data={
            "employer_id": lead.employer_id,
            "position": "Night stocker",
            "client_ids": [world["sam"].id],
            "source": "other",
        },
    )
    assert response.status_code == 302, response.text[:400]
    db.session.expire_all()
    kept = db.session.scalars(sa.select(Lead).options(sa.orm.selectinload(Lead.clients)))
    assert {c.first_name for c in kept.one().clients} == {"Rosa", "Sam"}
    auth.logout()
    auth.login(make_user("supervisor").email)
    page = client.get(f"/leads/{lead.id}").text
    assert "Rosa Moved" in page and "Sam Stays" in page
