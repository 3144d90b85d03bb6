"""The monthly progress report: the figures assembled from a hand-computed month, writing,
approval and return, versions, the emailed read-only link and its states."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import (
    AuditEvent,
    OutboxMessage,
    PlanAction,
    PlanObjective,
    ProgressReport,
    ReportLink,
    ReportVersion,
)
from coach.reports import assembly
from coach.reports.assembly import assemble, hours_tenths
from coach.timeutil import utcnow
from tests.conftest import FreshContextClient
from tests.factories import (
    make_application,
    make_authorization,
    make_billed_visit,
    make_client,
    make_contact,
    make_employer,
    make_funder,
    make_interview,
    make_placement,
    make_plan,
    make_report,
    make_report_link,
    make_request,
    make_run,
    make_task,
    make_user,
    make_visit,
    make_worksite,
)

NOVEMBER = date(2026, 11, 1)
TZ = "America/New_York"


def november(person, coach):
    """A client's November 2026 in New York, and what lies just outside it."""
    employer = make_employer("Green Valley Grocery", created_by=coach)
    site = make_worksite(employer)
    funder = make_funder(
        coach, "State VR", contact_name="Dana Cruz", contact_email="dana@vr.example.gov"
    )
    make_authorization(person, coach, funder, number="VR-1", units=40)
    plan = make_plan(person, coach, objectives=1, actions=2, start=date(2026, 10, 1))
    objective = db.session.scalar(sa.select(PlanObjective).where(PlanObjective.plan_id == plan.id))
    first_step = db.session.scalar(
        sa.select(PlanAction).where(PlanAction.objective_id == objective.id).limit(1)
    )
    first_step.done_on = date(2026, 11, 5)
    db.session.commit()
    # Visits, in UTC: 11:30 pm on Oct 31 in New York (EDT) is October's.
    make_visit(person, coach, 60, datetime(2026, 11, 1, 3, 30))
    # 00:30 on Nov 1 (still EDT): November's; job coaching, billed to VR-1.
    make_billed_visit(
        person,
        coach,
        "JOBCOACH",
        minutes=45,
        started_at=datetime(2026, 11, 1, 4, 30),
        objective_id=objective.id,
    )
    # 11:30 pm on Nov 30 (EST): November's, though UTC says December.
    make_billed_visit(person, coach, "JOBDEV", minutes=30, started_at=datetime(2026, 12, 1, 4, 30))
    make_visit(person, coach, 30, datetime(2026, 12, 1, 5, 30))  # 00:30 on Dec 1
    make_visit(person, coach, 30, datetime(2026, 11, 10, 15), deleted_at=utcnow())
    make_visit(person, coach, None, datetime(2026, 11, 11, 15))  # under way
    # A task: 50% before the month, then 100, 50, 100 in it (a step not attempted is left out).
    task = make_task(person, coach, objective_id=objective.id)
    one, two = (step.id for step in task.steps)
    for day, levels in [
        (datetime(2026, 10, 20, 15), {one: "I", two: "V"}),
        (datetime(2026, 11, 3, 15), {one: "I", two: "NA"}),
        (datetime(2026, 11, 10, 15), {one: "I", two: "G"}),
        (datetime(2026, 11, 12, 15), {one: "I", two: "I"}),
        (datetime(2026, 12, 2, 15), {one: "V", two: "V"}),
    ]:
        make_run(task, coach, levels, started_at=day)
    # Job changes: a job ended (quit) on Nov 2, one started Nov 16, a problem on Nov 20.
    make_placement(
        person,
        site,
        "Bagger",
        start_date=date(2026, 3, 1),
        end_date=date(2026, 11, 2),
        end_reason="quit",
    )
    new_job = make_placement(person, site, "Courtesy clerk", start_date=date(2026, 11, 16))
    # Its pay: $15.00 for 20 hours from the start, a raise to $16.50 on Nov 23 (hours
    # kept), 25 hours from Dec 1 (the next month's).
    from coach.models import PlacementChange

    for key, day, cents, tenths in (
        ("pay-0", date(2026, 11, 16), 1500, 200),
        ("pay-1", date(2026, 11, 23), 1650, 200),
        ("pay-2", date(2026, 12, 1), 1650, 250),
    ):
        db.session.add(
            PlacementChange(
                placement_id=new_job.id,
                effective_date=day,
                hourly_wage_cents=cents,
                weekly_hours_tenths=tenths,
                created_by_id=coach.id,
                idempotency_key=key,
            )
        )
    from coach.models import PlacementEvent

    db.session.add(
        PlacementEvent(
            placement_id=new_job.id,
            client_id=person.id,
            created_by_id=coach.id,
            idempotency_key="ev-1",
            kind="problem",
            happened_at=datetime(2026, 11, 20, 18),
        )
    )
    db.session.commit()
    make_contact(
        coach, employer, date(2026, 11, 4), "phone", [person], purpose="present_job_seeker"
    )
    make_contact(coach, employer, date(2026, 11, 5), "phone", [])  # named nobody
    make_contact(coach, employer, date(2026, 10, 30), "phone", [person])  # October
    make_application(person, coach, applied_on=date(2026, 11, 2), position="Cashier")
    make_application(person, coach, applied_on=date(2026, 12, 1))
    make_interview(person, coach, interview_on=date(2026, 11, 4), position="Cashier")
    make_request(
        person, coach, created_at=datetime(2026, 11, 3, 15), request_date=date(2026, 11, 3)
    )
    return task


