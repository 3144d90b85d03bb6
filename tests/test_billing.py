"""Funders and authorizations: admins keep service types and funders; a client's
authorizations show units used and left; each visit has a service and is billable only
within an authorization, yet always saved."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.billing.services import ending_soon, nearly_used, rates_in, rebill_client, units_in
from coach.extensions import db
from coach.models import AuditEvent, Authorization, Funder, ServiceType, Visit
from tests.clock import freeze_clock
from tests.factories import (
    make_authorization,
    make_billed_visit,
    make_client,
    make_funder,
    make_user,
    make_visit,
    service,
    set_rate,
)

NOW = datetime(2026, 11, 30, 9, 0)  # local, New York


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    freeze_clock(monkeypatch, NOW)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


# --- service types and funders (admins) ------------------------------------------------


def test_the_common_services_are_seeded_and_listed_for_admins(client, login_as):
    login_as("admin")
    page = client.get("/billing/services").text
    for name in ("Job coaching, on-site training", "Travel training", "Job development"):
        assert name in page
    assert "Benefits counselling referral" in page and "per milestone" in page


def test_an_admin_adds_a_service_once_and_a_code_is_unique(client, login_as):
    login_as("admin")
    data = {"idempotency_key": "svc-1-tapkey", "code": "wsa", "name": "Work-site analysis"}
    data |= {"unit": "hour", "rate": "62.50"}
    assert client.post("/billing/services", data=data).status_code == 302
    assert client.post("/billing/services", data=data).status_code == 302  # a double tap
    added = db.session.scalars(sa.select(ServiceType).where(ServiceType.code == "WSA")).one()
    assert added.unit == "hour" and added.active
    assert rates_in(date(2026, 11, 1)) == {added.id: 6250}  # from the start
    again = client.post("/billing/services", data=data | {"idempotency_key": "svc-2-tapkey"})
    assert "Another service has this code." in again.text


def test_a_service_in_use_is_deactivated_not_deleted(client, login_as):
    admin = login_as("admin")
    person = make_client(make_user("coach"))
    make_billed_visit(person, admin)
    used = service("JOBCOACH")
    response = client.post(f"/billing/services/{used.id}/delete", follow_redirects=True)
    assert "uncheck “In use” instead" in response.text
    assert db.session.get(ServiceType, used.id) is not None
    form = {"code": "JOBCOACH", "name": used.name, "unit": "15min"}  # "active" unchecked
    client.post(f"/billing/services/{used.id}/edit", data=form)
    db.session.expire_all()
    assert not db.session.get(ServiceType, used.id).active
    visit_form = client.get(f"/clients/{person.id}/visits/new").text
    assert "Job coaching, on-site training" not in visit_form
    unused_id = service("TRAVEL").id
    set_rate("TRAVEL", 900)  # an unused service's rates go with it
    client.post(f"/billing/services/{unused_id}/delete")
    db.session.expire_all()
    assert db.session.get(ServiceType, unused_id) is None


def test_an_admin_sets_a_rate_from_a_month_and_the_history_shows(client, login_as):
    from coach.models import AuditEvent

    login_as("admin")
    job = service("JOBCOACH")
    url = f"/billing/services/{job.id}/rates"
    page = client.get(f"/billing/services/{job.id}/edit").text
    assert "No rate yet: its claims have no amount." in page
    bad = {"rate": "16", "month": "2026-13"}
    assert "Enter a month as YYYY-MM, e.g. 2026-11." in client.post(url, data=bad).text
    far = client.post(url, data={"rate": "16", "month": "2031-01"}).text
    assert "Pick a month from November 2023 to November 2028." in far
    assert "Enter a number, like 12.5." in client.post(url, data=bad | {"rate": "ten"}).text
    assert rates_in(date(2026, 12, 1)) == {}  # nothing saved
    assert client.post(url, data={"rate": "15", "month": "2026-01"}).status_code == 302
    assert client.post(url, data={"rate": "16.50", "month": "2026-12"}).status_code == 302
    page = client.get(f"/billing/services/{job.id}/edit").text
    assert page.index("$16.50 a unit") < page.index("From December 2026")
    assert page.index("From December 2026") < page.index("$15.00 a unit")
    assert "From January 2026" in page
    assert rates_in(date(2026, 11, 1)) == {job.id: 1500}
    assert rates_in(date(2027, 3, 1)) == {job.id: 1650}
    assert rates_in(date(2025, 12, 1)) == {}
    client.post(url, data={"rate": "", "month": "2027-02"})  # no rate from February
    assert rates_in(date(2027, 3, 1)) == {}
    client.post(url, data={"rate": "17", "month": "2026-12"})  # December's rate corrected
    assert rates_in(date(2026, 12, 1)) == {job.id: 1700}
    changes = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.entity_type == "service_type")
    ).all()
    assert "rate from December 2026: $16.50 → $17.00" in changes
    assert "$15.00 a unit this month" in client.get("/billing/services").text  # November


def test_an_admin_adds_and_edits_a_funder(client, login_as):
    login_as("admin")
    data = {"idempotency_key": "f-1-tapkey", "name": "Ohio OOD", "kind": "state_vr"}
    data |= {
        "contact_name": "Pat Lee",
        "contact_email": "pat@ood.example",
        "contact_phone": "614 555 0100",
    }
    client.post("/billing/funders/new", data=data)
    client.post("/billing/funders/new", data=data)  # a double tap
    funder = db.session.scalars(sa.select(Funder)).one()
    assert funder.active and funder.contact_phone == "614 555 0100"
    assert "Pat Lee" in client.get("/billing/funders").text
    bad = client.post(f"/billing/funders/{funder.id}/edit", data=data | {"contact_email": "nope"})
    assert "Enter an email like" in bad.text
    client.post(f"/billing/funders/{funder.id}/edit", data=data | {"name": "OOD Columbus"})
    db.session.expire_all()
    assert db.session.get(Funder, funder.id).name == "OOD Columbus"
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.entity_type == "funder"))


@pytest.mark.parametrize("role", ["coach", "supervisor"])
def test_only_admins_keep_the_lists(client, login_as, role):
    login_as(role)
    for path in ("/billing/services", "/billing/funders", "/billing/funders/new"):
        assert client.get(path).status_code == 404


# --- authorizations ------------------------------------------------------------------


def authorization_form(funder, **fields) -> dict:
    data = {
        "idempotency_key": "auth-key-1",
        "funder_id": funder.id,
        "service_type_id": service("JOBCOACH").id,
        "number": "VR-123",
        "start_date": "2026-11-01",
        "end_date": "2027-01-31",
        "units": "40",
        "notes": "Per counsellor email",
    }
    return data | fields


def test_a_coach_adds_an_authorization_on_the_client_page(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    funder = make_funder(make_user("admin"), "Ohio OOD")
    form = client.get(f"/billing/clients/{person.id}/authorizations/new").text
    assert "Ohio OOD" in form and "Job coaching" in form
    response = client.post(
        f"/billing/clients/{person.id}/authorizations/new", data=authorization_form(funder)
    )
    assert response.status_code == 302
    client.post(f"/billing/clients/{person.id}/authorizations/new", data=authorization_form(funder))
    assert count(Authorization) == 1  # a double tap made one
    page = client.get(f"/clients/{person.id}").text
    assert "VR-123" in page and "0 of 40 units used (0 %) · 40 left" in page


def test_overlapping_authorizations_for_a_service_are_refused_beside_the_dates(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    first = make_authorization(person, coach, number="VR-1")
    data = authorization_form(db.session.get(Funder, first.funder_id), number="VR-2")
    data |= {"start_date": "2027-01-15", "end_date": "2027-03-31", "idempotency_key": "k-2-tapkey"}
    response = client.post(f"/billing/clients/{person.id}/authorizations/new", data=data)
    assert response.status_code == 200
    assert response.text.count("These dates overlap authorization VR-1") == 2
    assert count(Authorization) == 1
    # Another service may share the dates; the same service may follow on.
    client.post(
        f"/billing/clients/{person.id}/authorizations/new",
        data=data | {"service_type_id": service("TRAVEL").id},
    )
    client.post(
        f"/billing/clients/{person.id}/authorizations/new",
        data=data | {"start_date": "2027-02-01", "idempotency_key": "k-3-tapkey"},
    )
    assert count(Authorization) == 3


def test_bad_dates_and_units_are_refused(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    funder = make_funder(coach)
    url = f"/billing/clients/{person.id}/authorizations/new"
    cases = [
        ({"end_date": "2026-10-01"}, "The last day is before the first."),
        ({"units": "0"}, "From 1 to 100,000 units."),
        ({"start_date": "1999-01-01"}, "Enter a date from"),
        ({"funder_id": "0"}, "Pick the funder."),
        ({"service_type_id": "999999"}, "Choose one of the options shown"),
    ]
    for fields, message in cases:
        response = client.post(url, data=authorization_form(funder, **fields))
        assert response.status_code == 200 and message in response.text, fields
    assert count(Authorization) == 0


def test_another_coachs_client_and_authorization_answer_404(client, login_as):
    login_as("coach")
    other = make_user("coach")
    person = make_client(other)
    grant = make_authorization(person, other)
    assert client.get(f"/billing/clients/{person.id}/authorizations/new").status_code == 404
    assert client.get(f"/billing/authorizations/{grant.id}/edit").status_code == 404


def test_the_bar_shows_units_used_and_left_and_warns_at_80_percent(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    grant = make_authorization(person, coach, number="VR-9", units=10)
    for day in (2, 3, 4, 5):  # 2 units each (30 minutes)
        make_billed_visit(person, coach, started_at=datetime(2026, 11, day, 15, 0))
    page = client.get(f"/clients/{person.id}").text
    assert "8 of 10 units used (80 %) · 2 left" in page
    assert 'width="80"' in page  # the bar
    assert "80 % used: ask" in page
    assert "ask for a renewal" not in page  # it ends January 31
    client.post(
        f"/billing/authorizations/{grant.id}/edit",
        data=authorization_form(db.session.get(Funder, grant.funder_id), number="VR-9", units="20"),
    )
    page = client.get(f"/clients/{person.id}").text
    assert "8 of 20 units used (40 %) · 12 left" in page and "% used: ask" not in page


def test_an_authorization_ending_within_30_days_asks_for_a_renewal(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_authorization(person, coach, end_date=date(2026, 12, 30))
    assert "Ends Dec 30, 2026: ask for a renewal." in client.get(f"/clients/{person.id}").text
    assert ending_soon(date(2026, 12, 30), date(2026, 11, 30))
    assert not ending_soon(date(2026, 12, 31), date(2026, 11, 30))
    assert nearly_used(8, 10) and not nearly_used(7, 10)


# --- each visit: its service and billability ----------------------------------------


def test_a_written_up_visit_defaults_to_the_authorized_service(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_authorization(person, coach, code="TRAVEL")
    form = client.get(f"/clients/{person.id}/visits/new").text
    travel = service("TRAVEL").id
    assert f'<option selected value="{travel}">Travel training</option>' in form
    assert "Benefits counselling referral" not in form  # paid per milestone, not per visit


def test_a_visit_started_now_takes_the_authorized_service_and_one_tap_changes_it(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_authorization(person, coach, units=4)
    client.post(f"/clients/{person.id}/visits/start", data={"idempotency_key": "start-1-tapkey"})
    visit = db.session.scalars(sa.select(Visit)).one()
    assert visit.service_type_id == service("JOBCOACH").id
    panel = client.get(f"/clients/{person.id}").text
    assert f'<option selected value="{service("JOBCOACH").id}">' in panel
    client.post(
        f"/visits/{visit.id}/end",
        data={
            "contact_type": "on_site",
            "placement_id": "0",
            "service_type_id": service("FOLLOW").id,
            "started_at": "2026-11-30T08:30",
        },
    )
    db.session.expire_all()
    ended = db.session.get(Visit, visit.id)
    assert ended.service_type_id == service("FOLLOW").id and not ended.billable
    assert ended.billing_note == "No authorization for Follow-along or extended services on 11/30"


def write_up(client, person, start: str, end: str, code="JOBCOACH", key="w-1-tapkey"):
    return client.post(
        f"/clients/{person.id}/visits/new",
        data={
            "idempotency_key": key,
            "contact_type": "on_site",
            "placement_id": "0",
            "service_type_id": service(code).id,
            "started_at": start,
            "ended_at": end,
            "tasks_observed": "Stocked the dairy case",
        },
    )


def test_an_over_the_limit_visit_is_saved_and_marked_with_the_reason(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_authorization(person, coach, number="123", units=4)
    write_up(client, person, "2026-11-27T09:00", "2026-11-27T09:30", key="w-1-tapkey")  # 2 units
    write_up(client, person, "2026-11-28T09:00", "2026-11-28T10:00", key="w-2-tapkey")  # 4 units
    first, second = db.session.scalars(sa.select(Visit).order_by(Visit.started_at)).all()
    assert first.billable and first.billing_units == 2
    assert not second.billable and second.tasks_observed == "Stocked the dairy case"
    assert second.billing_note == "Exceeds authorization 123: 2 units over"
    page = client.get(f"/visits/{second.id}").text
    assert "Not billable: Exceeds authorization 123: 2 units over" in page
    assert "Billable: 2 units of 15 minutes" in client.get(f"/visits/{first.id}").text
    listed = client.get("/visits/?start=2026-11-01").text
    assert listed.count("Not billable: Exceeds authorization 123: 2 units over") == 1
    history = client.get(f"/clients/{person.id}/visits").text
    assert "Not billable: Exceeds authorization 123" in history
    assert "2 of 4 units used (50 %) · 2 left" in client.get(f"/clients/{person.id}").text


def test_a_visit_outside_any_authorization_and_one_without_a_service(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_authorization(person, coach, start_date=date(2026, 12, 1), number="VR-5")
    write_up(client, person, "2026-11-03T09:00", "2026-11-03T09:30")
    visit = db.session.scalars(sa.select(Visit)).one()
    assert visit.billing_note == "No authorization for Job coaching, on-site training on 11/3"
    old = make_visit(person, coach)  # as the migration leaves an earlier visit
    rebill_client(person.id)
    db.session.commit()
    assert old.billing_note == "No service type" and not old.billable


def test_units_count_on_the_local_day_across_a_month_end(ctx):
    """A visit at 10 pm on November 30 in New York is 3 am on December 1 in UTC: it
    counts against November's authorization, not December's."""
    coach = make_user("coach")
    person = make_client(coach)
    november = make_authorization(
        person, coach, start_date=date(2026, 11, 1), end_date=date(2026, 11, 30), units=10
    )
    december = make_authorization(
        person, coach, start_date=date(2026, 12, 1), end_date=date(2026, 12, 31), units=10
    )
    late = make_billed_visit(person, coach, minutes=45, started_at=datetime(2026, 12, 1, 3, 0))
    assert late.authorization_id == november.id and late.billing_units == 3
    assert december.id != late.authorization_id


def test_units_across_the_night_the_clocks_go_back(ctx):
    """November 1, 2026 in New York: 1:00-2:00 am happens twice. A visit from 11:30 pm
    on October 31 (EDT) counts against October's authorization; one from 1:30 am EDT to
    2:30 am EST is two hours by the clock on the wall and by UTC: 8 quarter hours, all
    of November's. Worked by hand: October 2 units used, November 8."""
    coach = make_user("coach")
    person = make_client(coach)
    october = make_authorization(
        person, coach, start_date=date(2026, 10, 1), end_date=date(2026, 10, 31), units=10
    )
    november = make_authorization(
        person, coach, start_date=date(2026, 11, 1), end_date=date(2026, 11, 30), units=10
    )
    late = make_billed_visit(person, coach, minutes=30, started_at=datetime(2026, 11, 1, 3, 30))
    night = make_billed_visit(person, coach, minutes=120, started_at=datetime(2026, 11, 1, 5, 30))
    assert (late.authorization_id, late.billing_units) == (october.id, 2)
    assert (night.authorization_id, night.billing_units) == (november.id, 8)
    used = dict(
        db.session.execute(
            sa.select(Visit.authorization_id, sa.func.sum(Visit.billing_units))
            .where(Visit.billable)
            .group_by(Visit.authorization_id)
        ).all()
    )
    assert used == {october.id: 2, november.id: 8}


