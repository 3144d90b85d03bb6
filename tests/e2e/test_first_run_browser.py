"""A newcomer's first minutes: set up the agency, add a coach, the coach adds a client."""

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone


def test_first_admin_adds_a_coach_who_adds_a_client(page, live_app):
    page.goto("/")
    page.get_by_role("link", name="Set up your agency").click()
    assert_accessible(page)
    page.get_by_label("Agency name").fill("Riverbend Employment")
    page.get_by_label("Your name").fill("Alex Morgan")
    page.get_by_label("Your email").fill("alex@example.org")
    page.get_by_label("New password").fill("admin password 2026")
    page.get_by_label("Repeat the password").fill("admin password 2026")
    page.get_by_role("button", name="Create admin account").click()

    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_role("link", name="Add user").click()
    page.get_by_label("Name").fill("Jordan Lee")
    page.get_by_label("Email (their login)").fill("jordan@example.org")
    page.get_by_label("Role").select_option("coach")
    page.get_by_role("button", name="Add user").click()
    temporary = page.locator(".secret code").inner_text()
    assert len(temporary) >= 12
    assert_accessible(page)

    page.get_by_role("link", name="More").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_label("Email").fill("jordan@example.org")
    page.get_by_label("Password").fill(temporary)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("You are using a temporary password")).to_be_visible()
    page.get_by_label("Current password").fill(temporary)
    page.get_by_label("New password").fill("jordans own password")
    page.get_by_label("Repeat the password").fill("jordans own password")
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("heading", name="Today")).to_be_visible()  # home
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.get_by_text("No clients on this caseload yet")).to_be_visible()
    page.get_by_role("link", name="Add client").click()
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_text("Enter the first name.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Rivera")
    page.get_by_label("Status").select_option("job_search")
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("heading", name="Rosa Rivera")).to_be_visible()
    expect(page.get_by_text("Job search")).to_be_visible()

    # The narrowest common phone: still nothing scrolls sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/clients/", page.url, "/employers/", "/menu"):
        page.goto(path)
        assert_fits_phone(page)