def test_the_figures_of_a_hand_computed_month(ctx):
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Rivera")
    november(person, coach)
    f = assemble(person, NOVEMBER, TZ)

    assert f["month_label"] == "November 2026" and f["client_name"] == "Rosa Rivera"
    # The visits of the local month: Nov 1 00:30 and Nov 30 23:30, 45 + 30 minutes.
    assert [(v["day"], v["time"]) for v in f["visits"]] == [
        ("Nov 1, 2026", "12:30 AM–1:15 AM"),
        ("Nov 30, 2026", "11:30 PM–12:00 AM"),
    ]
    assert f["totals"] == {"visits": 2, "minutes": 75, "hours_tenths": 13, "units": 5}
    assert [
        (s["service"], s["visits"], s["hours_tenths"], s["units"], s["billing_units"])
        for s in f["services"]
    ] == [
        ("Job coaching, on-site training (JOBCOACH)", 1, 8, 3, 3),
        ("Job development (JOBDEV)", 1, 5, 2, 0),  # no authorization: nothing billed
    ]
    # Units per funder: the billed job coaching against VR-1 (3 of 40).
    (vr,) = f["funders"]
    assert vr["funder"] == "State VR" and vr["counsellor"] == "Dana Cruz"
    (grant,) = vr["authorizations"]
    assert (grant["number"], grant["units_month"], grant["units_authorized"]) == ("VR-1", 3, 40)
    # The task: 100, 50, 100 in the month against 50 before: going up, not mastered.
    (task,) = f["tasks"]
    assert task["points"] == [100.0, 50.0, 100.0] and task["runs"] == 3
    assert (task["percent"], task["before"], task["trend"], task["mastered"]) == (
        100.0,
        50.0,
        "up",
        False,
    )
    # The objective: 1 of 2 steps done (in November), one visit served it, the task linked.
    (objective,) = f["objectives"]
    assert objective["label"] == "Objective 1.1"
    assert (
        objective["steps_done"],
        objective["steps_total"],
        objective["steps_done_in_month"],
    ) == (1, 2, 1)
    assert objective["visits"] == 1 and objective["tasks"][0]["percent"] == 100.0
    assert [(j["day"], j["what"], j["job"]) for j in f["job_changes"]] == [
        ("Nov 2, 2026", "Ended (Quit)", "Bagger, Green Valley Grocery"),
        ("Nov 16, 2026", "Started", "Courtesy clerk, Green Valley Grocery"),
        ("Nov 20, 2026", "Job problem", "Courtesy clerk, Green Valley Grocery"),
    ]
    assert f["employer_contacts"] == [
        {
            "day": "Nov 4, 2026",
            "employer": "Green Valley Grocery",
            "method": "Phone",
            "purpose": "Present a job seeker",
        }
    ]
    assert [(s["day"], s["kind"]) for s in f["job_search"]] == [
        ("Nov 2, 2026", "Application"),
        ("Nov 4, 2026", "Interview"),
    ]
    (request,) = f["accommodations"]
    assert request["status"] == "Draft" and "stool" in request["accommodation"]
    assert "diagnosis" not in str(f).lower() and "arthritis" not in str(f).lower()
    assert f["wage_changes"] == [
        {
            "day": "Nov 23, 2026",
            "what": "Pay $15.00 → $16.50 an hour",
            "job": "Courtesy clerk, Green Valley Grocery",
        }
    ]


