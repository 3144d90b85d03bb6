"""The coach's request page, left open, follows the employer's decision: the badge, the
buttons and the link list change within one poll (5 s), with no reload."""

from playwright.sync_api import expect

from coach.accommodations.services import create_link
from coach.extensions import db
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import PASSWORD, make_client, make_request, make_user


def test_the_coach_page_drops_its_link_actions_once_the_employer_signs(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        item = make_request(make_client(coach, "Rosa", "Rivera", disclosure="functional"), coach)
        _, token = create_link(item, "The request, as the employer sees it.", coach, "Dana", "")
        db.session.commit()
        item_id = item.id
    coach_page = phone()
    log_in(coach_page, "jordan@example.org", PASSWORD)
    coach_page.goto(f"/accommodations/{item_id}")
    for offer in ("Send a new link", "Revoke the link", "Withdraw the request"):
        expect(
            coach_page.get_by_role("button", name=offer).or_(
                coach_page.get_by_role("link", name=offer)
            )
        ).to_be_visible()
    expect(coach_page.locator("main")).to_contain_text("· active")

    # The manager signs on their own phone, in another browser context.
    manager = phone()
    manager.goto(f"/s/{token}")
    manager.get_by_label("Approve", exact=True).check()
    manager.get_by_label("Your full name (your signature)").fill("Dana Brooks")
    manager.get_by_label("Your job title").fill("Store Manager")
    manager.get_by_label("I agree to sign electronically").check()
    manager.get_by_role("button", name="Sign and send my decision").click()
    expect(manager.get_by_text("your decision is recorded")).to_be_visible()

    # Within one poll, with no reload: the decision shows and its stale offers go.
    expect(coach_page.get_by_text("Approved by Dana Brooks")).to_be_visible(timeout=7_000)
    for offer in ("Send a new link", "Revoke the link", "Withdraw the request"):
        expect(coach_page.get_by_text(offer)).to_have_count(0)
    expect(coach_page.locator("main")).to_contain_text("· used")
    expect(coach_page.locator("main")).not_to_contain_text("· active")
    coach_page.screenshot(path="/tmp/i16-taps-request-poll.png")
    assert_accessible(coach_page)
