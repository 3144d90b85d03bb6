"""Job development pages run a handful of SQL statements, whatever the number of
contacts, employers or coaches."""

from datetime import date, timedelta

import pytest

from tests.conftest import statements_of
from tests.factories import make_client, make_contact, make_employer, make_person, make_user


def fill(coaches, employer, people, n: int):
    """n contacts for each coach over the last 8 weeks, each naming a job seeker."""
    for coach, person in zip(coaches, people, strict=True):
        for i in range(n):
            day = date.today() - timedelta(days=i % 50)
            make_contact(coach, employer, day, ("in_person", "phone")[i % 2], clients=[person])


COACH_PAGES = [
    "/clients/",
    "/jobdev/",
    "/jobdev/?week={monday}",
    "/jobdev/new",
    "/jobdev/new?employer={employer}",
    "/jobdev/{contact}",
    "/jobdev/{contact}/edit",
    "/jobdev/employer-search?employer_name=gr",
    "/employers/",
    "/employers/?kind=prospect",
    "/employers/{employer}",
]


@pytest.mark.parametrize("path", COACH_PAGES)
def test_a_coach_page_costs_the_same_with_more_contacts(client, login_as, path):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz", disclosure="functional")
    employer = make_employer("Green Valley Grocery")
    make_person(employer, coach)
    contact = make_contact(coach, employer, clients=[person])
    monday = date.today() - timedelta(days=date.today().weekday())
    url = path.format(employer=employer.id, contact=contact.id, monday=monday.isoformat())
    fill([coach], employer, [person], 2)
    few = statements_of(client, url)
    for n in range(20):
        make_employer(f"Greenhouse {n}")
        make_client(coach, "More", f"Clients{n}", disclosure=("none", "diagnosis")[n % 2])
    fill([coach], employer, [person], 30)
    many = statements_of(client, url)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10


@pytest.mark.parametrize("path", ["/jobdev/weeks", "/jobdev/", "/clients/"])
def test_the_supervisors_pages_cost_the_same_with_more_coaches_and_contacts(client, login_as, path):
    login_as("supervisor")
    employer = make_employer("Kroger")
    coaches = [make_user("coach") for _ in range(2)]
    people = [make_client(c) for c in coaches]
    fill(coaches, employer, people, 2)
    few = statements_of(client, path)
    more = [make_user("coach") for _ in range(6)]
    fill(more, employer, [make_client(c) for c in more], 10)
    fill(coaches, employer, people, 20)
    many = statements_of(client, path)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10
