"""Phone pages measured in Chromium at 390×844 (and 360 wide): sizes, nothing sideways,
and how many taps a usual trip takes."""

from datetime import date, datetime

from playwright.sync_api import expect

from coach.timeutil import utcnow
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import (
    PASSWORD,
    ensure_agency,
    make_client,
    make_employer,
    make_placement,
    make_run,
    make_task,
    make_trip,
    make_user,
    make_worksite,
)

STEPS = [
    "Check the pull sheet for today's dairy",
    "Bring the dairy cart from the back",
    "Check the dates on the shelf",
    "Break down the empty boxes",
]
OFFICE = "Office: 330 W Spring St, Columbus, OH 43215"


def jordan_with_a_task(app):
    with app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        devon = make_client(coach, "Devon", "Thompson")
        task = make_task(devon, coach, STEPS, title="Stock the dairy cooler")
        run = make_run(task, coach, {task.steps[0].id: "I"}, started_at=datetime(2026, 11, 2, 15))
        return task.id, run.id


def line_count(locator) -> int:
    """How many lines of text an element's words take."""
    return locator.evaluate(
        "el => Math.round(el.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(el).lineHeight))"
    )


def test_score_buttons_are_at_least_48_square(phone, live_app):
    _, run_id = jordan_with_a_task(live_app)
    for width in (390, 360):
        page = phone()
        page.set_viewport_size({"width": width, "height": 844})
        log_in(page, "jordan@example.org", PASSWORD)
        page.goto(f"/runs/{run_id}")
        buttons = page.locator(".levels button")
        expect(buttons).to_have_count(7 * len(STEPS))
        for box in (buttons.nth(i).bounding_box() for i in range(7 * len(STEPS))):
            assert box["width"] >= 48 and box["height"] >= 48, (width, box)
        assert_fits_phone(page)
    page.screenshot(path="/tmp/i16-phoneui-run.png", full_page=True)
    assert_accessible(page)


def test_task_steps_read_on_two_lines_and_removal_asks_first(page, live_app):
    task_id, _ = jordan_with_a_task(live_app)
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/tasks/{task_id}")
    steps = page.locator("ol.steps > li")
    expect(steps).to_have_count(len(STEPS))
    for i in range(len(STEPS)):
        assert line_count(steps.nth(i).locator(".step-text")) <= 2, STEPS[i]
        for box in (b.bounding_box() for b in steps.nth(i).locator("a, button").all()):
            assert box["width"] >= 44 and box["height"] >= 44
    # No remove button beside the move buttons: removing is on the step's edit screen.
    expect(page.get_by_role("button", name="Remove step 2")).to_have_count(0)
    page.screenshot(path="/tmp/i16-phoneui-task.png", full_page=True)
    assert_accessible(page)
    assert_fits_phone(page)

    page.get_by_role("link", name="Edit step 2").click()
    expect(page.get_by_role("button", name="Yes, remove this step")).to_be_hidden()
    page.get_by_text("Remove this step…").click()
    page.screenshot(path="/tmp/i16-phoneui-step.png", full_page=True)
    assert_accessible(page)
    page.get_by_role("button", name="Yes, remove this step").click()
    expect(page.get_by_text("Step deleted.")).to_be_visible()
    expect(page.locator("ol.steps > li")).to_have_count(len(STEPS) - 1)
    expect(page.get_by_text("Bring the dairy cart from the back")).to_have_count(0)


def test_chart_axis_labels_are_readable(page, live_app):
    task_id, _ = jordan_with_a_task(live_app)
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/tasks/{task_id}/progress")
    sizes = page.evaluate(
        """() => {
          const svg = document.querySelector("svg.line-chart");
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return [...svg.querySelectorAll("text")].map(
            t => parseFloat(getComputedStyle(t).fontSize) * scale);
        }"""
    )
    assert sizes and min(sizes) >= 12, sizes
    page.screenshot(path="/tmp/i16-phoneui-chart.png", full_page=True)
    assert_fits_phone(page)


def test_monthly_log_fits_a_phone(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        devon = make_client(coach, "Devon", "Thompson")
        for day in (27, 28, 29, 30):
            make_trip(
                coach,
                66,
                trip_date=date(2026, 11, day),
                origin=OFFICE,
                destination="Client's home",
                purpose="Drove Devon to work",
                client_id=devon.id,
            )
    for width in (390, 360):
        page = phone()
        page.set_viewport_size({"width": width, "height": 844})
        log_in(page, "jordan@example.org", PASSWORD)
        page.goto("/mileage/log?month=2026-11")
        table = page.locator(".grid-wrap")
        assert table.evaluate("el => el.scrollWidth <= el.clientWidth"), "the log scrolls inside"
        assert_fits_phone(page)
        dates = page.get_by_text("11/30", exact=True)
        expect(dates).to_be_visible()
        assert line_count(dates) == 1, "a date wraps"
        expect(page.locator(".grid-total")).to_contain_text("26.4")
        page.screenshot(path=f"/tmp/i16-phoneui-log-{width}.png", full_page=True)
    assert_accessible(page)


def test_a_usual_trip_from_the_client_page_takes_two_taps(phone, live_app):
    with live_app.app_context():
        ensure_agency(office_address="330 W Spring St, Columbus, OH 43215")
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        devon = make_client(coach, "Devon", "Thompson")
        site = make_worksite(make_employer("Kroger"), "High Street", address="12 High St")
        make_placement(devon, site, "Stocker", start_date=date(utcnow().year - 1, 1, 5))
        make_trip(coach, 66, origin=OFFICE, destination="High Street: 12 High St")
        client_id = devon.id
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/{client_id}")
    # Every tap from here on is counted, across page loads.
    page.add_init_script(
        "addEventListener('click', () => {"
        " sessionStorage.taps = Number(sessionStorage.taps || 0) + 1 }, true)"
    )
    page.reload()
    page.get_by_role("link", name="Log a trip").tap()
    expect(page.get_by_label("Client transported (optional)")).to_have_value(str(client_id))
    expect(page.get_by_label("From")).to_have_value(OFFICE)
    expect(page.get_by_label("To")).to_have_value("High Street: 12 High St")
    expect(page.get_by_label("…or miles driven")).to_have_value("6.6")
    assert_accessible(page)
    assert_fits_phone(page)
    page.get_by_role("button", name="Save trip").tap()
    expect(page.get_by_text("Trip saved: 6.6 mi.")).to_be_visible()
    assert page.evaluate("Number(sessionStorage.taps)") == 2
    with live_app.app_context():
        from coach.extensions import db
        from coach.models import Trip

        trip = db.session.scalars(db.select(Trip).order_by(Trip.id.desc())).first()
        assert (trip.client_id, trip.purpose, trip.miles_tenths) == (
            client_id,
            "Client transport",
            66,
        )


def test_worksite_form_fills_its_location_from_the_phone(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        employer_id = make_employer("Kroger", created_by=coach).id
    page = phone(
        geolocation={"latitude": 39.9612, "longitude": -82.9988}, permissions=["geolocation"]
    )
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/employers/{employer_id}/worksites/new")
    page.get_by_label("Worksite name").fill("High Street")
    page.get_by_role("button", name="Use my location").tap()
    expect(page.get_by_label("Latitude (optional)")).to_have_value("39.9612")
    expect(page.get_by_label("Longitude (optional)")).to_have_value("-82.9988")
    page.screenshot(path="/tmp/i16-phoneui-worksite.png", full_page=True)
    assert_accessible(page)
    assert_fits_phone(page)
    page.get_by_role("button", name="Save worksite").click()
    expect(page.get_by_text("Location set")).to_be_visible()
