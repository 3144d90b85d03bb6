"""The coach's request page polls its status while the employer holds the link; the
poll's answer also brings the actions and links up to date (out of band), so a decided
request stops offering to send, revoke or withdraw, and shows its link as used."""

import re
import uuid

from tests.factories import make_client, make_request

HTMX = {"HX-Request": "true"}
SIGN = {
    "consent": "y",
    "signer_name": "Dana Brooks",
    "signer_title": "Store Manager",
    "decision": "approved",
    "comment": "",
}


def send_link(client, item) -> str:
    response = client.post(
        f"/accommodations/{item.id}/send",
        data={"contact_name": "Dana Brooks", "how": "show", "idempotency_key": uuid.uuid4().hex},
    )
    url = re.search(r'id="signoff-url" type="text" readonly value="([^"]+)"', response.text)
    return "/" + url.group(1).split("/", 3)[3]


def out_of_band(html: str, element_id: str) -> str:
    """What the poll sends out of band as #element_id: from its tag to the next such piece."""
    pieces = re.split(r'(?=<\w+ id="[\w-]+"[^>]*hx-swap-oob="true")', html)
    found = [p for p in pieces if p.startswith("<") and f'id="{element_id}"' in p[:80]]
    assert found, f"the poll should carry #{element_id} out of band"
    return found[0]


def test_the_poll_after_a_decision_takes_the_actions_away_and_shows_the_link_used(client, login_as):
    coach = login_as("coach")
    item = make_request(make_client(coach, disclosure="functional"), coach)
    path = send_link(client, item)

    waiting = client.get(f"/accommodations/{item.id}/status", headers=HTMX).text
    assert "Send a new link" in out_of_band(waiting, "request-actions")
    links = out_of_band(waiting, "request-links")
    assert "· active" in links and "Revoke the link" in links and "Withdraw the request" in links

    client.application.test_client().post(path, data=SIGN)
    decided = client.get(f"/accommodations/{item.id}/status", headers=HTMX).text
    assert "Approved by Dana Brooks" in decided and "every 5s" not in decided
    actions = out_of_band(decided, "request-actions")
    links = out_of_band(decided, "request-links")
    for offer in ("Send a new link", "Send to employer", "Revoke", "Withdraw"):
        assert offer not in decided
    assert "· used" in links and "· active" not in links
    assert "Edit" in actions  # what stays offered is still there


def test_the_full_page_swaps_nothing_out_of_band(client, login_as):
    coach = login_as("coach")
    item = make_request(make_client(coach, disclosure="functional"), coach)
    send_link(client, item)
    page = client.get(f"/accommodations/{item.id}").text
    assert 'id="request-actions"' in page and 'id="request-links"' in page
    assert "hx-swap-oob" not in page
