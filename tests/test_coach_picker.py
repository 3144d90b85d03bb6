"""The supervisor's coach filter: type part of a name, tap one of at most 20 matches.

A select of every user made the supervisor's pages grow with the agency."""

from datetime import datetime

from tests.conftest import count_queries
from tests.factories import make_client, make_user, make_visit


def matches(browser, **args) -> list[str]:
    page = browser.get("/clients/coaches", query_string=args, headers={"HX-Request": "true"})
    assert page.status_code == 200 and "<html" not in page.text
    return page.text.split("<li>")[1:]


def test_typing_part_of_a_name_lists_at_most_twenty_coaches(client, login_as):
    login_as("supervisor")
    for i in range(25):
        make_user("coach", name=f"Pat Coach{i:02d}")
    make_user("coach", name="Jordan Lee")
    found = matches(client, coach_q="pat")
    assert len(found) == 20 and all("Pat Coach" in item for item in found)
    jordan = matches(client, coach_q="jordan")
    assert len(jordan) == 1 and "Jordan Lee (Coach)" in jordan[0]
    assert "No one’s name holds “zz”" in client.get("/clients/coaches?coach_q=zz").text
    # Nothing typed yet: twenty names to start from, not the whole agency.
    assert len(matches(client)) == 20


def test_a_match_links_to_the_same_list_with_its_other_filters(client, login_as):
    login_as("supervisor")
    jordan = make_user("coach", name="Jordan Lee")
    item = matches(client, coach_q="jordan", client="rosa", start="2026-11-01", before="x")[0]
    href = item.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert href.startswith("?") and f"coach={jordan.id}" in href
    assert "client=rosa" in href and "start=2026-11-01" in href
    assert "before=" not in href and "coach_q" not in href  # a new list starts at its top


def test_the_visit_list_shows_the_chosen_coach_and_keeps_them_across_filters(client, login_as):
    login_as("supervisor")
    a, b = make_user("coach", name="Alma Ortiz"), make_user("coach", name="Bert Nash")
    make_visit(make_client(a, "Rosa", "Rivera"), a, started_at=datetime(2026, 11, 2, 15))
    make_visit(make_client(b, "Liam", "Brown"), b, started_at=datetime(2026, 11, 3, 15))
    page = client.get(f"/visits/?coach={a.id}&start=2026-11-01").text
    assert "Rosa Rivera" in page and "Liam Brown" not in page
    assert "Showing Alma Ortiz (Coach)." in page and "Show all coaches" in page
    assert f'<input type="hidden" name="coach" value="{a.id}">' in page
    everyone = client.get("/visits/?start=2026-11-01").text
    assert "Rosa Rivera" in everyone and "Liam Brown" in everyone
    assert "Showing all coaches." in everyone and 'name="coach"' not in everyone


def test_the_caseload_filters_by_the_chosen_coach(client, login_as):
    login_as("supervisor")
    a, b = make_user("coach", name="Alma Ortiz"), make_user("coach", name="Bert Nash")
    make_client(a, "Rosa", "Rivera")
    make_client(b, "Liam", "Brown")
    page = client.get(f"/clients/?coach={b.id}").text
    assert "Liam Brown" in page and "Rosa Rivera" not in page
    assert "Showing Bert Nash (Coach)." in page


def test_coaches_have_no_coach_filter(client, login_as):
    login_as("coach")
    assert client.get("/clients/coaches?coach_q=a").status_code == 404
    assert 'id="coach-q"' not in client.get("/visits/").text
    assert 'id="coach-q"' not in client.get("/clients/").text


def test_the_supervisor_pages_stay_the_same_size_with_more_coaches(client, login_as):
    login_as("supervisor")
    sizes, counts = [], []
    for more in (2, 60):
        for _ in range(more):
            make_user("coach")
        for path in ("/visits/", "/clients/"):
            with count_queries() as statements:
                page = client.get(path)
            sizes.append(len(page.data))
            counts.append(len(statements))
    assert counts[:2] == counts[2:]
    assert sizes[:2] == sizes[2:]  # no option per user on either page
