"""Walk the whole URL map: every GET route opens for each role that may use it, with
real ids of the user's own records, as a page and as an htmx request. A route no role
can open, or one this walk cannot build a URL for, fails the test.

(tests/test_authorization_map.py checks the other side: others' records answer 404.)"""

import pytest

from coach.extensions import db
from coach.models import Client
from tests.factories import make_visit
from tests.test_fuzz import own_records

HTMX = {"HX-Request": "true"}
ROLES = ("coach", "supervisor", "admin")

# Routes for some roles only; the others get 404 (roles_required).
ONLY_FOR = {
    "admin.outbox": {"admin"},
    "admin.settings": {"admin"},
    "admin.users": {"admin"},
    "admin.edit_user": {"admin"},
    "admin.new_user": {"admin"},
    "mileage.rates": {"admin"},
    "billing.services": {"admin"},
    "billing.edit_service": {"admin"},
    "billing.funders": {"admin"},
    "billing.new_funder": {"admin"},
    "billing.edit_funder": {"admin"},
    "milestones.schedule": {"admin"},
    "milestones.edit_milestone": {"admin"},
    "audit.audit_log": {"supervisor", "admin"},
    "clients.coach_matches": {"supervisor", "admin"},
    "clients.coach_options": {"supervisor", "admin"},
    "mileage.export": {"supervisor", "admin"},
    "billing.export": {"supervisor", "admin"},
    "billing.batch_csv": {"supervisor", "admin"},
    "billing.batch_xlsx": {"supervisor", "admin"},
    "mileage.review": {"supervisor", "admin"},
    "tasks.edit_template": {"supervisor", "admin"},
    "jobdev.weeks": {"supervisor", "admin"},
    "notereview.queue": {"supervisor", "admin"},
    "notereview.return_note": {"supervisor", "admin"},
    "reports.review": {"supervisor", "admin"},
}

# Routes that, for someone logged in, send them elsewhere by design.
REDIRECTS = {
    "auth.index": "/today/",  # home is Today
    "auth.login": "/",  # already logged in
    "auth.login_code": "/login",  # no password step under way
    "auth.first_run": "/login",  # the agency is set up
}


def records_for(user) -> dict:
    """The user's own records, one of each, with an ended visit (an open one is edited
    from the client page, so its edit form redirects there)."""
    records = own_records(user)
    person = db.session.get(Client, records["client_id"])
    records["visit_id"] = make_visit(person, user).id
    return records


def get_routes(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )


def fetch(client, url, headers):
    """GET a URL and read the body whole (CSV downloads stream)."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_opens_for_each_role_that_may_use_it(app, client, login_as, role):
    user = login_as(role)
    records = records_for(user)
    routes = get_routes(app)
    assert len(routes) > 40
    assert set(ONLY_FOR) | set(REDIRECTS) <= {r.endpoint for r in routes}, "stale entries"
    opened = 0
    for rule in routes:
        missing = set(rule.arguments) - set(records)
        assert not missing, f"{rule} takes {missing}: teach records_for() about it"
        url = rule.build({k: records[k] for k in rule.arguments})[1]
        allowed = role in ONLY_FOR.get(rule.endpoint, set(ROLES))
        for headers in ({}, HTMX):
            response = fetch(client, url, headers)
            where = f"{role} GET {url} {headers}"
            if not allowed:
                assert response.status_code == 404, where
            elif rule.endpoint in REDIRECTS:
                assert response.status_code == 302, where
                assert response.location == REDIRECTS[rule.endpoint], where
            else:
                assert response.status_code == 200, f"{where}: {response.status_code}"
                opened += 1
    assert opened > 50
