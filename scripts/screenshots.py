"""Screenshots of every page at 390×844 with the demo agency, for a person to look at.

    .venv/bin/python scripts/screenshots.py [OUTDIR]

Serves the app on a free loopback port with a throwaway database, loads the
demo data and saves one PNG per page (full page) into OUTDIR (screenshots/).
"""

import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from coach import create_app  # noqa: E402
from coach.demo import DEMO_PASSWORD, load_demo_data  # noqa: E402
from coach.extensions import db  # noqa: E402
from coach.models import ChecklistRun, Client, TaskAnalysis, User  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, log_in  # noqa: E402


def log_out(page) -> None:
    page.goto("/menu")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/shots.db", "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        db.create_all()
        load_demo_data()
        # A task (with runs) on Jordan's caseload, for the task pages.
        task_id, client_id, run_id = db.session.execute(
            sa.select(TaskAnalysis.id, TaskAnalysis.client_id, sa.func.max(ChecklistRun.id))
            .join(Client, Client.id == TaskAnalysis.client_id)
            .join(User, User.id == Client.coach_id)
            .join(ChecklistRun, ChecklistRun.task_id == TaskAnalysis.id)
            .where(User.email == "jordan@example.org")
            .group_by(TaskAnalysis.id, TaskAnalysis.client_id)
        ).first()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    shots = {
        "jordan@example.org": [
            "/clients/",
            "/clients/?q=zz",
            "/clients/1",
            "/clients/4",
            "/clients/4/visits/new",
            "/visits/",
            "/clients/new",
            f"/tasks/{task_id}",
            f"/tasks/{task_id}/progress",
            f"/runs/{run_id}",
            f"/clients/{client_id}/tasks/new",
            "/task-library/",
            "/mileage/",
            "/mileage/new",
            "/clients/1/placements/new",
            "/employers/",
            "/employers/1",
            "/employers/new",
            "/employers/1/worksites/new",
            "/menu",
            "/account/password",
            "/account",
            "/account/email",
            "/account/sessions",
            "/account/two-factor",
            "/clients/2",
        ],
        "supervisor@example.org": [
            "/clients/",
            "/audit/",
            "/visits/",
            "/visits/1",
            "/mileage/review",
            "/mileage/export",
            "/menu",
        ],
        "admin@example.org": [
            "/admin/users",
            "/admin/users/new",
            "/admin/users/3/edit",
            "/admin/settings",
            "/nope",
        ],
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport=PHONE, device_scale_factor=1, base_url=base)
        page = ctx.new_page()
        page.goto("/login")
        page.screenshot(path=outdir / "login.png", full_page=True)
        page.get_by_label("Password").fill("x")
        page.get_by_role("button", name="Log in").click()
        page.screenshot(path=outdir / "login-error.png", full_page=True)
        for email, paths in shots.items():
            log_in(page, email, DEMO_PASSWORD)
            for path in paths:
                page.goto(path)
                name = email.split("@")[0] + path.replace("/", "_").replace("?", "-")
                page.screenshot(path=outdir / f"{name}.png", full_page=True)
            log_out(page)
        # A visit under way, its note open.
        log_in(page, "jordan@example.org", DEMO_PASSWORD)
        page.goto("/clients/4")
        page.get_by_role("button", name="Start visit").click()
        page.get_by_role("heading", name="Visit under way").wait_for()
        page.locator("summary", has_text="Tasks observed").click()
        page.get_by_label("Tasks observed").fill("Faced the cereal aisle.")
        page.screenshot(path=outdir / "visit-under-way.png")
        page.get_by_role("button", name="End visit").click()
        page.get_by_role("button", name="Start visit").wait_for()
        page.screenshot(path=outdir / "visit-ended.png")
        # An accommodation request, sent, and the employer's page.
        page.goto(f"/clients/{client_id}/accommodations/new")
        page.screenshot(path=outdir / "accommodation-form.png", full_page=True)
        page.get_by_label("Functional limitation").fill("Cannot stand for more than an hour")
        page.get_by_label("Job function affected").fill("Running the register")
        page.get_by_label("Accommodation requested").fill("A stool at the register")
        page.get_by_role("button", name="Save request").click()
        page.get_by_role("link", name="Send to employer").click()
        page.get_by_label("Show a QR code or copy the link").check()
        page.get_by_role("button", name="Make the link").click()
        page.get_by_role("heading", name="Link ready").wait_for()
        page.screenshot(path=outdir / "accommodation-link.png", full_page=True)
        url = page.get_by_label("Sign-off link").input_value()
        employer = browser.new_context(viewport=PHONE, base_url=base).new_page()
        employer.goto(url)
        employer.screenshot(path=outdir / "accommodation-sign.png", full_page=True)
        page.get_by_role("link", name="Done").click()
        page.screenshot(path=outdir / "accommodation-request.png", full_page=True)
        log_out(page)
        # A form sent empty: errors beside the fields.
        log_in(page, "jordan@example.org", DEMO_PASSWORD)
        page.goto("/clients/new")
        page.get_by_role("button", name="Save client").click()
        page.screenshot(path=outdir / "client-form-errors.png", full_page=True)
        # Two-step login: recovery codes shown once, then the code asked at login.
        page.goto("/account/two-factor")
        secret = page.get_by_label("Can't scan? Enter this key in the app").input_value()
        page.get_by_label("The 6-digit code your app shows").fill(pyotp.TOTP(secret).now())
        page.get_by_label("Current password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Turn on two-step login").click()
        page.get_by_role("heading", name="Two-step login is on").wait_for()
        page.screenshot(path=outdir / "two-factor-codes.png", full_page=True)
        page.goto("/account/two-factor")
        page.screenshot(path=outdir / "two-factor-on.png", full_page=True)
        log_out(page)
        page.goto("/login")
        page.get_by_label("Email").fill("jordan@example.org")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code").wait_for()
        page.screenshot(path=outdir / "login-code.png", full_page=True)
        browser.close()
    server.shutdown()
    print(f"screenshots in {outdir}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
