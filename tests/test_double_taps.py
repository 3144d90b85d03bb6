"""Two taps of one form racing on two workers: the second loses the insert race.

Each test replays the race in one process: the second tap's "is there a record for
this key?" answers no (the first tap had not committed yet), its insert then hits the
unique constraint, and it must answer like a plain retry. `make soak` found the visit
case answering 500.
"""

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, ChecklistRun, ClientContact, StepScore, Visit
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_run,
    make_task,
    make_visit,
    make_worksite,
)

HTMX = {"HX-Request": "true"}


def test_a_visit_start_that_loses_the_race_shows_the_first_taps_visit(
    client, login_as, monkeypatch
):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    placement = make_placement(person, make_worksite(make_employer()), "Courtesy clerk")
    first = make_visit(person, coach, minutes=None)  # the first tap's visit, committed
    first.idempotency_key, first.placement_id = "double-tap-key", placement.id
    db.session.commit()
    monkeypatch.setattr("coach.visits.routes.sv.open_visit", lambda user, client: None)
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        # The visit lookup by key misses once: the other tap's visit is not committed yet.
        if "visits.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(Visit).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)

    response = client.post(
        f"/clients/{person.id}/visits/start",
        data={
            "idempotency_key": "double-tap-key",
            "placement_id": placement.id,
            "contact_type": "on_site",
        },
        headers=HTMX,
    )
    assert calls == [1]  # the lookup missed, and the insert lost the race
    assert response.status_code == 200
    assert "Visit under way" in response.text and f"/visits/{first.id}/end" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_a_run_start_that_loses_the_race_opens_the_first_run_once(client, login_as, monkeypatch):
    coach = login_as("coach")
    task = make_task(make_client(coach), coach)
    data = {"idempotency_key": "run-double-tap"}
    first = client.post(f"/tasks/{task.id}/runs", data=data)
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        # The run lookup by key misses once: the other tap's run is not committed yet.
        if "checklist_runs.idempotency_key" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(ChecklistRun).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    second = client.post(f"/tasks/{task.id}/runs", data=data)
    assert calls, "the second tap's lookup by key missed"
    monkeypatch.undo()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(ChecklistRun.id))) == 1
    # A retried or raced tap is not a second creation in the audit log.
    creates = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "checklist_run", AuditEvent.action == "create"
    )
    assert db.session.scalar(creates) == 1


def test_a_step_tap_that_loses_the_race_updates_the_first_taps_score(client, login_as, monkeypatch):
    coach = login_as("coach")
    task = make_task(make_client(coach), coach)
    step = task.steps[0]
    run = make_run(task, coach, {step.id: "V"})  # the first tap's score, committed
    real_scalar = db.session.scalar
    calls = []

    def scalar(query, *args, **kwargs):
        if "FROM step_scores" in str(query) and not calls:
            calls.append(1)
            return None
        return real_scalar(query, *args, **kwargs)

    monkeypatch.setattr("coach.tasks.services.db.session.scalar", scalar)
    response = client.post(f"/runs/{run.id}/steps/{step.id}", data={"level": "I"}, headers=HTMX)
    monkeypatch.undo()
    assert response.status_code == 200
    assert 'value="I"' in response.text
    levels = db.session.execute(sa.select(StepScore.step_id, StepScore.level)).all()
    assert levels == [(step.id, "I")]


def test_an_end_that_loses_the_race_leaves_the_first_end_as_it_was(client, login_as, monkeypatch):
    """Two taps of End on two workers: both read the visit while it was open; the one
    that commits second must not move the end time or log a second end."""
    from datetime import timedelta

    from sqlalchemy.orm.attributes import set_committed_value

    from coach.timeutil import local_input_value, utcnow
    from coach.visits import services as sv

    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    visit = make_visit(person, coach, minutes=None)
    visit.started_at = utcnow() - timedelta(minutes=40)
    db.session.commit()
    started = local_input_value(visit.started_at, "America/New_York").strftime("%Y-%m-%dT%H:%M")
    data = {"contact_type": "on_site", "started_at": started, "tasks_observed": "First tap"}
    assert client.post(f"/visits/{visit.id}/end", data=data, headers=HTMX).status_code == 200
    db.session.expire_all()
    first_end = db.session.get(Visit, visit.id).ended_at
    assert first_end is not None

    real_get = sv.get_visit_for

    def read_before_the_first_commit(user, visit_id):
        seen = real_get(user, visit_id)
        set_committed_value(seen, "ended_at", None)  # as the second tap read it
        return seen

    monkeypatch.setattr("coach.visits.routes.sv.get_visit_for", read_before_the_first_commit)
    later = {**data, "tasks_observed": "Second tap", "ended_at": ""}
    response = client.post(f"/visits/{visit.id}/end", data=later, headers=HTMX)
    assert response.status_code == 200 and "Start visit" in response.text
    db.session.expire_all()
    after = db.session.get(Visit, visit.id)
    assert after.ended_at == first_end and after.tasks_observed == "First tap"
    ends = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "end", AuditEvent.entity_id == visit.id)
    ).all()
    assert len(ends) == 1


