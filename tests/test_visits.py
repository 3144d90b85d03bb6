import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, Visit, VisitVersion
from coach.timeutil import local_input_value, utcnow
from coach.visits.services import check_location, duration_minutes, service_units
from tests.clock import freeze_clock
from tests.factories import (
    ensure_agency,
    make_client,
    make_employer,
    make_placement,
    make_user,
    make_visit,
    make_worksite,
)


@pytest.mark.parametrize(
    "minutes,units",
    [(0, 0), (7, 0), (8, 1), (15, 1), (22, 1), (23, 2), (30, 2), (37, 2), (38, 3), (60, 4)],
)
def test_service_units_use_the_8_minute_rule(minutes, units):
    assert service_units(minutes) == units


def test_the_minutes_are_those_of_the_clock_times_shown():
    """A visit shown (and exported) as 10:00-10:23 counts 23 minutes: 2 units."""
    start, end = datetime(2026, 11, 2, 15, 0, 50), datetime(2026, 11, 2, 15, 23, 10)
    assert duration_minutes(start, end) == 23 and service_units(23) == 2
    assert duration_minutes(end, start) == 0


def test_service_unit_threshold_is_configurable():
    assert service_units(22, threshold=1) == 2
    assert service_units(14, threshold=15) == 0


def test_location_check(ctx):
    site = make_worksite(make_employer(), latitude=39.9896, longitude=-83.0063)
    no_coordinates = make_worksite(make_employer("No map"))
    assert check_location(39.9896, -83.0063, site, 250) == ("on_site", 0.0)
    status, distance = check_location(39.9914, -83.0063, site, 250)  # ~200 m north
    assert status == "on_site" and 150 < distance < 250
    status, distance = check_location(39.9950, -83.0063, site, 250)  # ~600 m north
    assert status == "off_site" and distance > 500
    assert check_location(None, None, site, 250) == ("not_checked", None)
    assert check_location(39.99, -83.0, no_coordinates, 250) == ("not_checked", None)
    assert check_location(39.99, -83.0, None, 250) == ("not_checked", None)


@pytest.fixture
def coach_client(login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    site = make_worksite(
        make_employer("Green Valley Grocery"), latitude=39.9896, longitude=-83.0063
    )
    placement = make_placement(person, site, "Courtesy clerk")
    return coach, person, placement


def start(client, person, placement, key="k" * 32, **fix):
    return client.post(
        f"/clients/{person.id}/visits/start",
        data={
            "idempotency_key": key,
            "placement_id": placement.id,
            "contact_type": "on_site",
            **fix,
        },
    )


def test_the_start_form_posts_the_one_job_or_offers_a_choice(client, coach_client):
    """With one job the Start button starts a visit at it; with two, the coach picks."""
    _, person, placement = coach_client
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert f'<input type="hidden" name="placement_id" value="{placement.id}">' in page
    second = make_placement(person, make_worksite(make_employer("Bay Books")), "Shelver")
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert '<select id="placement_id" name="placement_id"' in page
    assert f'value="{second.id}"' in page and f'value="{placement.id}"' in page


def test_start_visit_checks_location_and_opens_the_note(client, coach_client):
    coach, person, placement = coach_client
    response = start(
        client, person, placement, latitude="39.9897", longitude="-83.0064", accuracy="12"
    )
    assert response.status_code == 302
    visit = db.session.scalar(sa.select(Visit))
    assert visit.location_status == "on_site" and visit.distance_m < 50
    assert visit.ended_at is None and visit.worksite_id == placement.worksite_id
    page = client.get(f"/clients/{person.id}").text
    assert "Visit under way" in page and "End visit" in page and "At the worksite" in page


def test_start_visit_without_location_still_saves(client, coach_client):
    _, person, placement = coach_client
    start(client, person, placement)
    visit = db.session.scalar(sa.select(Visit))
    assert visit.location_status == "not_checked" and visit.distance_m is None


def test_same_idempotency_key_twice_makes_one_visit(client, coach_client):
    _, person, placement = coach_client
    first = start(client, person, placement, key="a1b2c3d4e5f6")
    # The coach ends it, then a retried POST of the very first tap arrives.
    visit = db.session.scalar(sa.select(Visit))
    client.post(
        f"/visits/{visit.id}/end",
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": "2026-11-02T09:00",
        },
    )
    again = start(client, person, placement, key="a1b2c3d4e5f6")
    assert first.status_code == again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_past_visit_idempotency(client, coach_client):
    _, person, placement = coach_client
    data = {
        "idempotency_key": "past-visit-key-1",
        "contact_type": "phone",
        "placement_id": 0,
        "started_at": "2026-11-02T09:00",
        "ended_at": "2026-11-02T09:23",
        "tasks_observed": "Phone check-in",
    }
    first = client.post(f"/clients/{person.id}/visits/new", data=data)
    second = client.post(f"/clients/{person.id}/visits/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    visit = db.session.scalar(sa.select(Visit))
    assert (visit.duration_minutes, visit.service_units) == (23, 2)
    assert visit.contact_type == "phone" and visit.worksite_id is None
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_end_visit_with_htmx_returns_panel_and_timeline(client, coach_client):
    _, person, placement = coach_client
    start(client, person, placement)
    visit = db.session.scalar(sa.select(Visit))
    visit.started_at = utcnow() - timedelta(minutes=23)
    db.session.commit()
    response = client.post(
        f"/visits/{visit.id}/end",
        headers={"HX-Request": "true"},
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": "",
            "tasks_observed": "Bagged groceries, fast and careful",
            "tags": ["Task training", "Not a real tag"],
        },
    )
    # Started time left empty: the form says so and nothing changes.
    assert "Enter when the visit started." in response.text
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).ended_at is None
    started = (utcnow() - timedelta(minutes=23)).replace(second=0)
    local = local_input_value(started, "America/New_York").strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/visits/{visit.id}/end",
        headers={"HX-Request": "true"},
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": local,
            "tasks_observed": "Bagged groceries, fast and careful",
            "tags": ["Task training"],
        },
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert (
        '<section id="visit-history" aria-labelledby="history-h" hx-swap-oob="true">'
        in response.text
    )
    assert "Bagged groceries" in response.text and "Start visit" in response.text
    assert f'data-draft-saved="visit-{visit.id}"' in response.text
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.duration_minutes in (23, 24) and visit.service_units == 2
    assert visit.tags == "Task training"


