"""Each coach gets their own rows from the same pages, and another coach's records
answer 404."""

from coach.timeutil import utcnow
from tests.factories import (
    make_application,
    make_client,
    make_employer,
    make_lead,
    make_request,
    make_task,
    make_trip,
    make_visit,
)


def test_each_coach_sees_their_own_rows_on_the_same_pages(client, auth, login_as):
    made = {}
    for name in ("Alma", "Bert"):
        coach = login_as("coach")
        person = make_client(coach, name, "Sample")
        make_visit(person, coach, tasks_observed=f"{name} stocked shelves")
        task = make_task(person, coach, title=f"{name}'s task")
        make_trip(coach, purpose=f"{name}'s errand")
        make_request(person, coach, follow_up_due=utcnow().date())  # on Today
        made[name] = (coach, person, task)
        for path in (f"/clients/{person.id}", f"/tasks/{task.id}/progress", "/mileage/", "/today/"):
            assert client.get(path).status_code == 200
        auth.logout()
    bert, bert_client, _ = made["Bert"]
    _, alma_client, alma_task = made["Alma"]
    auth.login(bert.email)
    assert "Bert stocked shelves" in client.get(f"/clients/{bert_client.id}/visits").text
    assert client.get(f"/clients/{alma_client.id}").status_code == 404
    assert client.get(f"/tasks/{alma_task.id}/progress").status_code == 404
    trips = client.get("/mileage/?month=2026-11").text
    assert "Bert&#39;s errand" in trips and "Alma" not in trips
    visits = client.get("/visits/?start=2026-01-01").text
    assert "Bert Sample" in visits and "Alma" not in visits
    today = client.get("/today/").text
    assert "Bert Sample" in today and "Alma" not in today
    contact_form = client.get("/contacts/new").text
    assert "Bert Sample" in contact_form and "Alma" not in contact_form


def test_each_coach_sees_their_own_leads_and_search_logs(client, auth, login_as):
    made = {}
    for name in ("Alma", "Bert"):
        coach = login_as("coach")
        person = make_client(coach, name, "Sample")
        lead = make_lead(coach, make_employer(f"{name}'s Shop", created_by=coach), [person])
        make_application(person, coach, position=f"{name}'s application")
        made[name] = (coach, person, lead)
        auth.logout()
    bert, bert_client, _ = made["Bert"]
    _, alma_client, alma_lead = made["Alma"]
    auth.login(bert.email)
    leads = client.get("/leads/").text
    assert "Bert&#39;s Shop" in leads and "Alma" not in leads
    assert (
        "Bert&#39;s application"
        in client.get(f"/leads/clients/{bert_client.id}/log?month=2026-11").text
    )
    assert client.get(f"/leads/{alma_lead.id}").status_code == 404
    assert client.get(f"/leads/clients/{alma_client.id}/log").status_code == 404


def test_each_coach_sees_only_their_own_clients_career_profiles(client, auth, login_as):
    from tests.factories import make_past_job, make_profile

    made = {}
    for name in ("Alma", "Bert"):
        coach = login_as("coach")
        person = make_client(coach, name, "Sample")
        make_profile(person, strengths=f"{name} is punctual")
        made[name] = (coach, person, make_past_job(person, coach, job_title=f"{name}'s old job"))
        auth.logout()
    bert, bert_client, _ = made["Bert"]
    _, alma_client, alma_job = made["Alma"]
    auth.login(bert.email)
    page = client.get(f"/clients/{bert_client.id}/profile").text
    assert "Bert is punctual" in page and "Bert&#39;s old job" in page and "Alma" not in page
    assert client.get(f"/clients/{alma_client.id}/profile").status_code == 404
    assert client.get(f"/past-jobs/{alma_job.id}/edit").status_code == 404
    assert client.post(f"/past-jobs/{alma_job.id}/remove").status_code == 404


def test_each_coach_sees_only_their_own_clients_job_support_plans(client, auth, login_as):
    from tests.factories import make_placement, make_support, make_worksite

    made = {}
    for name in ("Alma", "Bert"):
        coach = login_as("coach")
        person = make_client(coach, name, "Sample")
        job = make_placement(person, make_worksite(make_employer(f"{name}'s Diner")), "Cook")
        plan = make_support(job, coach, weeks=(20, 10), supports_needed=f"{name} needs a list")
        made[name] = (coach, job, plan)
        auth.logout()
    bert, bert_job, _ = made["Bert"]
    _, alma_job, alma_plan = made["Alma"]
    auth.login(bert.email)
    assert "Bert needs a list" in client.get(f"/support/jobs/{bert_job.id}").text
    assert client.get(f"/support/jobs/{alma_job.id}").status_code == 404
    assert client.get(f"/support/{alma_plan.id}/fading").status_code == 404
    assert client.get(f"/support/{alma_plan.id}/needs").status_code == 404


def test_each_coach_sees_their_own_monthly_reports(client, auth, login_as):
    from tests.factories import make_report

    made = {}
    for name in ("Alma", "Bert"):
        coach = login_as("coach")
        person = make_client(coach, name, "Sample")
        made[name] = (coach, person, make_report(person, coach, summary=f"{name}'s month"))
        auth.logout()
    bert, bert_client, bert_report = made["Bert"]
    _, alma_client, alma_report = made["Alma"]
    auth.login(bert.email)
    assert "Bert&#39;s month" in client.get(f"/reports/{bert_report.id}").text
    assert "November 2026" in client.get(f"/clients/{bert_client.id}/reports").text
    assert client.get(f"/reports/{alma_report.id}").status_code == 404
    assert client.get(f"/clients/{alma_client.id}/reports").status_code == 404
    assert client.post(f"/reports/{alma_report.id}/edit", data={"summary": "x"}).status_code == 404