def test_the_queries_built_once_read_each_clients_own_month(ctx):
    """The report's queries are built once (assembly.statement) and run with the client
    and month as parameters: a second client, and another month, get their own."""
    coach = make_user("coach")
    rosa = make_client(coach, "Rosa", "Rivera")
    november(rosa, coach)
    other = make_client(coach, "Omar", "Ortiz")
    assert assemble(rosa, NOVEMBER, TZ)["totals"]["visits"] == 2
    built = assembly.statement.cache_info().currsize
    f = assemble(other, NOVEMBER, TZ)
    assert assembly.statement.cache_info().currsize == built  # the same queries ran
    assert f["totals"]["visits"] == 0 and f["funders"] == [] and f["tasks"] == []
    assert f["job_changes"] == [] and f["wage_changes"] == [] and f["objectives"] == []
    october = assemble(rosa, date(2026, 10, 1), TZ)
    # Only the visit at 11:30 pm on October 31 (New York), 3:30 UTC on November 1.
    assert october["totals"]["visits"] == 1
    assert [c["day"] for c in october["employer_contacts"]] == ["Oct 30, 2026"]


def test_hours_are_tenths_rounded_half_up():
    assert [hours_tenths(m) for m in (0, 2, 3, 45, 75, 90)] == [0, 0, 1, 8, 13, 15]


# --- the pages ----------------------------------------------------------------------


def start(client, person, month="2026-11", key="start-key-1"):
    return client.post(
        f"/clients/{person.id}/reports", data={"month": month, "idempotency_key": key}
    )


def write(
    client,
    report_id,
    summary="Rosa was on time every shift.",
    focus="Ask for more hours.",
    funder_id=0,
):
    return client.post(
        f"/reports/{report_id}/edit",
        data={"summary": summary, "next_focus": focus, "funder_id": funder_id},
    )


@pytest.fixture
def now_in_late_november(monkeypatch):
    from tests.clock import freeze_clock

    return freeze_clock(monkeypatch, datetime(2026, 11, 29, 10))


def test_a_coach_writes_a_supervisor_approves_and_the_figures_freeze(
    app, client, auth, login_as, now_in_late_november
):
    supervisor = make_user("supervisor")
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    make_visit(person, coach, 45, datetime(2026, 11, 10, 15))
    answer = start(client, person)
    assert answer.status_code == 302
    again = start(client, person)  # a double tap: the same report
    assert again.location == answer.location
    report = db.session.scalar(sa.select(ProgressReport))
    assert write(client, report.id).status_code == 302
    page = client.get(f"/reports/{report.id}").text
    assert "Rosa was on time every shift." in page and "1 visit</strong>" in page
    assert "Being written" in page
    assert client.post(f"/reports/{report.id}/submit").status_code == 302
    # A coach cannot approve; the supervisor does.
    assert client.post(f"/reports/{report.id}/approve").status_code == 404
    auth.logout()
    auth.login(supervisor.email)
    assert "Rosa Rivera" in client.get("/reports/review").text
    assert "Approve version 1" in client.get(f"/reports/{report.id}").text
    assert client.post(f"/reports/{report.id}/approve").status_code == 302
    version = db.session.scalar(sa.select(ReportVersion))
    assert version.version == 1 and version.approved_by == supervisor.name
    # A visit added later does not change the approved report.
    make_visit(person, coach, 30, datetime(2026, 11, 12, 15))
    page = client.get(f"/reports/{report.id}").text
    assert "Approved" in page and "1 visit</strong>" in page and "frozen" in page


def test_a_supervisor_returns_a_report_with_a_comment(client, auth, login_as, now_in_late_november):
    supervisor = make_user("supervisor")
    coach = login_as("coach")
    person = make_client(coach)
    report = make_report(person, coach, status="submitted")
    auth.logout()
    auth.login(supervisor.email)
    empty = client.post(f"/reports/{report.id}/return", data={"comment": ""})
    assert empty.status_code == 302
    assert db.session.get(ProgressReport, report.id).status == "submitted"
    client.post(f"/reports/{report.id}/return", data={"comment": "Say how the new shift went."})
    db.session.expire_all()
    assert db.session.get(ProgressReport, report.id).status == "returned"
    auth.logout()
    auth.login(coach.email)
    assert "Say how the new shift went." in client.get(f"/reports/{report.id}").text


