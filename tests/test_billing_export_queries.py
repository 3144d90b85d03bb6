"""The Billing page runs a handful of SQL statements, whatever the number of visits,
clients and batches."""

from datetime import date, datetime, timedelta

import pytest

from coach.billing.batches import create_batch
from coach.extensions import db
from tests.clock import freeze_clock
from tests.conftest import capture_statements, sqlite_plan, statements_of
from tests.factories import make_authorization, make_billed_visit, make_client, make_funder


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 12, 5, 10, 0))


def fill(boss, funder, clients: int, visits: int, batch_month: int):
    """Clients with approved visits in November, and a batch of an earlier month."""
    for n in range(clients):
        person = make_client(boss, f"Client{n}", "Test")
        make_authorization(person, boss, funder, start_date=date(2026, 9, 1))
        for v in range(visits):
            started = datetime(2026, 11, 2, 15) + timedelta(days=v)
            visit = make_billed_visit(person, boss, started_at=started)
            visit.review_status, visit.reviewed_by_id = "approved", boss.id
        earlier = make_billed_visit(person, boss, started_at=datetime(2026, batch_month, 5, 15))
        earlier.review_status = "approved"  # billed in the batch of that month, below
    db.session.commit()
    create_batch(boss, funder.id, date(2026, 10, 1), f"q-batch-{clients}")
    db.session.commit()


@pytest.mark.parametrize(
    "path",
    ["/billing/export", "/billing/export?funder_id={funder}&month=2026-11"],
)
def test_the_billing_page_costs_the_same_with_more_visits(client, login_as, path):
    boss = login_as("supervisor")
    funder = make_funder(boss, "State VR")
    url = path.format(funder=funder.id)
    fill(boss, funder, 2, 2, 10)
    few = statements_of(client, url)
    fill(boss, funder, 8, 5, 10)
    many = statements_of(client, url)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10


def test_a_batch_marks_its_months_approved_visits_without_reading_the_others(client, login_as):
    """The approved visits pile up month after month (billed ones stay approved), and a
    funder's month holds visits of every status: found by their status alone, or by
    their authorization alone, a batch's marking read them all (with the bench's
    statistics, 2.9 M visits of the XL month for its 100,000 approved ones). It reads
    the funder's approved visits of the month from one index."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    boss = login_as("supervisor")
    funder = make_funder(boss, "State VR")
    fill(boss, funder, 2, 2, 10)
    data = {"funder_id": funder.id, "month": "2026-11", "idempotency_key": "plan-batch-1"}
    with capture_statements() as statements:
        assert client.post("/billing/export", data=data).status_code == 302
    marking = next((s, p) for s, p in statements if s.startswith("INSERT INTO billed_visits"))
    plan = " ".join(sqlite_plan(*marking))
    searched = "(authorization_id=? AND review_status=? AND started_at>? AND started_at<?)"
    assert f"ix_visits_authorization_review {searched}" in plan, plan
