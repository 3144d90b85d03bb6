"""The billing export: a funder's month of approved, billable visits as a batch, in CSV
and XLSX, with totals per client and overall; batches download the same file again;
billed visits are in no new batch until a supervisor reopens theirs (audited).

The hand-computed fixture (agency in New York; November 2026 has the DST change on
Sunday Nov 1, so its local month runs 04:00 UTC Nov 1 to 05:00 UTC Dec 1):

    Ada Byron   JOBCOACH $15.00/unit  Nov 2 09:00-10:00 local   4 units  $60.00
    Ada Byron   JOBCOACH              Nov 30 23:30-00:00 local  2 units  $30.00  (Dec 1 UTC)
    =Eve Smith  TRAVEL (no rate)      Nov 1 00:15-01:00 local   3 units  blank
    totals      Ada 6 units $90.00, Eve 3 units $0.00; overall 3 visits 9 units $90.00
Left out: Oct 31 23:30 local (Nov 1 03:30 UTC), a visit waiting for review, a visit over
the authorization (8 units), another funder's visit, a deleted one."""

import csv
import gzip
import io
import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from coach.billing import batches as bb
from coach.extensions import db
from coach.models import AuditEvent, BillingBatch, Client, Visit
from tests.clock import freeze_clock
from tests.factories import (
    make_authorization,
    make_billed_visit,
    make_client,
    make_funder,
    make_user,
    service,
    set_rate,
)

NOW = datetime(2026, 12, 5, 10, 0)  # local, New York


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    freeze_clock(monkeypatch, NOW)


def approved(visit, reviewer):
    visit.review_status, visit.reviewed_by_id = "approved", reviewer.id
    db.session.commit()
    return visit


@pytest.fixture
def month(ctx):
    """The fixture above: (supervisor, funder, {name: visit})."""
    boss = make_user("supervisor", email="boss@example.org", name="Maria Alvarez")
    coach = make_user("coach", email="coach@example.org", name="Jordan Lee")
    set_rate("JOBCOACH", 1500)
    vr, county = make_funder(boss, "State VR"), make_funder(boss, "County MH")
    ada, eve = make_client(coach, "Ada", "Byron"), make_client(coach, "=Eve", "Smith")
    oct_1 = date(2026, 10, 1)
    make_authorization(ada, boss, vr, number="VR-100", funder_case_number="C-77", units=8)
    make_authorization(eve, boss, vr, code="TRAVEL", number="VR-200", start_date=oct_1)
    other = make_client(coach, "Bo", "Other")
    make_authorization(other, boss, county, number="CO-1")
    v = {
        "ada_1": make_billed_visit(ada, coach, started_at=datetime(2026, 11, 2, 14), minutes=60),
        "ada_late": make_billed_visit(
            ada, coach, started_at=datetime(2026, 12, 1, 4, 30), minutes=30
        ),
        "eve": make_billed_visit(
            eve, coach, "TRAVEL", started_at=datetime(2026, 11, 1, 4, 15), minutes=45
        ),
        "october": make_billed_visit(
            eve, coach, "TRAVEL", started_at=datetime(2026, 11, 1, 3, 30), minutes=30
        ),
        "waiting": make_billed_visit(eve, coach, "TRAVEL", started_at=datetime(2026, 11, 9, 15)),
        "over": make_billed_visit(ada, coach, started_at=datetime(2026, 11, 20, 15), minutes=120),
        "county": make_billed_visit(other, coach, started_at=datetime(2026, 11, 3, 15)),
        "deleted": make_billed_visit(
            ada, coach, started_at=datetime(2026, 11, 4, 15), deleted_at=datetime(2026, 11, 5)
        ),
    }
    for name, visit in v.items():
        if name != "waiting":
            approved(visit, boss)
    assert not v["over"].billable and "Exceeds" in v["over"].billing_note  # 4 + 8 > 8
    return boss, vr, v


def export(client, funder, month="2026-11", key="batch-key-0001"):
    data = {"funder_id": funder.id, "month": month, "idempotency_key": key}
    return client.post("/billing/export", data=data)


