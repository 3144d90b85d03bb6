"""Every page says what it is in a meta description (search engines, link previews,
Lighthouse's SEO audit)."""

import re
import uuid

from tests.factories import make_client, make_request

SIGN_PATH = re.compile(r'id="signoff-url" type="text" readonly value="https?://[^/]+(/[^"]+)"')


def description(html: str) -> str:
    found = re.findall(r'<meta name="description" content="([^"]*)">', html)
    assert len(found) == 1, "the page should have exactly one meta description"
    assert len(found[0]) >= 30, "the description should say something"
    return found[0]


def test_the_login_page_describes_itself(client, ctx):
    text = description(client.get("/login").text)
    assert "Log in" in text


def test_pages_without_their_own_description_get_the_default(client, login_as):
    login_as("coach")
    text = description(client.get("/clients/").text)
    assert "job coaches" in text


def test_the_employer_sign_off_page_describes_itself(client, login_as):
    coach = login_as("coach")
    item = make_request(make_client(coach, disclosure="functional"), coach)
    sent = client.post(
        f"/accommodations/{item.id}/send",
        data={"contact_name": "Dana Brooks", "how": "show", "idempotency_key": uuid.uuid4().hex},
    )
    path = SIGN_PATH.search(sent.text).group(1)
    text = description(client.application.test_client().get(path).text)
    assert "accommodation request" in text