def test_save_note_keeps_visit_open(client, coach_client):
    _, person, placement = coach_client
    start(client, person, placement)
    visit = db.session.scalar(sa.select(Visit))
    response = client.post(
        f"/visits/{visit.id}/save",
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": "2026-11-02T09:00",
            "concerns": "Late twice this week",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.concerns == "Late twice this week" and visit.ended_at is None
    assert "Late twice this week" in client.get(f"/clients/{person.id}").text


def test_times_are_validated(client, coach_client):
    _, person, _ = coach_client
    base = {"idempotency_key": "times-key-123", "contact_type": "phone", "placement_id": 0}
    future = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    cases = [
        ({"started_at": "2026-11-02T10:00", "ended_at": "2026-11-02T09:00"}, "before the start"),
        ({"started_at": "2026-11-02T01:00", "ended_at": "2026-11-02T23:00"}, "16 hours"),
        ({"started_at": future, "ended_at": future}, "in the future"),
        ({"started_at": "2026-11-02T10:00", "ended_at": ""}, "Enter when the visit ended."),
        ({"started_at": "yesterday", "ended_at": "2026-11-02T09:00"}, "Enter a date and a time"),
    ]
    for fields, message in cases:
        response = client.post(f"/clients/{person.id}/visits/new", data={**base, **fields})
        assert message in response.text, message
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


def test_times_show_in_agency_zone(client, coach_client):
    coach, person, _ = coach_client
    ensure_agency(timezone="America/Los_Angeles")
    visit = make_visit(person, coach, minutes=45, started_at=datetime(2026, 7, 1, 16, 5))
    page = client.get(f"/visits/{visit.id}").text
    assert "Jul 1, 2026 9:05 AM" in page and "45 min · 3 units" in page


def test_amendment_keeps_earlier_version(client, coach_client):
    coach, person, placement = coach_client
    visit = make_visit(
        person,
        coach,
        minutes=30,
        started_at=datetime(2026, 11, 2, 14, 0),
        performance="Needed reminders",
        placement_id=placement.id,
    )
    response = client.post(
        f"/visits/{visit.id}/edit",
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": "2026-11-02T09:00",
            "ended_at": "2026-11-02T09:40",
            "performance": "Needed two verbal reminders",
            "reason": "Added detail",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.version == 2 and visit.performance == "Needed two verbal reminders"
    assert (visit.duration_minutes, visit.service_units) == (40, 3)
    old = db.session.scalar(sa.select(VisitVersion))
    assert old.version == 1 and old.amended_by_id == coach.id and old.reason == "Added detail"
    assert json.loads(old.content)["performance"] == "Needed reminders"
    page = client.get(f"/visits/{visit.id}").text
    assert "Version 1, replaced" in page and "Needed reminders" in page
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "amend"))


