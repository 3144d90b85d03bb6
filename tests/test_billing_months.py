"""Each client's visits summed per local month, funder and service (BillingMonth) stay
equal to the visits' own sums after each kind of write (a visit billed, approved,
returned, moved, deleted; an authorization cut or moved to another funder; a batch made
and reopened; the agency's time zone), and with two writers at once; the billing
preview reads them and says what a direct count of the visits says."""

import threading
import time
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.billing import batches as bb
from coach.billing.months import sum_every_month_again
from coach.extensions import db
from coach.models import Authorization, BilledVisit, BillingMonth, Visit
from coach.timeutil import to_local
from tests.clock import freeze_clock
from tests.conftest import capture_statements, make_app, sqlite_plan
from tests.factories import (
    ensure_agency,
    make_authorization,
    make_billed_visit,
    make_client,
    make_funder,
    make_user,
    service,
    set_rate,
)

NY = "America/New_York"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 12, 5, 10, 0))


def kept() -> dict[tuple, tuple]:
    rows = db.session.execute(
        sa.select(
            BillingMonth.client_id,
            BillingMonth.month_start,
            BillingMonth.funder_id,
            BillingMonth.service_type_id,
            BillingMonth.ready,
            BillingMonth.ready_units,
            BillingMonth.waiting,
            BillingMonth.not_billable,
            BillingMonth.billed,
        )
    )
    return {tuple(row[:4]): tuple(row[4:]) for row in rows}


def afresh(tz: str = NY) -> dict[tuple, tuple]:
    """Every client's months worked out from the visits as stored, in Python."""
    funders = dict(db.session.execute(sa.select(Authorization.id, Authorization.funder_id)).all())
    sums: dict[tuple, list[int]] = {}
    stored = (
        sa.select(Visit.__table__, BilledVisit.batch_id)
        .outerjoin(BilledVisit, BilledVisit.visit_id == Visit.id)
        .where(Visit.ended_at.is_not(None), Visit.deleted_at.is_(None), Visit.authorization_id > 0)
    )
    for visit in db.session.execute(stored):
        month = to_local(visit.started_at, tz).date().replace(day=1)
        key = (visit.client_id, month, funders[visit.authorization_id], visit.service_type_id)
        row = sums.setdefault(key, [0, 0, 0, 0, 0])
        ready = visit.billable and visit.review_status == "approved"
        ready = ready and visit.batch_id is None
        row[0] += ready
        row[1] += (visit.billing_units or 0) if ready else 0
        row[2] += visit.billable and visit.review_status != "approved"
        row[3] += not visit.billable
        row[4] += visit.batch_id is not None
    return {key: tuple(row) for key, row in sums.items()}


def approve(*visits, reviewer) -> None:
    for visit in visits:
        visit.review_status, visit.reviewed_by_id = "approved", reviewer.id
    db.session.commit()


def test_each_kind_of_write_keeps_the_months_equal_to_the_visits(ctx):
    boss = make_user("supervisor")
    coach = make_user("coach")
    vr, county = make_funder(boss, "State VR"), make_funder(boss, "County MH")
    ada, eve = make_client(coach, "Ada", "Byron"), make_client(coach, "Eve", "Smith")
    grant = make_authorization(ada, boss, vr, units=10, start_date=date(2026, 10, 1))
    make_authorization(eve, boss, vr, code="TRAVEL")
    # 11:30 pm in New York on Oct 31 is 03:30 UTC on Nov 1: an October visit.
    october = make_billed_visit(ada, coach, started_at=datetime(2026, 11, 1, 3, 30), minutes=30)
    ada_1 = make_billed_visit(ada, coach, started_at=datetime(2026, 11, 2, 14), minutes=60)
    ada_2 = make_billed_visit(ada, coach, started_at=datetime(2026, 11, 9, 14), minutes=60)
    eve_1 = make_billed_visit(eve, coach, "TRAVEL", started_at=datetime(2026, 11, 3, 15))
    make_billed_visit(eve, coach, started_at=datetime(2026, 11, 4, 15))  # no JOBCOACH grant
    assert kept() == afresh()
    assert kept()[(ada.id, date(2026, 11, 1), vr.id, service().id)] == (0, 0, 2, 0, 0)
    assert october.billable and (ada.id, date(2026, 10, 1), vr.id, service().id) in kept()

    approve(october, ada_1, ada_2, eve_1, reviewer=boss)
    assert kept() == afresh()
    assert kept()[(ada.id, date(2026, 11, 1), vr.id, service().id)] == (2, 8, 0, 0, 0)

    ada_2.review_status = "returned"  # back to the coach: billable, waiting again
    db.session.commit()
    assert kept()[(ada.id, date(2026, 11, 1), vr.id, service().id)] == (1, 4, 1, 0, 0)

    ada_2.started_at, ada_2.ended_at = datetime(2026, 12, 2, 14), datetime(2026, 12, 2, 15)
    db.session.commit()  # moved to December
    assert kept() == afresh()
    assert (ada.id, date(2026, 12, 1), vr.id, service().id) in kept()

    grant.units = 3  # cut: Ada's visits are counted again, and over
    db.session.flush()
    from coach.billing.services import rebill_client

    rebill_client(ada.id)
    db.session.commit()
    assert kept() == afresh()
    assert kept()[(ada.id, date(2026, 11, 1), vr.id, service().id)][3] >= 1  # not billable

    grant.funder_id = county.id  # recorded under the wrong funder: moved
    db.session.commit()
    assert kept() == afresh()
    assert not any(key[0] == ada.id and key[2] == vr.id for key in kept())

    eve_1.deleted_at = datetime(2026, 11, 20)
    db.session.commit()
    assert kept() == afresh()
    assert not any(key[0] == eve.id and key[3] == service("TRAVEL").id for key in kept())


