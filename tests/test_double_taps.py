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


def test_an_addendum_that_loses_the_race_is_added_once(client, login_as, monkeypatch):
    from coach.models import VisitAddendum

    coach = login_as("coach")
    person = make_client(coach)
    visit = make_visit(person, coach, review_status="approved")  # a locked note
    first = VisitAddendum(  # the first tap's, committed
        visit_id=visit.id, created_by_id=coach.id, idempotency_key="addendum-tap", text="More"
    )
    db.session.add(first)
    db.session.commit()
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if "visit_addenda.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(VisitAddendum).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    data = {"idempotency_key": "addendum-tap", "text": "More"}
    response = client.post(f"/notes/visits/{visit.id}/addendum", data=data)
    monkeypatch.undo()
    assert calls == [1]
    assert response.status_code == 302 and response.location == f"/visits/{visit.id}"
    assert db.session.scalar(sa.select(sa.func.count(VisitAddendum.id))) == 1


def test_a_billing_export_that_loses_the_race_makes_one_batch(client, login_as, monkeypatch):
    from datetime import date, datetime

    from coach.billing.batches import create_batch
    from coach.models import BillingBatch
    from tests.clock import freeze_clock
    from tests.factories import make_authorization, make_billed_visit, make_funder

    freeze_clock(monkeypatch, datetime(2026, 12, 5, 10, 0))  # November may be billed
    boss = login_as("supervisor")
    person = make_client(boss)
    funder = make_funder(boss)
    make_authorization(person, boss, funder)
    visit = make_billed_visit(person, boss, started_at=datetime(2026, 11, 3, 15))
    visit.review_status = "approved"
    db.session.commit()
    first, _ = create_batch(boss, funder.id, date(2026, 11, 1), "export-double-tap")
    db.session.commit()  # the first tap's batch, committed
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if "billing_batches.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(BillingBatch).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    data = {"idempotency_key": "export-double-tap", "funder_id": funder.id, "month": "2026-11"}
    response = client.post("/billing/export", data=data)
    monkeypatch.undo()
    assert calls == [1]
    assert response.status_code == 302 and response.location.endswith(f"#batch-{first.id}")
    assert db.session.scalar(sa.select(sa.func.count(BillingBatch.id))) == 1
    db.session.expire_all()
    billed = sa.select(Visit.billing_batch_id).where(Visit.id == visit.id)
    assert db.session.scalar(billed) == first.id


def _milestone_world(admin):
    from datetime import date

    from coach.models import VR_DEFAULT
    from tests.factories import make_authorization, make_funder, make_milestones

    person = make_client(admin, "Rosa", "Rivera")
    job = make_placement(person, make_worksite(make_employer()), start_date=date(2026, 1, 15))
    funder = make_funder(admin, "Ohio OOD")
    steps = make_milestones(funder, admin, VR_DEFAULT)
    make_authorization(person, admin, funder, start_date=date(2026, 1, 1))
    return job, funder, steps


def test_a_milestone_claim_that_loses_the_race_leaves_one_claim(client, login_as, monkeypatch):
    from coach.milestones import services as ms
    from coach.models import MilestoneClaim
    from tests.factories import make_claim

    supervisor = login_as("supervisor")
    job, _, steps = _milestone_world(supervisor)
    first = make_claim(job, steps[0], supervisor)  # the first tap's claim, committed
    real_claim_of, calls = ms.claim_of, []

    def claim_of(placement, milestone):
        if not calls:  # the second tap's lookup misses: the first had not committed yet
            calls.append(1)
            return None
        return real_claim_of(placement, milestone)

    monkeypatch.setattr(ms, "claim_of", claim_of)
    response = client.post(f"/milestones/placements/{job.id}/{steps[0].id}/claim")
    assert calls == [1] and response.status_code == 302
    claims = db.session.scalars(sa.select(MilestoneClaim)).all()
    assert [c.id for c in claims] == [first.id]
    assert not db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "claim"))


def test_a_milestone_that_loses_the_race_is_added_once(client, login_as, monkeypatch):
    from coach.models import Milestone
    from tests.factories import make_funder

    admin = login_as("admin")
    funder = make_funder(admin)
    data = {"idempotency_key": "ms-double-tap", "name": "180 days", "days": "180"}
    assert client.post(f"/milestones/funders/{funder.id}", data=data).status_code == 302
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if "milestones.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(Milestone).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    second = client.post(f"/milestones/funders/{funder.id}", data=data)
    assert calls and second.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 1


def test_a_vr_default_that_loses_the_race_adds_nothing_twice(client, login_as, monkeypatch):
    from coach.models import Milestone
    from tests.factories import make_funder, make_milestones

    admin = login_as("admin")
    funder = make_funder(admin)
    make_milestones(funder, admin, [("Job placement", 0)])  # the first tap's, committed
    real_scalar, calls = db.session.scalar, []

    def scalar(query, *args, **kwargs):
        # The "has it a schedule?" check misses once: the other tap had not committed.
        if "FROM milestones" in str(query) and not calls:
            calls.append(1)
            return None
        return real_scalar(query, *args, **kwargs)

    monkeypatch.setattr("coach.milestones.services.db.session.scalar", scalar)
    response = client.post(f"/milestones/funders/{funder.id}/default")
    assert calls and response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 1


def _miss_once(monkeypatch, table: str, model) -> list:
    """The lookup by idempotency key misses once: the other tap's row is not committed."""
    real_scalars = db.session.scalars
    calls = []

    def scalars(query, *args, **kwargs):
        if f"{table}.idempotency_key =" in str(query) and not calls:
            calls.append(1)
            return real_scalars(sa.select(model).where(sa.false()))
        return real_scalars(query, *args, **kwargs)

    monkeypatch.setattr("coach.records.db.session.scalars", scalars)
    return calls


def test_a_report_start_that_loses_the_race_opens_the_first_taps_report(
    client, login_as, monkeypatch
):
    from coach.models import ProgressReport
    from tests.factories import make_report

    coach = login_as("coach")
    person = make_client(coach)
    first = make_report(person, coach, idempotency_key="report-double-tap")
    monkeypatch.setattr("coach.reports.services.report_of_month", lambda *args: None)
    calls = _miss_once(monkeypatch, "progress_reports", ProgressReport)
    response = client.post(
        f"/clients/{person.id}/reports",
        data={"month": "2026-11", "idempotency_key": "report-double-tap"},
    )
    assert calls == [1]
    assert response.status_code == 302 and response.location == f"/reports/{first.id}/edit"
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 1


def test_a_share_that_loses_the_race_makes_one_link_and_one_mail(client, login_as, monkeypatch):
    from coach.models import OutboxMessage, ReportLink
    from tests.factories import make_report, make_user

    coach = login_as("coach")
    report = make_report(make_client(coach), coach, approved_by=make_user("supervisor"))
    data = {
        "contact_name": "Dana Cruz",
        "contact_email": "dana@vr.example.gov",
        "how": "email",
        "idempotency_key": "share-double-tap",
    }
    assert client.post(f"/reports/{report.id}/share", data=data).status_code == 200
    calls = _miss_once(monkeypatch, "report_links", ReportLink)
    second = client.post(f"/reports/{report.id}/share", data=data)
    assert calls == [1]
    assert second.status_code == 302 and second.location == f"/reports/{report.id}"
    assert db.session.scalar(sa.select(sa.func.count(ReportLink.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


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