def test_only_supervisors_soft_delete(client, coach_client, auth, login_as):
    coach, person, _ = coach_client
    visit = make_visit(person, coach)
    assert client.post(f"/visits/{visit.id}/delete").status_code == 404
    assert "Delete this visit" not in client.get(f"/visits/{visit.id}").text
    auth.logout()
    login_as("supervisor")
    assert client.post(f"/visits/{visit.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).deleted_at is not None  # still in the database
    assert client.get(f"/visits/{visit.id}").status_code == 404
    assert "30 min" not in client.get(f"/clients/{person.id}").text


def test_another_coachs_visits_are_not_found(client, coach_client):
    other = make_user("coach")
    theirs = make_client(other, "Private", "Person")
    visit = make_visit(theirs, other)
    for method, url in [
        ("get", f"/visits/{visit.id}"),
        ("get", f"/visits/{visit.id}/edit"),
        ("post", f"/visits/{visit.id}/end"),
        ("post", f"/clients/{theirs.id}/visits/start"),
        ("get", f"/clients/{theirs.id}/visits"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    assert "Private" not in client.get("/visits/").text


def test_timeline_names_the_coach_and_work_site_of_each_visit(client, coach_client):
    coach, person, placement = coach_client
    make_visit(person, coach, minutes=15, started_at=datetime(2026, 10, 1, 15))
    # The open visit is loaded before the timeline: its card must still carry the names.
    assert start(client, person, placement).status_code == 302
    db.session.remove()
    timeline = client.get(f"/clients/{person.id}/visits").text.split('id="timeline"')[1]
    under_way, earlier = timeline.split("</li>")[:2]
    assert "Under way" in under_way and f"Main store · {coach.name}" in under_way
    assert f"On site · {coach.name}" in earlier and "Main store" not in earlier


def test_timeline_pages_newest_first_with_htmx_and_without(client, coach_client):
    coach, person, _ = coach_client
    for i in range(25):
        make_visit(
            person,
            coach,
            minutes=15,
            started_at=datetime(2026, 10, 1) + timedelta(days=i),
            tasks_observed=f"Day {i:02d}",
        )
    page = client.get(f"/clients/{person.id}/visits").text
    assert "Day 24" in page and "Day 15" in page and "Day 14" not in page
    assert 'hx-trigger="revealed"' in page
    older = page.split('class="more"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    fragment = client.get(older, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and "Day 14" in fragment and "Day 15" not in fragment
    full = client.get(older).text
    assert "<html" in full and "Older visits" in full and "Day 05" in full


def test_the_client_page_loads_its_visit_history_when_scrolled_to(client, coach_client):
    coach, person, _ = coach_client
    make_visit(person, coach, minutes=30, tasks_observed="Folded towels")
    page = client.get(f"/clients/{person.id}").text
    # The page's first screen is the visit panel; the history follows by htmx, and
    # without JavaScript a link opens it.
    history = page.split('id="visit-history"')[1].split("</section>")[0]
    assert f'hx-get="/clients/{person.id}/visits"' in history
    assert 'hx-trigger="revealed"' in history and "Show visits" in history
    assert "Folded towels" not in page
    fragment = client.get(f"/clients/{person.id}/visits", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert '<section id="visit-history"' in fragment and "Folded towels" in fragment
    assert "30 min · 2 units" in fragment and "<caption" in fragment  # units per month
    full = client.get(f"/clients/{person.id}/visits").text
    assert "<html" in full and "Folded towels" in full and "Older visits" not in full


def test_supervisor_report_filters_and_totals(client, auth, login_as):
    a, b = make_user("coach"), make_user("coach")
    rosa, liam = make_client(a, "Rosa", "Rivera"), make_client(b, "Liam", "Brown")
    make_visit(rosa, a, minutes=23, started_at=datetime(2026, 11, 2, 15))
    make_visit(rosa, a, minutes=8, started_at=datetime(2026, 11, 10, 15))
    make_visit(liam, b, minutes=60, started_at=datetime(2026, 11, 3, 15))
    login_as("supervisor")
    # Without dates the list shows the last 7 days only.
    assert "<strong>0</strong> visits" in client.get("/visits/?totals=1").text
    # Across every coach, totals come with the list, added up from the days' sums; a
    # visit under way counts too.
    make_visit(liam, b, minutes=None, started_at=datetime(2026, 11, 4, 15))
    page = client.get("/visits/?start=2026-11-01").text
    assert "Rosa Rivera" in page
    assert "<strong>4</strong> visits" in page and "<strong>1.5 h</strong>" in page
    assert "<strong>7</strong> units" in page
    # A name search across every coach: counted when asked (the link keeps the filters).
    page = client.get("/visits/?start=2026-11-01&client=r").text
    assert "Rosa Rivera" in page and "<strong>" not in page
    link = page.split('class="totals"><a href="')[1].split('"')[0].replace("&amp;", "&")
    assert "start=2026-11-01" in link and "client=r" in link and "totals=1" in link
    fragment = client.get(link, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert "<strong>4</strong> visits" in fragment  # Rosa's 2, Liam Brown's 2
    # One coach's visits: counted with the list.
    by_coach = client.get(f"/visits/?coach={a.id}&start=2026-11-01").text
    assert "<strong>2</strong> visits" in by_coach and "Liam" not in by_coach
    by_client = client.get("/visits/?client=liam&start=2026-11-01&totals=1").text
    assert "<strong>2</strong> visits" in by_client and "Rosa" not in by_client
    by_dates = client.get("/visits/?start=2026-11-03&end=2026-11-09").text
    assert "<strong>2</strong> visits" in by_dates and "Liam Brown" in by_dates
    assert "<strong>1.0 h</strong>" in by_dates  # the open one has no minutes yet


def test_coach_report_shows_only_own_clients(client, coach_client):
    coach, person, _ = coach_client
    other = make_user("coach")
    make_visit(person, coach, minutes=15)
    make_visit(make_client(other, "Hidden", "Person"), other, minutes=15)
    page = client.get("/visits/?start=2026-01-01").text
    assert "Rosa Rivera" in page and "Hidden" not in page
    assert "<strong>1</strong> visit " in page  # a coach's own list: totals with it


def test_monthly_units_head_the_client_visit_history(client, coach_client, monkeypatch):
    coach, person, _ = coach_client
    now = freeze_clock(monkeypatch, datetime(2026, 11, 18, 14))  # mid-month, in New York
    make_visit(person, coach, minutes=23, started_at=now - timedelta(hours=3))
    make_visit(person, coach, minutes=52, started_at=now - timedelta(hours=2))
    page = client.get(f"/clients/{person.id}/visits").text
    assert '<th scope="row">November 2026</th><td>2</td><td>75</td><td>5</td>' in page


def test_visit_actions_are_audited(client, coach_client):
    _, person, placement = coach_client
    start(client, person, placement)
    visit = db.session.scalar(sa.select(Visit))
    client.get(f"/visits/{visit.id}")
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.entity_type == "visit")
        .order_by(AuditEvent.id)  # PostgreSQL returns rows in no set order without it
    ).all()
    assert actions == ["create", "view"]


def test_billing_rule_and_radius_are_agency_settings(client, auth, login_as):
    login_as("admin")
    response = client.post(
        "/admin/settings",
        data={
            "name": "Riverbend",
            "timezone": "America/New_York",
            "unit_threshold_minutes": 1,
            "onsite_radius_m": 1000,
            "weekly_contact_target": 6,
            "weekly_contact_weeks": 4,
            "later_contact_days": 30,
        },
    )
    assert response.status_code == 302
    auth.logout()
    coach = login_as("coach")
    person = make_client(coach)
    site = make_worksite(make_employer(), latitude=39.9896, longitude=-83.0063)
    placement = make_placement(person, site)
    start(client, person, placement, latitude="39.9950", longitude="-83.0063")  # ~600 m
    visit = db.session.scalar(sa.select(Visit))
    assert visit.location_status == "on_site"
    client.post(
        f"/clients/{person.id}/visits/new",
        data={
            "idempotency_key": "rule-key-1234",
            "contact_type": "phone",
            "placement_id": 0,
            "started_at": "2026-11-02T09:00",
            "ended_at": "2026-11-02T09:16",
        },
    )
    assert (
        db.session.scalar(sa.select(Visit.service_units).where(Visit.contact_type == "phone")) == 2
    )


def test_ending_a_visit_left_open_for_days_asks_for_the_end(client, coach_client):
    _, person, placement = coach_client
    start(client, person, placement)
    visit = db.session.scalar(sa.select(Visit))
    three_days_ago = utcnow() - timedelta(days=3)
    response = client.post(
        f"/visits/{visit.id}/end",
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": f"{local_input_value(three_days_ago, 'America/New_York'):%Y-%m-%dT%H:%M}",
            "ended_at": "",
        },
    )
    assert "cannot last more than 16 hours" in response.text
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).ended_at is None


def test_amending_the_note_keeps_the_billed_units(client, coach_client):
    coach, person, placement = coach_client
    visit = make_visit(
        person,
        coach,
        minutes=None,
        started_at=datetime(2026, 11, 2, 14, 0, 30),
        placement_id=placement.id,
    )
    visit.ended_at = datetime(2026, 11, 2, 14, 23, 40)
    visit.duration_minutes, visit.service_units = 23, 2
    db.session.commit()
    page = client.get(f"/visits/{visit.id}/edit").text
    started = re.search(r'name="started_at" required type="datetime-local" value="([^"]+)"', page)
    ended = re.search(r'name="ended_at" required type="datetime-local" value="([^"]+)"', page)
    started, ended = started.group(1), ended.group(1)
    assert page.count('name="started_at"') == 1  # each time field drawn once
    client.post(
        f"/visits/{visit.id}/edit",
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": started,
            "ended_at": ended,
            "performance": "Added later",
        },
    )
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert (visit.duration_minutes, visit.service_units) == (23, 2)
    assert visit.ended_at == datetime(2026, 11, 2, 14, 23, 40)
    old = json.loads(db.session.scalar(sa.select(VisitVersion.content)))
    assert (old["duration_minutes"], old["service_units"]) == (23, 2)


def test_a_visit_in_the_repeated_dst_hour_keeps_its_time(client, coach_client):
    coach, person, _ = coach_client
    # 06:30 UTC on Nov 3, 2024 is 01:30 EST, the second 1:30 of that night.
    visit = make_visit(person, coach, minutes=60, started_at=datetime(2024, 11, 3, 6, 30))
    client.post(
        f"/visits/{visit.id}/edit",
        data={
            "contact_type": "on_site",
            "placement_id": 0,
            "started_at": "2024-11-03T01:30",
            "ended_at": "2024-11-03T02:30",
            "concerns": "note only",
        },
    )
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.started_at == datetime(2024, 11, 3, 6, 30) and visit.service_units == 4


@pytest.mark.parametrize(
    "url",
    [
        "/visits/?end=9999-12-31",
        "/visits/?start=0001-01-01",
    ],
)
def test_extreme_dates_in_filters(client, coach_client, url):
    assert client.get(url).status_code == 200


def test_bad_cursor_and_far_years(client, coach_client):
    _, person, _ = coach_client
    url = f"/clients/{person.id}/visits?before=2024-01-01T00:00:00_99999999999999999999"
    assert client.get(url).status_code == 200
    response = client.post(
        f"/clients/{person.id}/visits/new",
        data={
            "idempotency_key": "far-year-key",
            "contact_type": "phone",
            "placement_id": 0,
            "started_at": "9999-12-31T23:00",
            "ended_at": "9999-12-31T23:30",
        },
    )
    assert "Enter a date from" in response.text


def test_retried_start_after_the_visit_ended_offers_a_new_start(client, coach_client):
    _, person, placement = coach_client
    start(client, person, placement, key="retry-key-123")
    visit = db.session.scalar(sa.select(Visit))
    client.post(
        f"/visits/{visit.id}/end",
        data={
            "contact_type": "on_site",
            "placement_id": placement.id,
            "started_at": local_input_value(visit.started_at, "America/New_York").strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
    )
    again = client.post(
        f"/clients/{person.id}/visits/start",
        headers={"HX-Request": "true"},
        data={
            "idempotency_key": "retry-key-123",
            "placement_id": placement.id,
            "contact_type": "on_site",
        },
    )
    assert "Start visit" in again.text and "Visit under way" not in again.text


def test_visit_report_pages_by_keyset(client, login_as):
    login_as("supervisor")
    a = make_user("coach")
    rosa = make_client(a, "Rosa", "Rivera")
    for i in range(30):
        make_visit(
            rosa,
            a,
            minutes=15,
            started_at=datetime(2026, 11, 2, 14) + timedelta(hours=i),
            tasks_observed=f"Visit {i:02d}",
        )
    page = client.get("/visits/?start=2026-11-01&totals=1").text
    assert "<strong>30</strong> visits" in page and page.count('class="card"') == 25
    older = re.search(r'href="([^"]+)">Older visits', page).group(1).replace("&amp;", "&")
    second = client.get(older).text
    assert second.count('class="card"') == 5 and "Older visits" not in second
    assert "<strong>30</strong> visits" in second  # the totals of the filter, kept


def test_monthly_units_cut_months_at_local_midnight(ctx, monkeypatch):
    from coach.visits.services import monthly_units

    coach = make_user("coach")
    person = make_client(coach)
    # Mid-month: in the first hours of a UTC month New York is still in the last one.
    freeze_clock(monkeypatch, datetime(2026, 11, 18, 14))
    first_local = datetime(2026, 11, 1)
    # 04:00 UTC on the 1st is still the evening before in New York (UTC-4/-5).
    make_visit(person, coach, minutes=30, started_at=first_local + timedelta(hours=3, minutes=59))
    make_visit(person, coach, minutes=15, started_at=first_local + timedelta(hours=6))
    rows = {r.month: (r.visits, r.units) for r in monthly_units(coach, person, "America/New_York")}
    this_month = first_local.strftime("%B %Y")
    last_month = (first_local - timedelta(days=1)).strftime("%B %Y")
    assert rows == {this_month: (1, 1), last_month: (1, 2)}


def test_lists_ignore_query_names_that_links_reserve(client, login_as):
    login_as("supervisor")
    for url in (
        "/visits/?endpoint=1&_method=POST&_external=1&_anchor=x",
        "/visits/?totals=1&endpoint=x",
        "/clients/?endpoint=1&page=1&_method=POST",
        "/audit/?endpoint=1",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "_external" not in response.text and "endpoint=" not in response.text


def test_a_visit_key_used_with_another_client_is_refused(client, coach_client):
    """A key is one form's: sent again for another client it is not a retry, and the
    other client's visit is not shown under this one."""
    coach, person, placement = coach_client
    start(client, person, placement, key="a1b2c3d4e5f6a7b8")
    other = make_client(coach, "Omar", "Ortiz")
    response = client.post(
        f"/clients/{other.id}/visits/start",
        data={"idempotency_key": "a1b2c3d4e5f6a7b8", "placement_id": 0, "contact_type": "on_site"},
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_the_visit_page_names_a_site_called_after_its_employer_once(client, coach_client):
    coach, person, placement = coach_client
    employer = make_employer("Lakeside Diner")
    same = make_worksite(employer, "Lakeside diner")
    branch = make_worksite(employer, "Airport branch")
    at_same = make_visit(person, coach, worksite_id=same.id)
    at_branch = make_visit(person, coach, worksite_id=branch.id)
    page = client.get(f"/visits/{at_same.id}").text
    assert "<dd>Lakeside Diner</dd>" in page and "Lakeside Diner · " not in page
    assert "<dd>Lakeside Diner · Airport branch</dd>" in client.get(f"/visits/{at_branch.id}").text


def test_a_written_up_visit_serves_no_objective_unless_one_is_chosen(client, coach_client):
    from coach.models import PlanObjective
    from tests.factories import make_plan

    coach, person, _ = coach_client
    data = {
        "idempotency_key": "objective-visit-1",
        "contact_type": "phone",
        "placement_id": 0,
        "started_at": "2026-11-02T09:00",
        "ended_at": "2026-11-02T09:23",
    }
    assert "Plan objective" not in client.get(f"/clients/{person.id}/visits/new").text
    client.post(f"/clients/{person.id}/visits/new", data=data)
    make_plan(person, coach)
    objective = db.session.scalars(sa.select(PlanObjective)).one()
    assert "Plan objective it serves" in client.get(f"/clients/{person.id}/visits/new").text
    data.update(idempotency_key="objective-visit-2", objective_id=objective.id)
    client.post(f"/clients/{person.id}/visits/new", data=data)
    visits = db.session.scalars(sa.select(Visit).order_by(Visit.id)).all()
    assert [v.objective_id for v in visits] == [None, objective.id]