def csv_rows(client, batch_id) -> list[list[str]]:
    response = client.get(f"/billing/batches/{batch_id}.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def batch_of(visit) -> int | None:
    return db.session.scalar(sa.select(Visit.billing_batch_id).where(Visit.id == visit.id))


def batches() -> list[BillingBatch]:
    return db.session.scalars(sa.select(BillingBatch).order_by(BillingBatch.id)).all()


def test_the_preview_counts_what_the_export_holds_and_what_it_leaves_out(client, auth, month):
    boss, vr, _ = month
    auth.login(boss.email)
    page = client.get(f"/billing/export?funder_id={vr.id}&month=2026-11").text
    assert "<strong>3</strong> visits to bill" in page
    assert "<strong>9</strong> units" in page and "<strong>$90.00</strong>" in page
    assert "1 visit of a service with no rate: no amount" in page
    assert "1 billable visit not approved yet: not in this export" in page
    assert "1 visit over or outside the authorization" in page
    assert "Ada Byron" in page and "=Eve Smith" in page
    assert "Export 3 visits as a batch" in page


def test_a_new_rate_from_december_leaves_novembers_claims_at_novembers_rate(client, auth, month):
    """A funder's new contract rate entered on December 1 prices December's visits: the
    November preview, its batch and its file keep $15.00 a unit (found by a review: the
    one rate read at export priced the month at the rate of the day it was exported)."""
    boss, vr, _ = month
    set_rate("JOBCOACH", 1600, first=date(2026, 12, 1))
    set_rate("TRAVEL", 900, first=date(2026, 12, 1))  # none before: Eve's still unpriced
    auth.login(boss.email)
    page = client.get(f"/billing/export?funder_id={vr.id}&month=2026-11").text
    assert "<strong>$90.00</strong>" in page and "$96.00" not in page
    assert "1 visit of a service with no rate: no amount" in page
    export(client, vr)
    (batch,) = batches()
    assert (batch.amount_cents, batch.unrated) == (9000, 1)
    rows = csv_rows(client, batch.id)
    assert {(r[4], r[9], r[10]) for r in rows[1:] if r[4] in ("JOBCOACH", "TRAVEL")} == {
        ("JOBCOACH", "15.00", "60.00"),
        ("JOBCOACH", "15.00", "30.00"),
        ("TRAVEL", "", ""),
    }


def test_the_export_rows_and_totals_match_the_hand_computed_month(client, auth, month):
    boss, vr, v = month
    auth.login(boss.email)
    response = export(client, vr)
    assert response.status_code == 302
    (batch,) = batches()
    assert (batch.visits, batch.units, batch.amount_cents, batch.unrated) == (3, 9, 9000, 1)
    rows = csv_rows(client, batch.id)
    assert rows[0][:3] == ["Row", "Client", "Funder case number"]
    visits = [r for r in rows if r[0] == "Visit"]
    assert [r[1:12] for r in visits] == [
        ["Ada Byron", "C-77", "VR-100", "JOBCOACH", "2026-11-02", "09:00", "10:00", "4"]
        + ["15.00", "60.00", "Jordan Lee"],
        ["Ada Byron", "C-77", "VR-100", "JOBCOACH", "2026-11-30", "23:30", "00:00", "2"]
        + ["15.00", "30.00", "Jordan Lee"],
        ["'=Eve Smith", "", "VR-200", "TRAVEL", "2026-11-01", "00:15", "01:00", "3"]
        + ["", "", "Jordan Lee"],
    ]
    assert {r[12] for r in visits} == {"Maria Alvarez"}
    assert [int(r[13]) for r in visits] == [v["ada_1"].id, v["ada_late"].id, v["eve"].id]
    totals = [(r[0], r[1], r[8], r[10]) for r in rows if r[0] != "Visit"][1:]
    assert totals == [
        ("Client total", "Ada Byron", "6", "90.00"),
        ("Client total", "'=Eve Smith", "3", "0.00"),
        ("Grand total", "", "9", "90.00"),
    ]
    # The totals are the sums of the file's rows, and of the visits themselves.
    assert sum(int(r[8]) for r in visits) == 9
    assert sum(int(r[10].replace(".", "")) for r in visits if r[10]) == 9000
    billed = db.session.scalars(sa.select(Visit).where(Visit.billing_batch_id == batch.id)).all()
    assert sum(x.billing_units for x in billed) == 9 and len(billed) == 3


def test_the_month_is_the_agencys_local_month_across_the_dst_change(month):
    boss, vr, v = month
    start, end = bb.month_bounds_utc(date(2026, 11, 1))
    assert (start, end) == (datetime(2026, 11, 1, 4), datetime(2026, 12, 1, 5))
    batch, billed = bb.create_batch(boss, vr.id, date(2026, 11, 1), "month-key-001")
    db.session.commit()
    ids = {row[13] for row in bb.kept_rows(batch)}
    assert ids == {v["ada_1"].id, v["ada_late"].id, v["eve"].id}  # 23:30 on Nov 30 is in
    october, _ = bb.create_batch(boss, vr.id, date(2026, 10, 1), "month-key-002")
    assert [row[13] for row in bb.kept_rows(october)] == [v["october"].id]  # 23:30 Oct 31
    assert [row[5:8] for row in bb.kept_rows(october)] == [["2026-10-31", "23:30", "00:00"]]


def test_a_batch_downloads_the_same_file_again_whatever_changed_since(client, auth, month):
    boss, vr, v = month
    auth.login(boss.email)
    export(client, vr)
    (batch,) = batches()
    first = client.get(f"/billing/batches/{batch.id}.csv").get_data()
    db.session.get(Client, v["ada_1"].client_id).first_name = "Adelaide"
    db.session.commit()
    set_rate("JOBCOACH", 9900)
    again = client.get(f"/billing/batches/{batch.id}.csv").get_data()
    assert again == first and b"Adelaide" not in again
    downloads = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.entity_type == "billing_batch")
    ).all()
    assert downloads == ["3 visits billed", "download csv", "download csv"]


