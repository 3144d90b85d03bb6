"""Job development on a phone: from home, log a contact with a new prospect in three
taps, and watch the week's counter move; the supervisor's 8-week table."""

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, assert_no_drafts_left, log_in
from tests.factories import PASSWORD, make_client, make_contact, make_employer, make_user

SHOTS = os.environ.get("SHOTS")  # a folder: save each page as a PNG to look at


SMALL_TARGETS = """
[...document.querySelectorAll('main a, main button, main label.choice, main .tags label')]
  .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
  .map(el => el.textContent.trim().slice(0, 40))
"""


def look(page, name: str) -> None:
    assert_accessible(page)
    assert_fits_phone(page)
    assert page.evaluate(SMALL_TARGETS) == [], f"{name}: tap targets under 44 px"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_log_a_contact_with_a_new_prospect_in_three_taps(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        make_client(coach, "Rosa", "Rivera", disclosure="functional", status="job_search")
        make_client(coach, "Sam", "Quiet", disclosure="none", status="job_search")
        make_contact(coach, make_employer("Green Valley Grocery"), method="phone")
        make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    counter = page.locator(".week-counter")
    expect(counter).to_contain_text("This week: 1 of 6 employer contacts (0 in person)")
    look(page, "home")

    taps = 0
    page.get_by_role("link", name="Log employer contact").click()
    taps += 1
    employer = page.get_by_label("Employer", exact=True)
    expect(employer).to_be_focused()
    expect(page.get_by_text("chose not to disclose — not named to employers")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Sam Quiet")).to_be_disabled()
    page.keyboard.type("Blue Door Bakery")
    new_prospect = page.get_by_label("Add “Blue Door Bakery” as a new prospect")
    expect(new_prospect).to_be_visible()
    look(page, "contact_form")
    new_prospect.check()
    taps += 1
    page.get_by_role("button", name="Save contact").click()
    taps += 1
    assert taps <= 3

    expect(page.get_by_text("Contact with Blue Door Bakery logged.")).to_be_visible()
    expect(counter).to_contain_text("This week: 2 of 6 employer contacts (1 in person)")
    assert_no_drafts_left(page)
    look(page, "home_after")

    counter.get_by_role("link").click()
    expect(page.get_by_role("link", name="Blue Door Bakery")).to_be_visible()
    look(page, "contacts_this_week")
    page.get_by_role("link", name="Blue Door Bakery").click()
    expect(page.locator("dl.kvs")).to_contain_text("Learn the business's needs")
    look(page, "contact")
    page.get_by_role("link", name="Open Blue Door Bakery").click()
    expect(page.locator("h1 .badge-prospect")).to_have_text("Prospect")
    look(page, "employer")

    page.get_by_role("link", name="Add person").click()
    page.get_by_label("Name").fill("Dana Brooks")
    page.get_by_label("Job title (optional)").fill("Store manager")
    look(page, "person_form")
    page.get_by_role("button", name="Save person").click()
    expect(page.get_by_text("Dana Brooks, Store manager")).to_be_visible()

    page.goto("/employers/?kind=prospect")
    page.get_by_label("Search by business name").fill("blue")
    expect(page.locator("#employer-list")).to_contain_text("Blue Door Bakery")
    expect(page.locator("#employer-list")).not_to_contain_text("Green Valley")
    look(page, "employers_prospects")

    boss = phone()
    log_in(boss, "maria@example.org", PASSWORD)
    boss.goto("/jobdev/weeks")
    row = boss.locator(".week-card", has_text="Jordan Lee")
    expect(row.locator("td").last).to_have_text("2")
    look(boss, "weeks")
    row.locator("td").last.get_by_role("link").click()
    expect(boss.locator(".card")).to_have_count(2)
    look(boss, "contacts_of_a_coach")


def test_a_half_typed_contact_comes_back_after_a_reload(phone, live_app):
    """Drafts keep radio choices too: the one ticked comes back, the others keep their
    own values."""
    with live_app.app_context():
        make_user("coach", email="jordan@example.org", name="Jordan Lee")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto("/jobdev/new")
    page.get_by_label("Phone").check()
    page.get_by_label("Present a job seeker").check()
    page.get_by_label("Short note (optional)").fill("Ask about the deli opening")
    page.wait_for_timeout(600)  # app.js keeps the draft as the coach types
    page.reload()
    expect(page.get_by_label("Short note (optional)")).to_have_value("Ask about the deli opening")
    expect(page.get_by_label("Phone")).to_be_checked()
    expect(page.get_by_label("In person")).not_to_be_checked()
    expect(page.get_by_label("Present a job seeker")).to_be_checked()
    assert page.get_by_label("In person").get_attribute("value") == "in_person"


# Puts a name in the employer field once the page is parsed, before the deferred
# scripts (htmx) run: what a quick thumb on a slow phone does.
TYPE_BEFORE_HTMX = """
document.addEventListener('readystatechange', () => {
  const field = document.getElementById('employer_name');
  if (document.readyState === 'interactive' && field) field.value = 'Blue Door Bakery';
});
"""


def test_a_name_typed_before_the_page_finished_loading_is_still_searched(phone, live_app):
    with live_app.app_context():
        make_user("coach", email="jordan@example.org", name="Jordan Lee")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.add_init_script(TYPE_BEFORE_HTMX)
    page.goto("/jobdev/new")
    expect(page.get_by_label("Employer", exact=True)).to_have_value("Blue Door Bakery")
    expect(page.get_by_label("Add “Blue Door Bakery” as a new prospect")).to_be_visible()


def test_an_empty_search_box_sends_nothing_when_the_page_opens(phone, live_app):
    """Only a box with text typed before htmx started is searched on load (htmx's own
    trigger filters need eval, which the CSP forbids: a filter then searched always)."""
    with live_app.app_context():
        make_user("coach", email="jordan@example.org", name="Jordan Lee")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    for path in ("/jobdev/new", "/clients/", "/employers/"):
        page.goto(path)
        page.wait_for_timeout(400)
    searches = [url for url in asked if "/static/" not in url and "?" in url]
    assert searches == [], searches
