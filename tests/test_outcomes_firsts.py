"""A client's first contact, first start and first wage are kept on their row with the
records they come from (coach/outcomes/firsts.py): after each kind of write the kept
values equal what the records say, worked out again."""

from datetime import date

import sqlalchemy as sa

from coach.extensions import db
from coach.models import Client, EmployerContact, Placement, PlacementChange
from coach.outcomes import firsts
from tests.factories import (
    make_client,
    make_contact,
    make_employer,
    make_placement,
    make_user,
    make_worksite,
)


def kept(client) -> tuple:
    db.session.expire_all()
    row = db.session.get(Client, client.id)
    return row.first_contact_on, row.first_start_on, row.first_wage_cents


def afresh(client) -> tuple:
    return db.session.execute(
        sa.select(firsts.first_contact_on(), firsts.first_start_on(), firsts.first_wage_cents())
        .select_from(Client)
        .where(Client.id == client.id)
    ).one()


def check(client, expected: tuple) -> None:
    assert kept(client) == tuple(afresh(client)) == expected


def test_each_kind_of_write_keeps_the_first_facts(ctx):
    coach = make_user("coach")
    rosa = make_client(coach, "Rosa", intake_date=date(2026, 3, 1))
    other = make_client(coach, "Omar", intake_date=date(2026, 2, 1))
    grocery = make_employer("Green Valley Grocery", created_by=coach)
    site = make_worksite(grocery)
    check(rosa, (None, None, None))

    # A contact before entry does not count; one after does.
    make_contact(coach, grocery, contact_date=date(2026, 2, 20), clients=[rosa])
    check(rosa, (None, None, None))
    contact = make_contact(coach, grocery, contact_date=date(2026, 3, 10), clients=[rosa])
    check(rosa, (date(2026, 3, 10), None, None))

    # An earlier intake date brings the February contact in (the client row changed).
    rosa.intake_date = date(2026, 2, 1)
    db.session.commit()
    check(rosa, (date(2026, 2, 20), None, None))

    # A contact's date moved, with its people not loaded: the named clients follow.
    db.session.expire_all()
    moved = db.session.get(EmployerContact, contact.id)
    moved.contact_date = date(2026, 2, 5)
    db.session.commit()
    check(rosa, (date(2026, 2, 5), None, None))

    # Rosa taken off that contact and Omar named instead.
    db.session.expire_all()
    changed = db.session.scalars(
        sa.select(EmployerContact)
        .where(EmployerContact.id == contact.id)
        .options(sa.orm.selectinload(EmployerContact.clients))
    ).one()
    changed.clients = [db.session.get(Client, other.id)]
    db.session.commit()
    check(rosa, (date(2026, 2, 20), None, None))
    check(other, (date(2026, 2, 5), None, None))

    # Jobs: the first start after entry, and the first wage of the first paid job.
    early = make_placement(rosa, site, "Bagger", start_date=date(2026, 1, 10))
    check(rosa, (date(2026, 2, 20), None, None))  # before entry, and no wage
    clerk = make_placement(rosa, site, "Clerk", start_date=date(2026, 4, 6), hourly_wage_cents=1500)
    check(rosa, (date(2026, 2, 20), date(2026, 4, 6), 1500))

    # A wage recorded later for the January job makes it the first paid job.
    db.session.add(
        PlacementChange(
            placement_id=early.id,
            effective_date=date(2026, 1, 10),
            hourly_wage_cents=1200,
            idempotency_key="first-wage-key-1",
        )
    )
    db.session.commit()
    check(rosa, (date(2026, 2, 20), date(2026, 4, 6), 1200))

    # The clerk job's start moved; then the job removed.
    db.session.get(Placement, clerk.id).start_date = date(2026, 5, 4)
    db.session.commit()
    check(rosa, (date(2026, 2, 20), date(2026, 5, 4), 1200))
    db.session.delete(db.session.get(Placement, clerk.id))
    db.session.commit()
    check(rosa, (date(2026, 2, 20), None, 1200))


def test_the_kept_facts_leave_the_clients_updated_time_alone(ctx):
    coach = make_user("coach")
    rosa = make_client(coach, "Rosa", intake_date=date(2026, 3, 1))
    before = db.session.get(Client, rosa.id).updated_at
    make_contact(coach, make_employer(created_by=coach), date(2026, 3, 9), clients=[rosa])
    db.session.expire_all()
    assert db.session.get(Client, rosa.id).updated_at == before
    assert kept(rosa)[0] == date(2026, 3, 9)


def test_a_contact_logged_through_the_form_keeps_the_first_contact(client, login_as):
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", intake_date=date(2026, 3, 1), disclosure="functional")
    grocery = make_employer("Green Valley Grocery", created_by=coach)
    response = client.post(
        "/jobdev/new",
        data={
            "idempotency_key": "first-contact-key-1",
            "employer_id": grocery.id,
            "employer_name": grocery.name,
            "contact_date": "2026-03-12",
            "method": "in_person",
            "purpose": "present_job_seeker",
            "client_ids": [rosa.id],
        },
    )
    assert response.status_code == 302, response.text
    check(rosa, (date(2026, 3, 12), None, None))