def test_a_batch_and_its_reopening_keep_the_months_equal_to_the_visits(ctx):
    boss = make_user("supervisor")
    coach = make_user("coach")
    vr = make_funder(boss)
    people = [make_client(coach, "Client", f"N{n}") for n in range(3)]
    for person in people:
        make_authorization(person, boss, vr)
        visits = [
            make_billed_visit(person, coach, started_at=datetime(2026, 11, day, 15))
            for day in (2, 3)
        ]
        approve(*visits, reviewer=boss)
    waiting = make_billed_visit(people[0], coach, started_at=datetime(2026, 11, 4, 15))
    # Beside the batch: another service, another month, another funder's visit.
    make_authorization(people[1], boss, vr, code="TRAVEL", start_date=date(2026, 10, 1))
    county, dana = make_funder(boss, "County MH"), make_client(coach, "Dana", "Two Funders")
    make_authorization(people[2], boss, county, code="TRAVEL")
    make_authorization(dana, boss, county, end_date=date(2026, 11, 14))
    make_authorization(dana, boss, vr, start_date=date(2026, 11, 15))
    beside = [
        make_billed_visit(people[1], coach, "TRAVEL", started_at=datetime(2026, 11, 5, 15)),
        make_billed_visit(people[1], coach, "TRAVEL", started_at=datetime(2026, 10, 5, 15)),
        make_billed_visit(people[2], coach, "TRAVEL", started_at=datetime(2026, 11, 6, 15)),
        make_billed_visit(dana, coach, started_at=datetime(2026, 11, 5, 15)),
        make_billed_visit(dana, coach, started_at=datetime(2026, 11, 20, 15)),
    ]
    approve(*beside, reviewer=boss)
    batch, billed = bb.create_batch(boss, vr.id, date(2026, 11, 1), "months-batch-1")
    db.session.commit()
    assert billed == 8 and kept() == afresh()
    november = {key: sums for key, sums in kept().items() if key[1] == date(2026, 11, 1)}
    assert sorted(sums[4] for sums in november.values()) == [0, 0, 1, 1, 2, 2, 2]  # County's: 0
    assert kept()[(people[1].id, date(2026, 10, 1), vr.id, service("TRAVEL").id)][0] == 1
    approve(waiting, reviewer=boss)  # approved after the export: ready for the next one
    assert kept()[(people[0].id, date(2026, 11, 1), vr.id, service().id)] == (1, 2, 0, 0, 2)
    assert bb.reopen_batch(boss, batch) == 8
    db.session.commit()
    assert kept() == afresh()
    assert kept()[(people[0].id, date(2026, 11, 1), vr.id, service().id)] == (3, 6, 0, 0, 0)


def test_a_new_time_zone_sums_every_month_again(ctx):
    boss = make_user("supervisor")
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_authorization(person, boss, make_funder(boss), start_date=date(2026, 10, 1))
    make_billed_visit(person, coach, started_at=datetime(2026, 11, 1, 3, 30))  # Oct 31 in NY
    assert {key[1] for key in kept()} == {date(2026, 10, 1)}
    ensure_agency(timezone="Europe/Berlin")  # 04:30 on Nov 1 there
    assert kept() == afresh("Europe/Berlin")
    assert {key[1] for key in kept()} == {date(2026, 11, 1)}
    before = kept()
    sum_every_month_again(db.session.connection(), "Europe/Berlin")
    assert kept() == before