def test_a_contact_that_loses_the_race_leaves_one_contact_and_one_prospect(
    client, login_as, monkeypatch
):
    """Two taps of Save on a contact naming a new prospect: the second sees neither the
    first tap's contact nor its prospect (not committed yet), makes its own prospect,
    and loses the insert race: its prospect goes with its rollback."""
    from coach.models import Employer, EmployerContact

    login_as("coach")
    data = {
        "idempotency_key": "contact-double-tap",
        "employer_name": "Twice Tapped Cafe",
        "method": "in_person",
        "purpose": "learn_needs",
        "contact_date": "2026-11-20",
    }
    first = client.post("/jobdev/new", data=data)
    real_scalars = db.session.scalars
    missed = []

    def scalars(query, *args, **kwargs):
        sql = str(query)
        by_key = "employer_contacts.idempotency_key =" in sql and missed.count("key") < 2
        by_name = "lower(employers.name)" in sql and "name" not in missed
        if by_key or by_name:
            missed.append("name" if by_name else "key")
            model = Employer if by_name else EmployerContact
            return real_scalars(sa.select(model).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.jobdev.services.db.session.scalars", scalars)
    second = client.post("/jobdev/new", data=data)
    monkeypatch.undo()
    assert sorted(missed) == ["key", "key", "name"]
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(EmployerContact.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Employer.id))) == 1


def test_a_lead_save_that_loses_the_race_answers_with_the_first_lead(client, login_as, monkeypatch):
    from coach.models import Lead
    from tests.factories import make_lead

    coach = login_as("coach")
    employer = make_employer(created_by=coach)
    first = make_lead(coach, employer)  # the first tap's lead, committed
    first.idempotency_key = "lead-double-tap"
    db.session.commit()
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if "leads.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(Lead).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    data = {"idempotency_key": "lead-double-tap", "position": "Stocker", "source": "other"}
    response = client.post("/leads/new", data={**data, "employer_id": employer.id})
    monkeypatch.undo()
    assert calls == [1]
    assert response.status_code == 302 and response.location.endswith(f"/leads/{first.id}")
    assert db.session.scalar(sa.select(sa.func.count(Lead.id))) == 1


def test_a_hire_that_loses_the_race_makes_no_second_job(client, login_as, monkeypatch):
    """Two taps of the hire form on two workers: both read the lead before either
    committed; the second's move finds the lead hired already and writes nothing."""
    from sqlalchemy.orm.attributes import set_committed_value

    from coach.leads import services as ls
    from coach.models import Lead, LeadStatusChange, Placement
    from tests.factories import make_lead

    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    employer = make_employer(created_by=coach)
    site = make_worksite(employer)
    lead = make_lead(coach, employer, [rosa])
    data = {
        "client_id": rosa.id,
        "job_title": "Stocker",
        "worksite_id": site.id,
        "start_date": "2026-11-23",
    }
    assert client.post(f"/leads/{lead.id}/hire", data=data).status_code == 302
    real_get = ls.get_lead_for

    def read_before_the_first_commit(user, lead_id):
        seen = real_get(user, lead_id)
        set_committed_value(seen, "status", "new")  # as the second tap read it
        return seen

    monkeypatch.setattr("coach.leads.routes.ls.get_lead_for", read_before_the_first_commit)
    second = client.post(f"/leads/{lead.id}/hire", data=data)
    monkeypatch.undo()
    assert second.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(LeadStatusChange.id))) == 2  # new, hired
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "hired"


def test_a_contact_that_loses_the_race_is_logged_once(client, login_as, monkeypatch):
    person = make_client(login_as("coach"))
    data = {"idempotency_key": "contact-double-tap", "client_id": person.id, "kind": "call"}
    data["direction"] = "in"
    first = client.post("/contacts/new", data=data)
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        # The lookup by key misses once: the other tap's contact is not committed yet.
        if "client_contacts.idempotency_key" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(ClientContact).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    second = client.post("/contacts/new", data=data)
    assert calls, "the second tap's lookup by key missed"
    monkeypatch.undo()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(ClientContact.id))) == 1


