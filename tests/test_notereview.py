"""Supervisors review visit notes: the queue (flagged first), approve, return with a
comment, the locked note and its addenda, and the coach's side (Today, the fix)."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, DueItem, Visit, VisitAddendum
from coach.notereview import services as nr
from coach.notereview.flags import flag_reasons, is_locked, refresh_flags, review_flags
from coach.timeutil import utcnow
from tests.clock import freeze_clock
from tests.conftest import capture_statements, sqlite_plan
from tests.factories import make_authorization, make_client, make_user, make_visit, service

NOW_LOCAL = datetime(2026, 11, 20, 15, 0)  # a Friday afternoon in New York


@pytest.fixture
def now(monkeypatch):
    return freeze_clock(monkeypatch, NOW_LOCAL)


def note(person, coach, hours_ago=3, written_after=timedelta(0), **fields) -> Visit:
    """An ended visit of 30 minutes with a note, checked at the worksite and written when
    it ended (plus `written_after`), its flags stored as a save stores them."""
    started = utcnow() - timedelta(hours=hours_ago)
    fields.setdefault("location_status", "on_site")
    fields.setdefault("tasks_observed", "Stocked the dairy case")
    visit = make_visit(
        person,
        coach,
        started_at=started,
        created_at=started + timedelta(minutes=30) + written_after,
        **fields,
    )
    refresh_flags(visit)
    db.session.commit()
    return visit


def people(login_as):
    supervisor = login_as("supervisor")
    coach = make_user("coach", name="Casey Coach")
    return supervisor, coach, make_client(coach, "Rosa", "Diaz")


# --- the rules ----------------------------------------------------------------------


def test_flags_late_entry_no_gps_and_over_the_authorization(app, ctx, now):
    coach = make_user("coach")
    person = make_client(coach)
    on_time = note(person, coach)
    assert review_flags(on_time) == [] and on_time.review_flags == ""
    # Written 48 hours after the end is on time; a minute later is late.
    assert review_flags(note(person, coach, 60, timedelta(hours=48))) == []
    late = note(person, coach, 60, timedelta(hours=48, minutes=1))
    assert late.review_flags == "late"
    assert flag_reasons(late) == ["Late entry: written 48 hours after the visit ended"]
    days = note(person, coach, 200, timedelta(days=5))
    assert flag_reasons(days) == ["Late entry: written 5 days after the visit ended"]
    no_gps = note(person, coach, location_status="not_checked")
    assert no_gps.review_flags == "no_gps"
    # A phone call has no worksite to check.
    assert (
        note(person, coach, location_status="not_checked", contact_type="phone").review_flags == ""
    )
    assert review_flags(make_visit(person, coach, minutes=None)) == []  # under way


def test_over_the_authorization_is_flagged_when_billing_is_worked_out_again(app, ctx, now):
    coach = make_user("coach")
    person = make_client(coach)
    jobcoach = service("JOBCOACH").id
    first = note(person, coach, 30, service_type_id=jobcoach)  # 2 units
    second = note(person, coach, 20, service_type_id=jobcoach)  # 2 more
    grant = make_authorization(person, coach, number="VR-9", units=3)  # rebills the client
    assert (first.review_flags, second.review_flags) == ("", "over")
    assert flag_reasons(second) == [
        "Over the authorization: Exceeds authorization VR-9: 1 unit over"
    ]
    grant.units = 10  # more units granted: the change of billing clears the flag
    from coach.billing.services import rebill_client

    rebill_client(person.id)
    db.session.commit()
    assert second.billable and second.review_flags == ""


# --- the queue ----------------------------------------------------------------------


def test_the_queue_shows_flagged_notes_first_with_their_reasons(client, login_as, now):
    supervisor, coach, person = people(login_as)
    plain = note(person, coach, 5)
    late = note(person, coach, 80, timedelta(days=3))
    no_gps = note(person, coach, 4, location_status="not_checked")
    approved = note(person, coach, 2, review_status="approved")
    under_way = make_visit(person, coach, minutes=None)
    page = client.get("/notes/").text
    assert "3 notes waiting; flagged ones first." in page
    order = [page.index(f'id="note-{v.id}"') for v in (late, no_gps, plain)]
    assert order == sorted(order)
    assert f'id="note-{approved.id}"' not in page and f'id="note-{under_way.id}"' not in page
    assert "Late entry: written 3 days after the visit ended" in page
    assert "No GPS check: the location was not checked" in page
    assert "Stocked the dairy case" in page and "Casey Coach" in page
    assert "Approve the 1 shown without a flag" in page
    views = db.session.scalars(
        sa.select(AuditEvent.entity_id).where(
            AuditEvent.user_id == supervisor.id, AuditEvent.entity_type == "client"
        )
    ).all()
    assert views == [person.id]


def test_the_queue_is_for_supervisors_and_admins(client, login_as):
    login_as("coach")
    assert client.get("/notes/").status_code == 404


def test_the_queue_page_is_read_off_its_index(client, login_as, now):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    _, coach, person = people(login_as)
    note(person, coach)
    with capture_statements() as statements:
        assert client.get("/notes/").status_code == 200
    statement, parameters = next(
        (s, p) for s, p in statements if "ORDER BY" in s and "review_flags" in s
    )
    plan = " ".join(sqlite_plan(statement, parameters))
    assert "ix_visits_review" in plan and "TEMP B-TREE" not in plan, plan


def test_the_count_stops_at_its_cap(app, ctx, now, monkeypatch):
    supervisor = make_user("supervisor")
    coach = make_user("coach")
    person = make_client(coach)
    for hours in range(4, 9):
        note(person, coach, hours)
    monkeypatch.setattr("coach.records.COUNTED_UP_TO", 2)
    visits, waiting = nr.review_queue(supervisor, 1, size=2)
    assert len(visits) == 2 and waiting == 3  # "more than 2"
    visits, waiting = nr.review_queue(supervisor, 3, size=2)
    assert len(visits) == 1 and waiting == 5


# --- approve and return -------------------------------------------------------------


def test_one_tap_approves_a_note_and_locks_it(client, login_as, now):
    supervisor, coach, person = people(login_as)
    visit = note(person, coach)
    response = client.post(f"/notes/visits/{visit.id}/approve?page=1", data={})
    assert response.status_code == 302 and response.location == "/notes/?page=1"
    db.session.refresh(visit)
    assert (visit.review_status, visit.reviewed_by_id) == ("approved", supervisor.id)
    assert visit.reviewed_at == utcnow() and is_locked(visit)
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "approve", AuditEvent.entity_id == visit.id
        )
    ).one()
    assert event.entity_type == "visit" and event.user_id == supervisor.id
    shown = client.get(f"/visits/{visit.id}").text
    assert "Approved by" in shown and "Add an addendum" in shown
    assert "Amend</a>" not in shown and "Delete this visit" not in shown
    assert "No notes are waiting for review." in client.get("/notes/").text


def test_a_supervisor_who_amended_a_note_leaves_its_review_to_another(client, login_as, now):
    """Four eyes: the words of an amended note are partly the amender's, so they neither
    approve nor return it, one by one or with the page's approve-all; another does."""
    from coach.visits.services import keep_version, snapshot_visit

    supervisor, coach, person = people(login_as)
    visit = note(person, coach)
    before = snapshot_visit(visit)
    visit.tasks_observed = "Stocked the dairy case and faced the shelves"
    keep_version(visit, before, supervisor, "Added detail")
    db.session.commit()
    assert not nr.can_review(supervisor, visit)
    page = client.get("/notes/").text
    assert "You wrote or amended this note: another supervisor reviews it." in page
    assert f'name="visit_id" value="{visit.id}"' not in page  # not in the approve-all
    assert nr.approve_unflagged(supervisor, [visit.id]) == 0
    assert nr.approve_visit(visit, supervisor).startswith("You cannot approve this note")
    assert nr.return_visit(visit, supervisor, "Fix it").startswith("You cannot return")
    other = make_user("supervisor")
    assert nr.can_review(other, visit) and nr.approve_visit(visit, other) is None