def test_a_note_approved_through_the_review_page_is_ready_to_bill(ctx, client, auth):
    boss = make_user("supervisor")
    coach = make_user("coach")
    vr = make_funder(boss)
    person = make_client(coach, "Rosa", "Diaz")
    make_authorization(person, boss, vr)
    visit = make_billed_visit(person, coach, started_at=datetime(2026, 11, 2, 15))
    auth.login(boss.email)
    assert client.post(f"/notes/visits/{visit.id}/approve").status_code == 302
    db.session.expire_all()
    assert kept() == afresh()
    assert kept()[(person.id, date(2026, 11, 1), vr.id, service().id)][:2] == (1, 2)


def test_the_preview_says_what_a_count_of_the_visits_says(ctx, client, auth):
    """The preview reads the kept rows; the numbers are the ones the visits give, and
    the clients beyond the fiftieth are left to the file."""
    boss = make_user("supervisor")
    coach = make_user("coach")
    set_rate("JOBCOACH", 1500)
    vr = make_funder(boss)
    for n in range(52):
        person = make_client(coach, "Client", f"P{n:02d}")
        make_authorization(person, boss, vr)
        visit = make_billed_visit(person, coach, started_at=datetime(2026, 11, 2, 15))
        if n % 2 == 0:
            approve(visit, reviewer=boss)
    preview = bb.preview(boss, vr.id, date(2026, 11, 1))
    ready = sa.and_(Visit.billable, Visit.review_status == "approved")
    visits = db.session.execute(
        bb.month_visits(boss, vr.id, date(2026, 11, 1)).with_only_columns(
            sa.func.count().filter(ready),
            sa.func.coalesce(sa.func.sum(Visit.billing_units).filter(ready), 0),
            sa.func.count().filter(Visit.billable, Visit.review_status != "approved"),
        )
    ).one()  # nothing is billed yet
    assert (preview.ready, preview.units, preview.waiting) == tuple(visits) == (26, 52, 26)
    assert preview.amount_cents == 52 * 1500 and preview.unrated == preview.billed == 0
    assert [row[1] for row in preview.clients[:2]] == ["Client P00", "Client P02"]
    assert len(preview.clients) == 26 and preview.more_clients == 0
    for person_visit in db.session.scalars(
        sa.select(Visit).where(Visit.review_status != "approved")
    ):
        person_visit.review_status = "approved"
    db.session.commit()
    preview = bb.preview(boss, vr.id, date(2026, 11, 1))
    assert preview.ready == 52 and len(preview.clients) == 50 and preview.more_clients


def test_the_preview_prices_each_service_at_its_own_rate(ctx):
    """The month is summed per service before each service's rate applies: the amount
    is each service's units at its rate, and a service without a rate adds visits to
    "no rate" and nothing to the amount. On SQLite the sums are read from the month's
    index alone, in its order: no sort of the month's rows (XL: 30,000 a month)."""
    boss, coach = make_user("supervisor"), make_user("coach")
    set_rate("JOBCOACH", 1500)
    vr = make_funder(boss)
    for n in range(3):
        person = make_client(coach, "Client", f"P{n}")
        make_authorization(person, boss, vr)
        make_authorization(person, boss, vr, code="TRAVEL")
        for code in ("JOBCOACH", "TRAVEL", "TRAVEL"):
            visit = make_billed_visit(person, coach, code, started_at=datetime(2026, 11, 2, 15))
            approve(visit, reviewer=boss)
    with capture_statements() as statements:
        preview = bb.preview(boss, vr.id, date(2026, 11, 1))
    assert (preview.ready, preview.units, preview.unrated) == (9, 18, 6)
    assert preview.amount_cents == 3 * 2 * 1500  # the JOBCOACH visits' 6 units alone
    if db.engine.dialect.name == "sqlite":
        plan = sqlite_plan(*statements[0])
        assert any("COVERING INDEX ix_billing_months_month" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


def test_two_writers_of_one_clients_month_at_once_both_count(tmp_path):
    """Two requests approve two visits of one client at once: the second waits for the
    first (the client's row), then sums the month with both approved."""
    app = make_app(tmp_path)
    with app.app_context():
        boss = make_user("supervisor")
        coach = make_user("coach")
        person = make_client(coach, "Rosa", "Diaz")
        make_authorization(person, boss, make_funder(boss))
        ids = [
            make_billed_visit(person, coach, started_at=datetime(2026, 11, day, 15)).id
            for day in (2, 3)
        ]
        boss_id = boss.id
    flushed = threading.Event()
    errors = []

    def write(n: int, hold: float) -> None:
        try:
            with app.app_context():
                visit = db.session.get(Visit, ids[n])
                if n == 1:
                    flushed.wait(5)
                visit.review_status, visit.reviewed_by_id = "approved", boss_id
                db.session.flush()
                if n == 0:
                    flushed.set()
                time.sleep(hold)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(0, 0.5)),
        threading.Thread(target=write, args=(1, 0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        assert kept() == afresh()
        assert [sums[:2] for sums in kept().values()] == [(2, 4)]