def test_a_work_history_job_that_loses_the_race_is_saved_once(client, login_as, monkeypatch):
    from coach.models import PastJob
    from tests.factories import make_past_job

    coach = login_as("coach")
    person = make_client(coach)
    first = make_past_job(person, coach)  # the first tap's job, committed
    first.idempotency_key = "job-double-tap"
    db.session.commit()
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if "past_jobs.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(PastJob).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    data = {"idempotency_key": "job-double-tap", "employer_name": "Mill", "job_title": "Packer"}
    response = client.post(f"/clients/{person.id}/profile/jobs/new", data=data)
    monkeypatch.undo()
    assert calls == [1]
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(PastJob.id))) == 1


def test_a_first_profile_save_that_loses_the_race_saves_into_the_first_profile(
    client, login_as, monkeypatch
):
    """Two first saves of a profile on two workers: both found no profile; the second's
    insert hits the one-per-client constraint and saves its section into the first's."""
    from coach.models import CareerProfile
    from coach.profile import services as ps
    from tests.factories import make_profile

    coach = login_as("coach")
    person = make_client(coach)
    real_get = ps.get_profile_for

    def get_profile_for(user, client_id):
        found = real_get(user, client_id)  # no profile yet: a new one, not saved
        make_profile(person, strengths="Punctual")  # the other tap's, committed meanwhile
        return found

    monkeypatch.setattr("coach.profile.routes.get_profile_for", get_profile_for)
    response = client.post(f"/clients/{person.id}/profile/education", data={"education": "GED"})
    monkeypatch.undo()
    assert response.status_code == 302
    profile = db.session.scalars(sa.select(CareerProfile)).one()
    assert (profile.strengths, profile.education) == ("Punctual", "GED")


def test_an_authorization_that_loses_the_race_is_saved_once(client, login_as, monkeypatch):
    from coach.models import Authorization
    from tests.factories import make_authorization, service

    coach = login_as("coach")
    person = make_client(coach)
    first = make_authorization(person, coach, number="VR-1")  # the first tap's, committed
    first.idempotency_key = "auth-double-tap"
    db.session.commit()
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if "authorizations.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(Authorization).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    data = {
        "idempotency_key": "auth-double-tap",
        "funder_id": first.funder_id,
        "service_type_id": service("TRAVEL").id,  # the first tap's dates, another service
        "number": "VR-1",
        "start_date": "2026-11-01",
        "end_date": "2027-01-31",
        "units": "40",
    }
    response = client.post(f"/billing/clients/{person.id}/authorizations/new", data=data)
    monkeypatch.undo()
    assert calls == [1]
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Authorization.id))) == 1


def test_a_job_support_plan_start_that_loses_the_race_opens_the_first_plan(
    client, login_as, monkeypatch
):
    """Two taps of Start on two workers: both found no plan for the job; the second's
    insert hits the constraint and it answers with the first tap's plan."""
    from coach.models import SupportPlan
    from tests.factories import make_support

    coach = login_as("coach")
    job = make_placement(make_client(coach), make_worksite(make_employer()), "Cook")
    first = make_support(job, coach)  # the first tap's plan, committed
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        # The lookups miss once each: the other tap's plan is not committed yet.
        text = str(query)
        unscoped = "FROM support_plans" in text and "= clients.id" not in text
        if unscoped and len(calls) < 2:
            calls.append(1)
            return real_scalars(sa.select(SupportPlan).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    data = {"idempotency_key": "another-phones-key", "supports_needed": "A list"}
    response = client.post(f"/support/jobs/{job.id}/new", data=data)
    assert calls == [1, 1]  # both lookups missed, and the insert lost the race
    assert response.location == f"/support/jobs/{job.id}"
    assert db.session.scalars(sa.select(SupportPlan.id)).all() == [first.id]


def test_a_wage_change_that_loses_the_race_saves_one_change(client, login_as, monkeypatch):
    """Two taps of "Save the change" on two workers: the second's lookup by key misses,
    its insert hits the constraint, and it answers as a retry: one change, one event."""
    from datetime import date

    from coach.models import PlacementChange

    coach = login_as("coach")
    job = make_placement(make_client(coach), make_worksite(make_employer()), "Cook")
    db.session.add(
        PlacementChange(
            placement_id=job.id,
            effective_date=date(2026, 6, 15),
            hourly_wage_cents=1650,
            created_by_id=coach.id,
            idempotency_key="pay-double-tap",
        )
    )
    db.session.commit()
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if "placement_changes.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(PlacementChange).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    data = {
        "idempotency_key": "pay-double-tap",
        "effective_date": "2026-06-15",
        "hourly_wage": "16.50",
    }
    response = client.post(f"/clients/placements/{job.id}/changes", data=data)
    monkeypatch.undo()
    assert calls == [1]
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(PlacementChange.id))) == 1
    events = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "placement_change"
    )
    assert db.session.scalar(events) == 0  # the first tap's row was made here, unlogged
