"""Nothing rendered for one person reaches another.

Two supervisors (who may open the same records), each on two devices, open the same
pages in turn. Each page must carry its own session's CSRF token and no other's, and
whatever names the viewer (the tab bar, "Logged in as") must name that viewer. A cache
of rendered HTML shared across requests, keyed on anything less than who is looking,
fails here.
"""

import re

import pytest

from tests.conftest import csrf_from, make_app
from tests.factories import (
    PASSWORD,
    ensure_agency,
    make_client,
    make_contact,
    make_employer,
    make_lead,
    make_request,
    make_run,
    make_task,
    make_trip,
    make_user,
    make_visit,
)

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
TABS = re.compile(r'<nav class="tabs".*?</nav>', re.S)


@pytest.fixture
def two_viewers(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        ensure_agency()
        coach = make_user("coach", name="Cora Coach")
        person = make_client(coach, "Rosa", "Rivera")
        make_visit(person, coach, tasks_observed="Stocked the dairy aisle")
        task = make_task(person, coach)
        first, second = (step.id for step in task.steps)
        run = make_run(task, coach, {first: "I", second: "V"})
        make_trip(coach, status="submitted")
        make_request(person, coach)
        contact = make_contact(coach, make_employer("Kroger"), clients=[person])
        lead = make_lead(coach, make_employer(created_by=coach), [person])
        viewers = [
            (make_user("supervisor", name="Alma Avery").email, "Alma Avery"),
            (make_user("supervisor", name="Bert Brook").email, "Bert Brook"),
        ]
        pages = [
            "/menu",
            "/clients/",
            f"/clients/{person.id}",
            f"/tasks/{task.id}",
            f"/tasks/{task.id}/progress",
            f"/runs/{run.id}",
            "/mileage/review",
            "/visits/?start=2020-01-01",
            "/accommodations/",
            "/jobdev/",
            f"/jobdev/{contact.id}",
            "/jobdev/weeks",
            f"/employers/{contact.employer_id}",
            "/leads/",
            f"/leads/{lead.id}",
            f"/leads/clients/{person.id}/log",
            "/today/",
            "/contacts/new",
        ]
    sessions = []
    for email, name in viewers * 2:  # Alma, Bert, Alma on a second device, Bert again
        browser = app.test_client()
        token = csrf_from(browser.get("/login").text)
        response = browser.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        sessions.append((browser, name))
    return sessions, pages


def test_each_page_carries_only_its_own_sessions_token_and_viewer(two_viewers):
    sessions, pages = two_viewers
    names = {name for _, name in sessions}
    for path in pages:
        seen = []
        for browser, name in sessions:
            response = browser.get(path)
            assert response.status_code == 200, path
            page = response.text
            tokens = {a or b for a, b in TOKEN.findall(page)}
            assert len(tokens) == 1, (path, tokens)  # every form of a page: one token
            seen.append(tokens.pop())
            tabs = TABS.search(page).group(0)
            for other in names - {name}:
                assert other not in tabs, (path, name)
            if path == "/menu":
                assert f"Logged in as <strong>{name}</strong>" in page
        assert len(set(seen)) == len(sessions), path  # four sessions, four tokens
