"""Nothing typed is lost when the session runs out in the middle of a form."""

from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_drafts_left, log_in, open_caseload
from tests.factories import PASSWORD, make_user


def test_expired_session_brings_the_coach_back_to_the_form_with_the_text(page, live_app):
    with live_app.app_context():
        make_user("coach", email="jordan@example.org")
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)
    page.get_by_role("link", name="Add client").click()
    page.get_by_label("First name").fill("Keisha")
    page.get_by_label("Last name").fill("Allen")
    page.get_by_label("Notes (optional)").fill("Prefers morning shifts; takes the 12 bus.")

    idle = live_app.config["SESSION_IDLE_TIMEOUT"]
    live_app.config["SESSION_IDLE_TIMEOUT"] = timedelta(seconds=-1)  # the coach was away
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_text("Your session timed out")).to_be_visible()
    live_app.config["SESSION_IDLE_TIMEOUT"] = idle

    page.get_by_label("Email").fill("jordan@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/clients/new")
    expect(page.get_by_text("Restored what you typed earlier")).to_be_visible()
    expect(page.get_by_label("Notes (optional)")).to_have_value(
        "Prefers morning shifts; takes the 12 bus."
    )
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("heading", name="Keisha Allen")).to_be_visible()
    assert_no_drafts_left(page)


def test_logout_clears_unsaved_drafts(page, live_app):
    with live_app.app_context():
        make_user("coach", email="jordan@example.org")
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)
    page.goto("/clients/new")
    page.get_by_label("First name").fill("Unsaved")
    assert page.evaluate("Object.keys(localStorage).length") == 1
    page.get_by_role("link", name="More").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.evaluate("Object.keys(localStorage).length") == 0


# What a coach types on a form before the page's script has set it up (a slow phone, or
# a form re-rendered after a save): the field already differs from the page's value.
TYPED_BEFORE_SETUP = """
document.addEventListener('readystatechange', () => {
  const field = document.getElementById('last_name');
  if (document.readyState === 'interactive' && field) field.value = 'Allen-Ruiz';
});
"""


def test_a_draft_never_overwrites_what_was_typed_on_the_page(page, live_app):
    with live_app.app_context():
        make_user("coach", email="jordan@example.org")
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto("/clients/new")
    page.get_by_label("First name").fill("Keisha")
    page.get_by_label("Last name").fill("Allen")  # the draft: Keisha Allen
    page.add_init_script(TYPED_BEFORE_SETUP)
    page.reload()
    expect(page.get_by_text("Restored what you typed earlier")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Keisha")  # from the draft
    expect(page.get_by_label("Last name")).to_have_value("Allen-Ruiz")  # typed: kept