def test_a_batch_kept_a_row_a_line_downloads_as_it_did(client, auth, month):
    """Batches exported before 2026-12-02 kept one JSON row a line (now a line holds up
    to a thousand rows): such a batch downloads the same file as before."""
    boss, vr, _ = month
    auth.login(boss.email)
    export(client, vr)
    (batch,) = batches()
    now = client.get(f"/billing/batches/{batch.id}.csv").get_data()
    old_text = "".join(json.dumps(row) + "\n" for row in bb.kept_rows(batch))
    batch.rows_gz = gzip.compress(old_text.encode(), mtime=0)
    db.session.commit()
    assert old_text.count("\n") == 3
    assert client.get(f"/billing/batches/{batch.id}.csv").get_data() == now


def test_a_double_tap_makes_one_batch_and_billed_visits_are_in_no_new_batch(client, auth, month):
    boss, vr, _ = month
    auth.login(boss.email)
    export(client, vr, key="tap-key-00001")
    export(client, vr, key="tap-key-00001")  # the double tap
    assert len(batches()) == 1
    response = export(client, vr, key="tap-key-00002")  # another export of the month
    assert len(batches()) == 1
    page = client.get(response.location).text
    assert "Nothing to export" in page and "3 visits already in a batch" in page


def test_exporting_marks_the_visits_without_rewriting_them(client, auth, month):
    """A batch inserts a narrow row per visit billed: an UPDATE of the visits rewrote
    each one with its 18 index entries (13 s of PostgreSQL's CPU for 100,000 at L)."""
    from tests.conftest import count_queries

    boss, vr, v = month
    auth.login(boss.email)
    with count_queries() as statements:
        export(client, vr)
    assert not [s for s in statements if s.startswith("UPDATE visits")], statements
    (batch,) = batches()
    assert [batch_of(v[name]) for name in ("ada_1", "ada_late", "eve")] == [batch.id] * 3
    assert batch_of(v["waiting"]) is None and batch_of(v["october"]) is None


def test_reopening_a_batch_is_audited_and_its_visits_export_again(client, auth, month):
    boss, vr, v = month
    auth.login(boss.email)
    export(client, vr)
    (batch,) = batches()
    before = client.get(f"/billing/batches/{batch.id}.csv").get_data()
    assert client.post(f"/billing/batches/{batch.id}/reopen").status_code == 302
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "reopen")).one()
    assert (event.user_id, event.entity_id, event.summary) == (
        boss.id,
        batch.id,
        "3 visits released",
    )
    assert batch_of(v["eve"]) is None
    page = client.get(f"/billing/export?funder_id={vr.id}&month=2026-11").text
    assert "Reopened by Maria Alvarez" in page and "Export 3 visits as a batch" in page
    export(client, vr, key="second-batch-01")
    db.session.expire_all()
    first, second = batches()
    assert second.visits == 3 and batch_of(v["eve"]) == second.id
    assert client.get(f"/billing/batches/{first.id}.csv").get_data() == before
    # Reopening twice releases nothing more.
    client.post(f"/billing/batches/{batch.id}/reopen")
    db.session.expire_all()
    assert batch_of(v["eve"]) == second.id


