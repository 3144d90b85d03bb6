"""Works without signal: kept pages and the outbox, at 390×844 with the network cut
(Playwright's context.set_offline), then back."""

import os

import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from coach.extensions import db
from coach.models import (
    ChecklistRun,
    ClientContact,
    EmployerContact,
    StepScore,
    Trip,
    User,
    UserSession,
    Visit,
)
from coach.timeutil import utcnow
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_employer, make_run, make_task, make_user

SHOTS = os.environ.get("SHOTS")
STEPS = ("Lay napkin", "Place fork", "Place knife", "Roll tight", "Stack in bin")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"offline-{name}.png"), full_page=True)


OUTBOX_SIZE = """() => new Promise(done => {
  setTimeout(() => done(-1), 5000);  // never a hang: -1 fails the count checked
  const open = indexedDB.open("coach-outbox", 1);
  open.onerror = open.onblocked = () => done(-1);
  open.onupgradeneeded = () =>
    open.result.createObjectStore("items", {keyPath: "id", autoIncrement: true});
  open.onsuccess = () => {
    const count = open.result.transaction("items").objectStore("items").count();
    count.onsuccess = () => { open.result.close(); done(count.result); };
  };
})"""
KEPT = """path => caches.open('coach-pages')
  .then(cache => cache.match(location.origin + path)).then(Boolean)"""


def outbox_size(page) -> int:
    """The saves waiting on this phone. A kept copy of a page reloads itself once its
    saves are sent (offline.js): a read that the reload cuts off is made again."""
    for _ in range(20):
        try:
            return page.evaluate(OUTBOX_SIZE)
        except PlaywrightError as error:
            if "context was destroyed" not in str(error):
                raise
            page.wait_for_load_state()
    raise AssertionError("the page never settled")


def until(page, script: str, arg) -> None:
    """Poll an async check in the page (wait_for_function does not wait for promises)."""
    for _ in range(100):
        if page.evaluate(script, arg):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script}")


def kept_by_worker(page, path: str) -> None:
    """Wait until the service worker has the page (it keeps it after answering)."""
    until(page, KEPT, path)


def set_up(live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera")
        task = make_task(rosa, coach, steps=STEPS)
        run = make_run(task, coach, {})
        return rosa.id, run.id


def go_online_page(phone, live_app):
    page = phone(geolocation={"latitude": 39.96, "longitude": -82.99}, permissions=["geolocation"])
    log_in(page, "jordan@example.org", PASSWORD)
    ready = """Promise.race([navigator.serviceWorker.ready.then(() => true),
                           new Promise(late => setTimeout(() => late(false), 10000))])"""
    assert page.evaluate(ready), "the service worker never became ready"
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return page


def test_a_visit_scores_a_note_and_a_trip_made_without_signal_reach_the_server_once(
    phone, live_app
):
    client_id, run_id = set_up(live_app)
    page = go_online_page(phone, live_app)
    # 1. Online: the pages the coach will need, opened once (the worker keeps them).
    for path in (f"/runs/{run_id}", "/mileage/new", f"/clients/{client_id}"):
        page.goto(path)
        kept_by_worker(page, path)
    kept_by_worker(page, f"/clients/{client_id}/visits/pending-form")  # fetched by the page

    # 2. No signal: the client page comes from the phone, and says so.
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_text("Saved on this phone at")).to_be_visible()
    expect(page.get_by_role("heading", name="Rosa Rivera")).to_be_visible()
    shot(page, "1-kept-client-page")
    assert_accessible(page)

    # 3. Start a visit: on this phone, not sent yet.
    page.get_by_role("button", name="Start visit").click()
    expect(page.get_by_text("Visit started at")).to_contain_text("not sent yet")
    expect(page.locator("#outbox-count")).to_have_text("1 unsent")

    # 4. Score five steps on the kept run page.
    page.goto(f"/runs/{run_id}")
    expect(page.get_by_text("Saved on this phone at")).to_be_visible()
    for number in range(1, 6):
        page.locator(f".score-row:nth-child({number})").get_by_role(
            "button", name="Independent"
        ).click()
        expect(page.locator("#outbox-count")).to_have_text(f"{1 + number} unsent")
    # 5. A note of the visit: back on the kept client page, the visit is there again.
    page.goto(f"/clients/{client_id}")
    expect(page.get_by_role("heading", name="Visit started on this phone")).to_be_visible()
    page.locator("summary", has_text="Tasks observed").click()
    page.get_by_label("Tasks observed").fill("Rolled 40 without a prompt")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#outbox-count")).to_have_text("7 unsent")
    shot(page, "1b-pending-visit")

    # 6. A trip, from the kept trip form.
    page.goto("/mileage/new")
    page.get_by_label("From").fill("Office")
    page.get_by_label("To").fill("Green Valley Grocery")
    page.get_by_label("Business purpose").fill("Job-site visit with Rosa")
    page.get_by_label("…or miles driven").fill("12.5")
    page.get_by_role("button", name="Save trip").click()
    # 7. The tab bar counts eight, and the list says what each is.
    expect(page.locator("#outbox-count")).to_have_text("8 unsent")
    expect(page.locator("#outbox")).to_contain_text("Trip")
    assert outbox_size(page) == 8
    shot(page, "2-eight-unsent")
    assert_accessible(page)
    assert_fits_phone(page)

    with live_app.app_context():  # nothing reached the server without signal
        assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0

    # 8. Signal again: everything is sent, in order, once.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#outbox-count")).to_be_hidden(timeout=15_000)
    # The kept copy is out of date now: the page is shown again from the server.
    expect(page.get_by_text("Saved on this phone at")).to_be_hidden()
    page.wait_for_load_state("load")
    # 9. The outbox is empty.
    assert outbox_size(page) == 0
    shot(page, "3-sent")
    with live_app.app_context():
        visits = db.session.scalars(sa.select(Visit)).all()
        trips = db.session.scalars(sa.select(Trip)).all()
        scores = db.session.scalars(sa.select(StepScore).where(StepScore.run_id == run_id)).all()
        run = db.session.get(ChecklistRun, run_id)
        assert len(visits) == 1 and visits[0].client_id == client_id
        assert [s.level for s in scores] == ["I"] * 5
        assert visits[0].tasks_observed == "Rolled 40 without a prompt"
        assert visits[0].ended_at is None  # saved, not ended
        assert run.note == ""
        assert [(t.miles_tenths, t.purpose) for t in trips] == [(125, "Job-site visit with Rosa")]
        assert visits[0].created_at <= trips[0].created_at  # sent in the order they were made


