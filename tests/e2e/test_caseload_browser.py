"""The foundation's main path in a real browser at phone size."""

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone
from tests.factories import (
    PASSWORD,
    make_client,
    make_employer,
    make_placement,
    make_user,
    make_worksite,
)


def seed(app):
    with app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        other = make_user("coach", email="sam@example.org")
        rosa = make_client(coach, "Rosa", "Rivera", status="employed", phone="(614) 555-0101")
        make_client(coach, "Liam", "Brown")
        make_client(other, "Hidden", "Person")
        site = make_worksite(make_employer("Lakeside Diner", created_by=coach))
        make_placement(rosa, site, "Dishwasher", hourly_wage_cents=1475)
        return rosa.id


def test_coach_logs_in_and_opens_a_client(page, live_app):
    rosa_id = seed(live_app)
    page.goto("/")
    expect(page).to_have_url(f"{live_app.config['LIVE_URL']}/login")
    assert_accessible(page)
    assert_fits_phone(page)

    page.get_by_label("Email").fill("jordan@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Today")).to_be_visible()  # home
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.get_by_text("Rosa Rivera")).to_be_visible()
    expect(page.get_by_text("Hidden Person")).to_have_count(0)
    assert_accessible(page)
    assert_fits_phone(page)

    # Active search narrows the list without a page load.
    page.get_by_label("Search by name").fill("ros")
    expect(page.get_by_text("Liam Brown")).to_have_count(0)
    expect(page).to_have_url(f"{live_app.config['LIVE_URL']}/clients/?q=ros&status=")

    page.get_by_role("link", name="Rosa Rivera").click()
    expect(page.get_by_role("heading", name="Rosa Rivera")).to_be_visible()
    expect(page.get_by_text("Dishwasher", exact=True)).to_be_visible()
    expect(page.get_by_text("$14.75/h")).to_be_visible()
    assert page.url.endswith(f"/clients/{rosa_id}")
    assert_accessible(page)
    assert_fits_phone(page)

    # Tap targets on the client page are at least 44 px tall.
    for box in page.locator("main a.btn, main button, nav.tabs a:not([hidden])").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    ):
        assert box >= 44

    # htmx requests carry the CSRF token from the page; after a boosted login it is
    # the new session's token, so a header-only POST is accepted.
    status = page.evaluate("""async () => {
        const shell = document.querySelector('[hx-headers]');
        const headers = {...JSON.parse(shell.getAttribute('hx-headers')), 'HX-Request': 'true'};
        const r = await fetch('/logout', {method: 'POST', headers});
        return r.status;
    }""")
    assert status == 204