def test_no_approval_of_ones_own_report(client, login_as, now_in_late_november):
    supervisor = login_as("supervisor")
    person = make_client(supervisor)
    report = make_report(person, supervisor, status="submitted")
    client.post(f"/reports/{report.id}/approve")
    assert db.session.get(ProgressReport, report.id).status == "submitted"


def test_a_supervisor_who_rewrote_a_report_leaves_its_approval_to_another(
    client, auth, login_as, now_in_late_november
):
    """Four eyes: the supervisor who changed a coach's text may not approve it; another
    does, and the frozen version names both who wrote it."""
    sam = login_as("supervisor")
    coach = make_user("coach", name="Casey Coach")
    report = make_report(make_client(coach), coach, status="submitted")
    form = {"summary": "Rewritten.", "next_focus": "More hours.", "funder_id": "0"}
    assert client.post(f"/reports/{report.id}/edit", data=form).status_code == 302
    assert client.post(f"/reports/{report.id}/submit").status_code == 302
    client.post(f"/reports/{report.id}/approve")
    db.session.expire_all()
    assert db.session.get(ProgressReport, report.id).status == "submitted"
    assert "Approve" not in client.get(f"/reports/{report.id}").text
    auth.logout()
    auth.login(make_user("supervisor").email)
    assert client.post(f"/reports/{report.id}/approve").status_code == 302
    version = db.session.scalar(
        sa.select(ReportVersion).where(ReportVersion.report_id == report.id)
    )
    assert version.summary == "Rewritten."
    assert version.written_by == f"Casey Coach, edited by {sam.name}"


def test_a_report_needs_its_texts_before_approval(client, login_as, now_in_late_november):
    coach = login_as("coach")
    report = make_report(make_client(coach), coach, summary="", next_focus="")
    answer = client.post(f"/reports/{report.id}/submit", follow_redirects=True)
    assert "Write the summary and next month" in answer.text
    assert db.session.get(ProgressReport, report.id).status == "draft"


def test_an_edit_after_approval_makes_a_new_version_and_the_old_one_stays(
    client, login_as, now_in_late_november
):
    coach = login_as("coach")
    person = make_client(coach)
    report = make_report(person, coach, approved_by=make_user("supervisor"))
    assert report.version == 1 and report.status == "approved"
    unchanged = write(
        client, report.id, "A good month: on time for every shift.", "Ask for more hours."
    )
    assert unchanged.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgressReport, report.id).version == 1  # nothing changed
    write(client, report.id, "Rewritten summary.")
    db.session.expire_all()
    changed = db.session.get(ProgressReport, report.id)
    assert (changed.version, changed.status, changed.summary) == (2, "draft", "Rewritten summary.")
    old = client.get(f"/reports/{report.id}/versions/1").text
    assert "A good month: on time for every shift." in old and "Rewritten" not in old
    assert client.get(f"/reports/{report.id}/versions/2").status_code == 404  # not approved yet
    page = client.get(f"/reports/{report.id}").text
    assert "Rewritten summary." in page and "Version 1" in page
    # The audit log names the changed field, never its text.
    summaries = db.session.scalars(sa.select(AuditEvent.summary)).all()
    assert any("summary changed" in s for s in summaries)
    assert not any("Rewritten" in s for s in summaries)


def test_bad_input_gets_a_message_and_saves_nothing(client, login_as, now_in_late_november):
    coach = login_as("coach")
    person = make_client(coach)
    other_funder = make_funder(coach, "Someone Else's Funder")
    for month in ("2025-01", "2026-13", "<script>"):
        answer = start(client, person, month)
        assert answer.status_code == 200 and "Choose one of the options shown" in answer.text
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 0
    report = make_report(person, coach)
    answer = write(client, report.id, "x" * 4001, funder_id=other_funder.id)
    assert answer.status_code == 200 and "Choose one of the options shown" in answer.text
    assert "Use at most 4000 characters." in answer.text
    assert db.session.get(ProgressReport, report.id).summary.startswith("A good month")


# --- the read-only link -------------------------------------------------------------


