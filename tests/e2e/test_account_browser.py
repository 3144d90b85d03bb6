"""Two-step login and devices in a real browser at phone size."""

import re
import time

import pyotp
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, ensure_agency, make_user


def test_supervisor_sets_up_two_step_login_then_logs_in_with_a_code(phone, live_app):
    with live_app.app_context():
        ensure_agency(require_two_factor="staff")
        make_user("supervisor", email="pat@example.org", name="Pat Kim")

    laptop = phone()  # a second device, logged in before the phone
    laptop.goto("/login")
    laptop.get_by_label("Email").fill("pat@example.org")
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Log in").click()

    page = phone()
    page.goto("/login")
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The agency requires it for supervisors: the first page is the set-up.
    expect(page.get_by_role("heading", name="Set up two-step login")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    secret = page.get_by_label("Can't scan? Enter this key in the app").input_value()
    page.get_by_label("The 6-digit code your app shows").fill("000000")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-step login").click()
    expect(page.get_by_text("That code does not match")).to_be_visible()
    page.get_by_label("The 6-digit code your app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-step login").click()

    expect(page.get_by_role("heading", name="Two-step login is on")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    assert_fits_phone(page)
    page.get_by_role("link", name="I have saved them").click()

    # Turning it on logged the laptop out: it must come back with a code.
    laptop.goto("/clients/")
    expect(laptop).to_have_url(re.compile(r"/login"))
    laptop.get_by_label("Email").fill("pat@example.org")
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Log in").click()
    expect(laptop.get_by_role("heading", name="Two-step login")).to_be_visible()
    assert_accessible(laptop)
    laptop.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))  # not reused
    laptop.get_by_role("button", name="Log in").click()
    expect(laptop.get_by_role("heading", name="All caseloads")).to_be_visible()

    # Devices: the laptop is listed and can be logged out from the phone.
    page.get_by_role("link", name="Where I am logged in").click()
    expect(page.get_by_text("This device", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Log out all other devices").click()
    expect(page.get_by_text("Logged out 1 other session.")).to_be_visible()
    laptop.goto("/clients/")
    expect(laptop).to_have_url(re.compile(r"/login"))

    # No phone at hand: a recovery code gets in, once.
    page.goto("/menu")
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_text("9 left")).to_be_visible()


def test_coach_changes_email_with_the_current_password(page, live_app):
    with live_app.app_context():
        make_user("coach", email="jo@example.org", name="Jo Park")
    log_in(page, "jo@example.org", PASSWORD)
    page.goto("/menu")
    page.get_by_role("link", name=re.compile("My account")).click()
    page.get_by_role("link", name="Change my email").click()
    page.get_by_label("New email (your login)").fill("jo.park@example.org")
    page.get_by_label("Current password").fill("not it")
    page.get_by_role("button", name="Change email").click()
    expect(page.get_by_text("That is not your current password.")).to_be_visible()
    assert page.get_by_label("New email (your login)").input_value() == "jo.park@example.org"
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Change email").click()
    expect(page.get_by_text("Your email is changed.")).to_be_visible()
    expect(page.get_by_text("jo.park@example.org")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