def test_a_note_is_not_approved_twice_nor_by_its_writer(client, login_as, now):
    supervisor, coach, person = people(login_as)
    visit = note(person, coach)
    assert nr.approve_visit(visit, supervisor) is None
    db.session.commit()
    assert nr.approve_visit(visit, supervisor) is not None  # no longer waiting
    own = note(person, supervisor)
    assert nr.approve_visit(own, supervisor) == (
        "You cannot approve this note (you wrote or amended it, or it is not waiting)."
    )
    assert (
        "You wrote or amended this note: another supervisor reviews it."
        in client.get("/notes/").text
    )
    stale = note(person, coach)  # read here; another supervisor approves it meanwhile
    db.session.execute(
        sa.update(Visit).where(Visit.id == stale.id).values(review_status="approved"),
        execution_options={"synchronize_session": False},
    )
    assert stale.review_status == "pending"
    assert nr.return_visit(stale, supervisor, "Fix it") == nr.TAKEN


def test_approve_all_shown_without_a_flag(client, login_as, now):
    _, coach, person = people(login_as)
    plain = [note(person, coach, hours) for hours in (3, 4)]
    flagged = note(person, coach, location_status="not_checked")
    data = {"visit_id": [v.id for v in (*plain, flagged)]}
    response = client.post("/notes/approve-shown", data=data, follow_redirects=True)
    assert "2 notes approved." in response.text
    statuses = db.session.execute(sa.select(Visit.id, Visit.review_status)).all()
    assert dict(statuses) == {
        plain[0].id: "approved",
        plain[1].id: "approved",
        flagged.id: "pending",
    }