def test_the_report_is_emailed_with_a_link_that_needs_no_account(
    app, client, login_as, now_in_late_november
):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    make_visit(person, coach, 45, datetime(2026, 11, 10, 15))
    report = make_report(person, coach, approved_by=make_user("supervisor"))
    form = client.get(f"/reports/{report.id}/share")
    assert form.status_code == 200
    answer = client.post(
        f"/reports/{report.id}/share",
        data={
            "contact_name": "Dana Cruz",
            "contact_email": "dana@vr.example.gov",
            "how": "email",
            "idempotency_key": "share-key-1",
        },
    )
    assert answer.status_code == 200 and "Link ready" in answer.text
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.to == "dana@vr.example.gov" and "progress report" in message.subject
    url = next(word for word in message.body.split() if "/r/" in word)
    token = url.rsplit("/r/", 1)[1]
    link = db.session.scalar(sa.select(ReportLink))
    assert token not in link.token_hash and link.emailed is False  # no mail server in tests
    again = client.post(
        f"/reports/{report.id}/share",
        data={
            "contact_name": "Dana Cruz",
            "contact_email": "dana@vr.example.gov",
            "how": "email",
            "idempotency_key": "share-key-1",
        },
    )
    assert again.status_code == 302  # a double tap: no second link, no second mail
    assert db.session.scalar(sa.select(sa.func.count(ReportLink.id))) == 1

    app.test_client_class = FreshContextClient
    stranger = app.test_client()  # no session
    shared = stranger.get(f"/r/{token}")
    assert shared.status_code == 200
    assert "Rosa Rivera" in shared.text and "A good month" in shared.text
    assert "1 visit</strong>" in shared.text
    assert shared.headers["Referrer-Policy"] == "no-referrer"
    assert shared.headers["Cache-Control"] == "no-store"
    # Only that report: no link into the app, no form.
    assert "/clients/" not in shared.text and "/reports/" not in shared.text
    assert "<form" not in shared.text
    db.session.expire_all()
    assert db.session.get(ReportLink, link.id).first_viewed_at is not None
    assert stranger.post(f"/r/{token}").status_code == 405
    # The link shows the version it was made for, after a change starts version 2.
    write(client, report.id, "A second version.")
    assert "A second version." not in stranger.get(f"/r/{token}").text


def test_expired_revoked_and_unknown_links_say_so(app, client, login_as, now_in_late_november):
    coach = login_as("coach")
    report = make_report(make_client(coach), coach, approved_by=make_user("supervisor"))
    expired = make_report_link(report, coach, expires_at=utcnow() - timedelta(minutes=1))
    revoked = make_report_link(report, coach, revoked=True)
    active = make_report_link(report, coach)
    app.test_client_class = FreshContextClient
    stranger = app.test_client()
    answer = stranger.get(f"/r/{expired}")
    assert (
        answer.status_code == 410 and "expired" in answer.text and "A good month" not in answer.text
    )
    answer = stranger.get(f"/r/{revoked}")
    assert answer.status_code == 410 and "withdrawn" in answer.text
    assert stranger.get("/r/not-a-token").status_code == 404
    assert stranger.get(f"/r/{active}").status_code == 200
    client.post(f"/reports/{report.id}/revoke")
    answer = stranger.get(f"/r/{active}")
    assert answer.status_code == 410 and "Traceback" not in answer.text


def test_a_draft_cannot_be_shared(client, login_as):
    coach = login_as("coach")
    report = make_report(make_client(coach), coach)
    assert client.get(f"/reports/{report.id}/share").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ReportLink.id))) == 0


def test_other_coaches_reports_answer_404(client, login_as):
    other = make_user("coach")
    report = make_report(make_client(other, "Private"), other, approved_by=make_user("supervisor"))
    login_as("coach")
    for path in (
        f"/reports/{report.id}",
        f"/reports/{report.id}/edit",
        f"/reports/{report.id}/versions/1",
        f"/reports/{report.id}/share",
        f"/clients/{report.client_id}/reports",
    ):
        assert client.get(path).status_code == 404, path
    for path in ("submit", "revoke", "share", "edit"):
        assert client.post(f"/reports/{report.id}/{path}").status_code == 404, path


def test_the_report_page_is_audited_and_prints(client, login_as):
    coach = login_as("coach")
    report = make_report(make_client(coach), coach)
    page = client.get(f"/reports/{report.id}").text
    assert "data-print" in page and "no-print" in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "view", AuditEvent.entity_type == "progress_report"
            )
        )
        == 1
    )
