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