def test_a_return_needs_a_comment(client, login_as, now):
    _, coach, person = people(login_as)
    visit = note(person, coach)
    response = client.post(f"/notes/visits/{visit.id}/return", data={"comment": "  "})
    assert response.status_code == 200
    assert 'id="comment-error">Say what the coach should fix.' in response.text
    assert db.session.get(Visit, visit.id).review_status == "pending"


def test_a_returned_note_goes_to_its_coach_and_the_fix_sends_it_back(client, auth, login_as, now):
    supervisor, coach, person = people(login_as)
    visit = note(person, coach)
    data = {"comment": "Say which tasks Rosa did alone."}
    assert client.post(f"/notes/visits/{visit.id}/return", data=data).location == "/notes/"
    db.session.refresh(visit)
    assert visit.review_status == "returned"
    assert visit.review_comment == "Say which tasks Rosa did alone."
    item = db.session.scalars(sa.select(DueItem).where(DueItem.kind == "note_returned")).one()
    assert (item.coach_id, item.source_id) == (coach.id, visit.id)
    auth.logout()
    auth.login(coach.email)
    today = client.get("/today/").text
    assert "Note returned" in today and "Fix the visit note: Say which tasks" in today
    shown = client.get(f"/visits/{visit.id}").text
    assert "Returned by" in shown and "Say which tasks Rosa did alone." in shown
    assert "Say which tasks Rosa did alone." in client.get("/visits/").text
    assert "Say which tasks Rosa did alone." in client.get(f"/clients/{person.id}/visits").text
    # The coach fixes it through the amendment: it waits for review again.
    local = visit.started_at - timedelta(hours=5)  # New York in November
    fixed = {
        "contact_type": "on_site",
        "placement_id": "0",
        "objective_id": "0",
        "service_type_id": "0",
        "started_at": local.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (local + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "tasks_observed": "Stocked the dairy case alone; asked for help with labels",
        "reason": "Returned by the supervisor",
    }
    assert client.post(f"/visits/{visit.id}/edit", data=fixed).status_code == 302
    db.session.refresh(visit)
    assert visit.review_status == "pending"
    assert "Note returned" not in client.get("/today/").text
    assert not db.session.scalars(sa.select(DueItem).where(DueItem.kind == "note_returned")).all()


# --- the locked note and its addenda ------------------------------------------------


def approved_note(person, coach, supervisor) -> Visit:
    visit = note(person, coach)
    nr.approve_visit(visit, supervisor)
    db.session.commit()
    return visit


def test_a_locked_note_refuses_edit_amend_and_delete(client, auth, login_as, now):
    supervisor, coach, person = people(login_as)
    visit = approved_note(person, coach, supervisor)
    response = client.post(f"/visits/{visit.id}/delete")
    assert response.location == f"/visits/{visit.id}"
    assert db.session.get(Visit, visit.id).deleted_at is None
    auth.logout()
    auth.login(coach.email)
    response = client.get(f"/visits/{visit.id}/edit", follow_redirects=True)
    assert "This note is approved and locked: add an addendum instead." in response.text
    data = {"tasks_observed": "Changed", "started_at": "x"}
    assert client.post(f"/visits/{visit.id}/edit", data=data).status_code == 302
    after = db.session.get(Visit, visit.id)
    assert after.tasks_observed == "Stocked the dairy case" and after.version == 1


def test_an_addendum_shows_under_the_note_with_its_author_and_time(client, auth, login_as, now):
    supervisor, coach, person = people(login_as)
    visit = approved_note(person, coach, supervisor)
    auth.logout()
    auth.login(coach.email)
    data = {
        "idempotency_key": "addendum-key-1",
        "text": "Her supervisor called: she asked for the morning shift.",
    }
    for _ in range(2):  # a double tap adds one
        response = client.post(f"/notes/visits/{visit.id}/addendum", data=data)
        assert response.location == f"/visits/{visit.id}"
    addendum = db.session.scalars(sa.select(VisitAddendum)).one()
    assert (addendum.created_by_id, addendum.visit_id) == (coach.id, visit.id)
    page = client.get(f"/visits/{visit.id}").text
    assert "Her supervisor called: she asked for the morning shift." in page
    assert "Casey Coach · Nov 20, 2026 3:00 PM" in page
    assert db.session.get(Visit, visit.id).tasks_observed == "Stocked the dairy case"
    again = client.get(f"/notes/visits/{visit.id}/addendum").text  # the earlier ones listed
    assert "Her supervisor called" in again and "Casey Coach · Nov 20, 2026 3:00 PM" in again
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "visit_addendum")
    ).one()
    assert "morning" not in event.summary  # the words are not copied into the log
    auth.logout()
    auth.login(supervisor.email)
    assert "Her supervisor called" in client.get(f"/visits/{visit.id}").text