def trip_without_signal(page, purpose: str) -> None:
    """A trip logged from the kept trip form with the network cut."""
    page.context.set_offline(True)
    page.goto("/mileage/new")
    page.get_by_label("From").fill("Office")
    page.get_by_label("To").fill("Green Valley Grocery")
    page.get_by_label("Business purpose").fill(purpose)
    page.get_by_label("…or miles driven").fill("12.5")
    page.get_by_role("button", name="Save trip").click()
    expect(page.locator("#outbox-count")).to_have_text("1 unsent")


def back_online(page) -> None:
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


def trips(live_app) -> list:
    with live_app.app_context():
        return [t.purpose for t in db.session.scalars(sa.select(Trip).order_by(Trip.id))]


def test_a_save_the_server_refuses_stays_with_its_message_and_is_fixed_and_sent(phone, live_app):
    set_up(live_app)
    page = go_online_page(phone, live_app)
    page.goto("/mileage/new")
    kept_by_worker(page, "/mileage/new")
    trip_without_signal(page, "")  # no business purpose: the server refuses it
    back_online(page)
    rejected = page.locator(".outbox-rejected")
    expect(rejected).to_contain_text("Not saved:")
    expect(rejected.locator(".error")).to_contain_text(
        "Business purpose: Say what the trip was for."
    )
    expect(page.locator("#outbox-count")).to_have_text("1 unsent")  # still there, not lost
    shot(page, "4-rejected")
    assert_accessible(page)
    assert trips(live_app) == []

    rejected.get_by_role("button", name="Fix").click()
    rejected.get_by_label("Business purpose").fill("Job-site visit with Rosa")
    shot(page, "5-fixing")
    rejected.get_by_role("button", name="Send again").click()
    expect(page.locator("#outbox-count")).to_be_hidden()
    assert outbox_size(page) == 0
    assert trips(live_app) == ["Job-site visit with Rosa"]

    # Discarding asks first.
    trip_without_signal(page, "")
    back_online(page)
    expect(page.locator(".outbox-rejected")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Discard").click()
    expect(page.locator(".outbox-rejected")).to_be_visible()  # "no": it stays
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Discard").click()
    expect(page.locator("#outbox")).to_be_hidden()
    assert outbox_size(page) == 0 and trips(live_app) == ["Job-site visit with Rosa"]


def test_an_expired_session_keeps_the_save_until_the_coach_logs_in_again(phone, live_app):
    set_up(live_app)
    page = go_online_page(phone, live_app)
    page.goto("/mileage/new")
    kept_by_worker(page, "/mileage/new")
    trip_without_signal(page, "Job-site visit with Rosa")
    with live_app.app_context():  # the session ends while the phone has no signal
        db.session.execute(sa.update(UserSession).values(ended_at=utcnow()))
        db.session.commit()
    back_online(page)
    expect(page.locator(".outbox-login")).to_contain_text("Your session ended.")
    assert trips(live_app) == []
    page.get_by_role("link", name="Log in again").click()
    page.get_by_label("Email").fill("jordan@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/today/")
    expect(page.get_by_text("Sent from this phone: 1 save.")).to_be_visible()
    expect(page.locator("#outbox-count")).to_be_hidden()
    assert trips(live_app) == ["Job-site visit with Rosa"]
    assert outbox_size(page) == 0


def test_logging_out_with_unsent_saves_warns_then_clears_the_phone(phone, live_app):
    set_up(live_app)
    page = go_online_page(phone, live_app)
    page.goto("/mileage/new")
    kept_by_worker(page, "/mileage/new")
    trip_without_signal(page, "")  # refused once sent: it stays on the phone
    back_online(page)
    expect(page.locator(".outbox-rejected")).to_be_visible()
    page.goto("/menu")
    page.get_by_role("button", name="Log out").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("1 save is on this phone, not sent yet")
    shot(page, "6-logout-warning")
    assert_accessible(page)
    dialog.get_by_role("button", name="Stay logged in").click()
    expect(page.locator("#outbox-count")).to_have_text("1 unsent")
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("dialog").get_by_role("button", name="Log out and discard them").click()
    page.wait_for_url("**/login")
    assert outbox_size(page) == 0
    assert not page.evaluate("caches.has('coach-pages')")
    assert trips(live_app) == []


def test_a_visit_started_with_signal_is_ended_without_it_at_the_time_tapped(phone, live_app):
    client_id, _ = set_up(live_app)
    page = go_online_page(phone, live_app)
    path = f"/clients/{client_id}"
    page.goto(path)
    kept_by_worker(page, path)
    page.get_by_role("button", name="Start visit").click()
    expect(page.get_by_role("heading", name="Visit under way")).to_be_visible()
    # The worker fetched the page again: its copy shows the visit under way.
    until(
        page,
        """path => caches.open('coach-pages').then(c => c.match(location.origin + path))
             .then(r => r && r.text()).then(t => !!t && t.includes('Visit under way'))""",
        path,
    )
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_text("Saved on this phone at")).to_be_visible()
    shot(page, "7-kept-visit-under-way")
    page.locator("summary", has_text="Tasks observed").click()
    page.get_by_label("Tasks observed").fill("Stocked the dairy aisle")
    tapped = utcnow()
    page.get_by_role("button", name="End visit").click()
    expect(page.locator("#outbox-count")).to_have_text("1 unsent")
    expect(page.get_by_text("End of visit, with its note at")).to_contain_text("not sent yet")
    page.wait_for_timeout(1500)  # sent later than it was tapped
    back_online(page)
    expect(page.locator("#outbox-count")).to_be_hidden(timeout=15_000)
    with live_app.app_context():
        visit = db.session.scalars(sa.select(Visit)).one()
        assert visit.tasks_observed == "Stocked the dairy aisle"
        assert visit.ended_at is not None
        # The end is the minute the coach tapped End (the form keeps minutes).
        assert abs((visit.ended_at - tapped.replace(second=0, microsecond=0)).total_seconds()) <= 60


