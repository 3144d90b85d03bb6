import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, Employer, Worksite
from tests.factories import make_client, make_employer, make_placement, make_user, make_worksite


def test_every_coach_sees_every_employer_of_the_agency(client, login_as):
    """The directory is shared: job development needs every coach to see who the others
    already know. What a page shows about clients stays on its own caseload."""
    me = login_as("coach")
    other = make_user("coach")
    make_employer("Created By Me", created_by=me)
    where_my_client_works = make_employer("My Client's Job", created_by=other)
    make_placement(make_client(me), make_worksite(where_my_client_works))
    theirs = make_employer("Someone Else's", created_by=other)
    make_placement(make_client(other, "Hidden", "Theirs"), make_worksite(theirs))
    page = client.get("/employers/").text
    assert "Created By Me" in page and "My Client&#39;s Job" in page
    assert "Someone Else&#39;s" in page
    their_page = client.get(f"/employers/{theirs.id}").text
    assert "Someone Else" in their_page and "Hidden" not in their_page
    assert client.get(f"/employers/{theirs.id}/edit").status_code == 200
    response = client.post(f"/employers/{theirs.id}/worksites/new", data={"name": "Annex"})
    assert response.status_code == 302


def test_employer_page_lists_only_my_clients_there(client, login_as):
    me = login_as("coach")
    other = make_user("coach")
    employer = make_employer("Shared Grocery", created_by=me)
    site = make_worksite(employer)
    make_placement(make_client(me, "Visible", "Mine"), site)
    make_placement(make_client(other, "Hidden", "Theirs"), site)
    page = client.get(f"/employers/{employer.id}").text
    assert "Visible Mine" in page and "Hidden" not in page


def test_the_jobs_an_employer_page_lists_are_logged_as_views_of_their_clients(client, login_as):
    """The page names who works there and since when: a view of each client, as the
    job's own page logs it."""
    boss = login_as("supervisor")
    coach = make_user("coach")
    site = make_worksite(make_employer("Acme Foods", created_by=coach))
    people = [make_client(coach, "Zelda", "Quill"), make_client(coach, "Yusuf", "Reed")]
    for person in people:
        make_placement(person, site, title="Dishwasher")
    page = client.get(f"/employers/{site.employer_id}").text
    assert "Zelda" in page and "Yusuf" in page
    viewed = db.session.scalars(
        sa.select(AuditEvent.entity_id).where(
            AuditEvent.user_id == boss.id,
            AuditEvent.action == "view",
            AuditEvent.entity_type == "client",
        )
    )
    assert sorted(viewed) == sorted(p.id for p in people)


def test_new_employer_with_address_adds_first_worksite(client, login_as):
    login_as("coach")
    response = client.post(
        "/employers/new",
        data={
            "name": "Bean & Leaf Café",
            "address": "800 N High St",
            "contact_name": "Owen Park",
            "contact_email": "owen@bean.example.com",
        },
    )
    assert response.status_code == 302
    employer = db.session.scalar(sa.select(Employer))
    site = db.session.scalar(sa.select(Worksite))
    assert (site.employer_id, site.address) == (employer.id, "800 N High St")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "create"))
    assert (event.entity_type, event.entity_id) == ("employer", employer.id)


def test_worksite_coordinates_are_validated(client, login_as):
    me = login_as("coach")
    employer = make_employer(created_by=me)
    response = client.post(
        f"/employers/{employer.id}/worksites/new",
        data={"name": "Store", "latitude": "39.96", "longitude": ""},
    )
    assert "Give both latitude and longitude, or neither." in response.text
    response = client.post(
        f"/employers/{employer.id}/worksites/new",
        data={"name": "Store", "latitude": "nan", "longitude": "200"},
    )
    assert "From -180 to 180." in response.text
    assert db.session.scalar(sa.select(sa.func.count(Worksite.id))) == 0
    response = client.post(
        f"/employers/{employer.id}/worksites/new",
        data={"name": "Store", "latitude": "39.96", "longitude": "-83.0"},
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Worksite.latitude)) == 39.96


def test_edit_employer_validates_email(client, login_as):
    me = login_as("coach")
    employer = make_employer(created_by=me)
    response = client.post(
        f"/employers/{employer.id}/edit", data={"name": "New name", "contact_email": "not-an-email"}
    )
    assert "Enter an email like name@example.org." in response.text
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).name == "Green Valley Grocery"


def test_contact_people_are_added_edited_and_removed_with_audit(client, login_as):
    from coach.models import EmployerPerson

    me = login_as("coach")
    employer = make_employer("Kroger", created_by=me, contact_name="Pat Main")
    data = {"idempotency_key": "person-key-1", "name": "Dana Brooks", "title": "HR lead"}
    assert client.post(f"/employers/{employer.id}/people/new", data=data).status_code == 302
    assert client.post(f"/employers/{employer.id}/people/new", data=data).status_code == 302
    person = db.session.scalar(sa.select(EmployerPerson))
    assert db.session.scalar(sa.select(sa.func.count(EmployerPerson.id))) == 1  # a double tap
    page = client.get(f"/employers/{employer.id}").text
    assert "Pat Main" in page and "Dana Brooks" in page and "HR lead" in page
    bad = client.post(f"/employers/people/{person.id}/edit", data={"name": "", "email": "x"})
    assert "Enter the person&#39;s name." in bad.text and "Enter an email like" in bad.text
    edit = {"name": "Dana Brooks", "title": "Store manager", "phone": "614 555 0100"}
    assert client.post(f"/employers/people/{person.id}/edit", data=edit).status_code == 302
    # The contact form offers the main contact and the people as the person met.
    form = client.get(f"/jobdev/new?employer={employer.id}").text
    assert '<option value="Pat Main">' in form and '<option value="Dana Brooks">' in form
    assert client.post(f"/employers/people/{person.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(EmployerPerson.id))) == 0
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.summary)
        .where(AuditEvent.entity_type == "employer_person")
        .order_by(AuditEvent.id)
    ).all()
    assert [action for action, _ in events] == ["create", "update", "delete"]
    assert "title: 'HR lead' → 'Store manager'" in events[1][1]


def test_needs_and_hiring_seasons_are_edited_and_audited(client, login_as):
    me = login_as("coach")
    employer = make_employer("Kroger", created_by=me)
    data = {
        "name": "Kroger",
        "needs": "Reliable morning stockers",
        "hiring_seasons": "October, for the holidays",
    }
    assert client.post(f"/employers/{employer.id}/edit", data=data).status_code == 302
    page = client.get(f"/employers/{employer.id}").text
    assert "Reliable morning stockers" in page and "October, for the holidays" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update"))
    assert "needs changed" in event.summary and "Reliable" not in event.summary
    assert "hiring_seasons: '' → 'October, for the holidays'" in event.summary


def test_the_employer_page_shows_its_contacts_newest_first(client, login_as, auth):
    from datetime import date

    from tests.factories import make_contact

    other = make_user("coach")
    employer = make_employer("Lakeside Diner")
    make_contact(other, employer, date(2026, 11, 20), note="theirs", next_step="Their step")
    me = login_as("coach")
    make_contact(me, employer, date(2026, 11, 2), next_step="Older step")
    make_contact(me, employer, date(2026, 11, 16), next_step="Newer step")
    page = client.get(f"/employers/{employer.id}").text
    assert page.index("Newer step") < page.index("Older step")
    assert "Their step" not in page  # a coach sees their own contacts
    auth.logout()
    login_as("supervisor")
    page = client.get(f"/employers/{employer.id}").text
    assert page.index("Their step") < page.index("Newer step") < page.index("Older step")