def test_an_addendum_needs_text_and_an_approved_note(client, login_as, now):
    _, coach, person = people(login_as)
    visit = note(person, coach)
    form = client.get(f"/notes/visits/{visit.id}/addendum").text
    assert "This note is not approved yet: amend it instead." in form
    data = {"idempotency_key": "addendum-key-2", "text": "More"}
    client.post(f"/notes/visits/{visit.id}/addendum", data=data)
    nr.approve_visit(visit, make_user("supervisor"))
    db.session.commit()
    response = client.post(f"/notes/visits/{visit.id}/addendum", data={**data, "text": ""})
    assert 'id="text-error">Write what to add to the note.' in response.text
    assert db.session.scalar(sa.select(sa.func.count(VisitAddendum.id))) == 0


def test_another_coachs_notes_and_addenda_answer_404(client, login_as, now):
    login_as("coach")
    other = make_user("coach")
    person = make_client(other, "Private", "Person")
    visit = approved_note(person, other, make_user("supervisor"))
    data = {"idempotency_key": "addendum-key-3", "text": "Not mine"}
    for method, url in (
        ("GET", f"/notes/visits/{visit.id}/addendum"),
        ("POST", f"/notes/visits/{visit.id}/addendum"),
        ("POST", f"/notes/visits/{visit.id}/approve"),
        ("GET", f"/notes/visits/{visit.id}/return"),
    ):
        assert client.open(url, method=method, data=data).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(VisitAddendum.id))) == 0