def test_an_employer_contact_and_a_call_logged_without_signal_are_sent_once(phone, live_app):
    client_id, _ = set_up(live_app)
    with live_app.app_context():
        coach = db.session.scalars(sa.select(User).where(User.email == "jordan@example.org")).one()
        employer_id = make_employer("Green Valley Grocery", created_by=coach).id
    page = go_online_page(phone, live_app)
    forms = (f"/jobdev/new?employer={employer_id}", f"/contacts/new?client={client_id}")
    for path in forms:
        page.goto(path)
        kept_by_worker(page, path)
    page.context.set_offline(True)
    page.goto(forms[0])
    page.get_by_label("Person met (optional)").fill("Dana Brooks")
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator("#outbox")).to_contain_text("Employer contact")
    page.goto(forms[1])
    page.locator("[value=text]").check()
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator("#outbox-count")).to_have_text("2 unsent")
    expect(page.locator("#outbox")).to_contain_text("Contact logged")
    assert_accessible(page)
    back_online(page)
    expect(page.locator("#outbox-count")).to_be_hidden(timeout=15_000)
    with live_app.app_context():
        contacts = db.session.scalars(sa.select(EmployerContact)).all()
        calls = db.session.scalars(sa.select(ClientContact)).all()
        assert [(c.employer_id, c.person_met) for c in contacts] == [(employer_id, "Dana Brooks")]
        assert [(c.client_id, c.kind) for c in calls] == [(client_id, "text")]