def test_an_amendment_or_a_deletion_counts_the_units_again(client, login_as):
    supervisor = login_as("supervisor")
    person = make_client(make_user("coach"))
    make_authorization(person, supervisor, number="77", units=2)
    first = make_billed_visit(person, supervisor, started_at=datetime(2026, 11, 2, 14, 0))
    second = make_billed_visit(person, supervisor, started_at=datetime(2026, 11, 3, 14, 0))
    assert first.billable and not second.billable
    client.post(f"/visits/{first.id}/delete")
    db.session.expire_all()
    assert db.session.get(Visit, second.id).billable


def test_a_visit_shorter_than_one_unit_is_kept_and_not_billed(client, login_as):
    """Seven minutes of job coaching is no unit under the 8-minute rule: a $0 line on a
    claim is one a funder rejects, so the visit is kept, marked, and takes nothing from
    the authorization (nor is it flagged as over it)."""
    coach = login_as("coach")
    person = make_client(coach)
    make_authorization(person, coach, number="VR-9", units=4)
    write_up(client, person, "2026-11-27T09:00", "2026-11-27T09:07")
    visit = db.session.scalars(sa.select(Visit)).one()
    assert (visit.billable, visit.billing_units, visit.authorization_id) == (False, 0, None)
    assert visit.billing_note == "Less than 1 unit of 15 minutes"
    assert "over" not in visit.review_flags
    assert "Not billable: Less than 1 unit of 15 minutes" in client.get(f"/visits/{visit.id}").text


