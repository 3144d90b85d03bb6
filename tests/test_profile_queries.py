"""The career profile page and its forms run a handful of SQL statements, whatever the
length of the work history or the size of the caseload."""

import pytest

from tests.conftest import statements_of
from tests.factories import make_client, make_past_job, make_profile, make_user

PAGES = [
    "/clients/{person}/profile",
    "/clients/{person}/profile/benefits",
    "/clients/{person}/profile/disclosure",
    "/clients/{person}/profile/jobs/new",
    "/past-jobs/{job}/edit",
]


def fill(coach, person, jobs: int, others: int):
    for n in range(jobs):
        job = make_past_job(person, coach, job_title=f"Job {n}")
    for _ in range(others):
        make_profile(make_client(coach))
    return job


@pytest.mark.parametrize("role", ["coach", "supervisor"])
@pytest.mark.parametrize("path", PAGES)
def test_a_profile_page_costs_the_same_with_more_history(client, login_as, role, path):
    user = login_as(role)
    coach = user if role == "coach" else make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_profile(person, strengths="Punctual")
    job = fill(coach, person, 2, 1)
    url = path.format(person=person.id, job=job.id)
    few = statements_of(client, url)
    fill(coach, person, 30, 20)
    many = statements_of(client, url)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10