def test_the_xlsx_has_typed_cells_bold_totals_and_text_that_is_not_a_formula(client, auth, month):
    boss, vr, _ = month
    auth.login(boss.email)
    export(client, vr)
    (batch,) = batches()
    response = client.get(f"/billing/batches/{batch.id}.xlsx")
    assert response.status_code == 200
    assert f"billing-batch-{batch.id}-2026-11.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Row", "Client")
    first = rows[1]
    assert first[5] == datetime(2026, 11, 2) and first[8] == 4 and first[10] == 60.0
    eve = next(r for r in rows if r[1] == "=Eve Smith" and r[0] == "Visit")
    assert eve[9] is None and eve[10] is None
    cell = next(c for c in sheet["B"] if c.value == "=Eve Smith")
    assert cell.data_type == "s"  # a string, never run as a formula
    grand = rows[-1]
    assert grand[0] == "Grand total" and grand[8] == 9 and grand[10] == 90.0
    assert sheet.cell(row=len(rows), column=1).font.b
    assert not sheet.cell(row=2, column=1).font.b


def test_a_billed_visit_shows_its_batch_to_supervisors_and_keeps_its_billing(client, auth, month):
    boss, vr, v = month
    auth.login(boss.email)
    export(client, vr)
    (batch,) = batches()
    assert f"Billed (batch {batch.id})" in client.get(f"/visits/{v['ada_1'].id}").text
    # Correcting the authorization counts the client's visits again: billed ones stay.
    db.session.expire_all()
    assert batch_of(v["ada_1"]) == batch.id
    grant = db.session.get(Visit, v["ada_1"].id).authorization_id
    from coach.billing.services import rebill_client
    from coach.models import Authorization

    db.session.get(Authorization, grant).units = 1
    rebill_client(v["ada_1"].client_id)
    db.session.commit()
    assert db.session.get(Visit, v["ada_1"].id).billable
    auth.logout()
    auth.login("coach@example.org")
    assert "Billed (batch" not in client.get(f"/visits/{v['ada_1'].id}").text


def test_coaches_cannot_open_export_or_batches(client, auth, month):
    boss, vr, _ = month
    batch, _ = bb.create_batch(boss, vr.id, date(2026, 11, 1), "coach-test-key")
    db.session.commit()
    auth.login("coach@example.org")
    for url in ("/billing/export", f"/billing/batches/{batch.id}.csv"):
        assert client.get(url).status_code == 404
    assert client.get(f"/billing/batches/{batch.id}.xlsx").status_code == 404
    assert export(client, vr, key="coach-key-0001").status_code == 404
    assert client.post(f"/billing/batches/{batch.id}/reopen").status_code == 404
    assert batch.reopened_at is None and len(batches()) == 1


@pytest.mark.parametrize(
    "month_value, message",
    [
        ("2026-13", "Enter a month as YYYY-MM"),
        ("November", "Enter a month as YYYY-MM"),
        ("2027-01", "Pick a month from December 2023 to December 2026."),
        ("1999-01", "Pick a month from December 2023 to December 2026."),
        ("", "Pick the month."),
    ],
)
def test_a_bad_month_is_explained_and_nothing_is_billed(client, auth, month, month_value, message):
    boss, vr, _ = month
    auth.login(boss.email)
    response = export(client, vr, month=month_value)
    assert response.status_code == 200 and message in response.text
    preview = client.get(f"/billing/export?funder_id={vr.id}&month={month_value}")
    assert preview.status_code == 200 and message in preview.text
    assert batches() == []


def test_a_missing_or_unknown_funder_is_explained(client, auth, month):
    boss, _, _ = month
    auth.login(boss.email)
    data = {"funder_id": "0", "month": "2026-11", "idempotency_key": "no-funder-01"}
    assert "Pick the funder." in client.post("/billing/export", data=data).text
    data["funder_id"] = "99999"
    assert "Choose one of the options shown" in client.post("/billing/export", data=data).text
    assert batches() == []


def test_the_funder_case_number_is_kept_on_the_authorization_form(client, auth, month):
    boss, vr, v = month
    auth.login(boss.email)
    grant_id = v["eve"].authorization_id
    form = client.get(f"/billing/authorizations/{grant_id}/edit").text
    assert "case number (optional)" in form and "printed on the billing export" in form
    data = {
        "idempotency_key": "edit-case-0001",
        "funder_id": vr.id,
        "service_type_id": service("TRAVEL").id,
        "number": "VR-200",
        "funder_case_number": "CASE-9",
        "start_date": "2026-10-01",
        "end_date": "2027-01-31",
        "units": "40",
    }
    assert client.post(f"/billing/authorizations/{grant_id}/edit", data=data).status_code == 302
    export(client, vr)
    (batch,) = batches()
    eve = next(r for r in csv_rows(client, batch.id) if r[1] == "'=Eve Smith")
    assert eve[2] == "CASE-9"