def test_hours_and_quarter_hours(ctx):
    assert units_in("15min", 38, 3) == 3
    assert units_in("hour", 89, 6) == 1 and units_in("hour", 90, 6) == 2
    assert units_in("hour", 0, 0) == 0


def test_today_lists_an_authorization_nearly_used_and_one_ending(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_authorization(person, coach, number="VR-8", units=2, end_date=date(2026, 12, 29))
    make_authorization(person, coach, code="TRAVEL", number="VR-9", end_date=date(2026, 12, 31))
    make_billed_visit(person, coach, started_at=datetime(2026, 11, 2, 14, 0))
    today = client.get("/today/").text
    assert "Authorization nearly used: VR-8 is 80% used: ask for more units" in today
    assert "Authorization ends: VR-8: ask the funder to renew it" in today
    assert f"/clients/{person.id}#authorizations" in today
    assert "VR-9" not in today  # it ends in 31 days


def test_the_authorization_form_belongs_to_the_caseload_tab(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    page = client.get(f"/billing/clients/{person.id}/authorizations/new").text
    assert 'aria-current="page"' in page.split("Caseload")[0].rsplit("<a", 1)[1]


def billing_of(person) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(Visit.id, Visit.authorization_id, Visit.billing_units, Visit.billable)
        .add_columns(Visit.billing_note)
        .where(Visit.client_id == person.id, Visit.deleted_at.is_(None))
        .order_by(Visit.id)
    ).all()


def test_a_change_to_one_visit_bills_as_a_recount_of_every_visit_would(client, login_as):
    """A write, an amendment or a deletion works out again only the visits of the changed
    visit's services from its earlier start on; the result is what counting all of the
    client's visits from the first gives."""
    from coach.visits.services import soft_delete

    coach = login_as("coach")
    person = make_client(coach)
    make_authorization(person, coach, number="JC", units=7)  # job coaching
    make_authorization(person, coach, code="TRAVEL", number="TT", units=6)
    days = ["2026-11-10", "2026-11-12", "2026-11-14", "2026-11-16"]
    for n, day in enumerate(days):  # 2 units each, job coaching and travel in turn
        code = "JOBCOACH" if n % 2 == 0 else "TRAVEL"
        write_up(client, person, f"{day}T09:00", f"{day}T09:30", code=code, key=f"w-{n}-tapkey")
    write_up(client, person, "2026-11-18T09:00", "2026-11-18T10:00", key="w-9-tapkey")
    ids = [row[0] for row in billing_of(person)]

    def recounted() -> list[tuple]:
        now = billing_of(person)
        rebill_client(person.id)
        db.session.commit()
        assert billing_of(person) == now
        return now

    rows = recounted()  # the last job coaching visit takes it past 7 units
    assert [row[3] for row in rows] == [True, True, True, True, False]
    # Moved earlier and changed to travel: the travel visits after it are counted again.
    amend = {
        "contact_type": "on_site",
        "placement_id": "0",
        "objective_id": "0",
        "service_type_id": service("TRAVEL").id,
        "started_at": "2026-11-09T09:00",
        "ended_at": "2026-11-09T10:00",
        "tasks_observed": "Moved",
    }
    assert client.post(f"/visits/{ids[4]}/edit", data=amend).status_code == 302
    rows = recounted()
    assert [row[3] for row in rows] == [True, True, True, False, True]
    assert rows[3][4] == "Exceeds authorization TT: 2 units over"
    soft_delete(db.session.get(Visit, ids[4]), make_user("supervisor"))  # as its route does
    db.session.commit()  # the travel units come back
    assert [row[3] for row in recounted()] == [True, True, True, True]
    amend.update(service_type_id="0", started_at="2026-11-10T09:00", ended_at="2026-11-10T09:30")
    client.post(f"/visits/{ids[0]}/edit", data=amend)  # no service now
    rows = recounted()
    assert rows[0][4] == "No service type" and not rows[0][3]


def test_units_sent_to_the_funder_count_before_a_visit_written_up_for_an_earlier_day(
    client, login_as, auth
):
    """An 8-unit authorization whose later visit (8 units) was exported: a visit written
    up afterwards for an earlier day, or an old visit given its service later, finds no
    units left, and no recount of the client bills the funder past its total."""
    from coach.billing.services import rebill_after_change, used_units
    from coach.models import BillingBatch

    boss = make_user("supervisor")
    coach = login_as("coach")
    person = make_client(coach)
    grant = make_authorization(person, coach, number="VR-1", units=8)
    old = make_visit(person, coach, started_at=datetime(2026, 11, 3, 15), minutes=60)
    later = make_billed_visit(person, coach, started_at=datetime(2026, 11, 20, 15), minutes=120)
    later.review_status, later.reviewed_by_id = "approved", boss.id
    db.session.commit()
    auth.logout()
    auth.login(boss.email)
    data = {"funder_id": grant.funder_id, "month": "2026-11", "idempotency_key": "batch-key-1"}
    assert client.post("/billing/export", data=data).status_code == 302
    assert db.session.scalar(sa.select(BillingBatch.units)) == 8

    auth.logout()
    auth.login(coach.email)
    write_up(client, person, "2026-11-05T10:00", "2026-11-05T11:00")  # 4 units, earlier
    written = db.session.scalars(
        sa.select(Visit).where(Visit.tasks_observed == "Stocked the dairy case")
    ).one()
    assert not written.billable
    assert written.billing_note == "Exceeds authorization VR-1: 4 units over"
    old.service_type_id = service("JOBCOACH").id  # what an amendment does, then rebills
    rebill_after_change(old, None, old.started_at)
    rebill_client(person.id)
    db.session.commit()
    assert not old.billable and db.session.scalar(sa.select(used_units(grant.id))) == 8
    assert "8 of 8 units used" in client.get(f"/clients/{person.id}").text
