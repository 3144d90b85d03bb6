"""The figures of a monthly progress report, assembled from the month's records (the
agency's local month): visits with hours and units by service, units per funder and
authorization, each task's percent independent and its trend, accommodation requests,
plan objectives and their progress, job changes, employer contacts made on the person's
behalf and the job-search log.

assemble() returns plain data (JSON-ready: strings, numbers, lists, dicts) in five
queries whatever the size of the agency. A draft shows it live; approving a version
freezes it in the version (ReportVersion.figures), so an approved report does not change
when the records change later."""

from datetime import date, datetime, timedelta
from functools import cache

import sqlalchemy as sa

from coach.extensions import db
from coach.models import (
    APPLICATION_RESULTS,
    CONTACT_METHODS,
    CONTACT_PURPOSES,
    CONTACT_TYPES,
    END_REASONS,
    INTERVIEW_COMPANY,
    JOB_EVENT_KINDS,
    REQUEST_STATUSES,
    SERVICE_UNITS,
    AccommodationRequest,
    Authorization,
    ChecklistRun,
    Client,
    Employer,
    EmployerContact,
    EmploymentPlan,
    Funder,
    JobApplication,
    JobInterview,
    PlacementEvent,
    PlanAction,
    PlanGoal,
    PlanObjective,
    RequestEvent,
    ServiceType,
    StepScore,
    TaskAnalysis,
    Visit,
    Worksite,
    contact_clients,
)
from coach.models.accommodation import OPEN_STATUSES
from coach.models.caseload import Placement, PlacementChange
from coach.tasks.services import mastery_met
from coach.timeutil import format_date, local_day_start, to_local

FIGURES_FORMAT = 1  # bump when the shape changes; frozen versions keep theirs


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_bounds_utc(first: date, tz_name: str) -> tuple[datetime, datetime]:
    """The local month starting on `first` as naive-UTC [from, until): a visit at 11 pm
    on the last evening of the month in New York is in that month, though UTC says the
    next."""
    return local_day_start(first, tz_name), local_day_start(next_month(first), tz_name)


# The client and the month, as bind parameters of the report's queries (see `run`).
CLIENT = sa.bindparam("client_id", type_=sa.Integer)
FIRST = sa.bindparam("first", type_=sa.Date)  # the month's first day
LAST = sa.bindparam("last", type_=sa.Date)  # and its last
END = sa.bindparam("end", type_=sa.Date)  # the next month's first day
START = sa.bindparam("start", type_=sa.DateTime)  # the local month as naive UTC [start, until)
UNTIL = sa.bindparam("until", type_=sa.DateTime)


@cache
def statement(build) -> sa.Executable:
    """One of the report's queries, built once: building the six took about 2 of the
    draft report's 11 ms of CPU at L (docs/performance.md). It holds no data: the
    client and the month are parameters, bound at each run."""
    return build()


def run(build, month: dict) -> sa.Result:
    """Run the query `build` makes for the client and month in `month` (see assemble)."""
    return db.session.execute(statement(build), month)


def hours_tenths(minutes: int) -> int:
    """Minutes as tenths of an hour, half up (how hours are kept everywhere)."""
    return (minutes * 10 + 30) // 60


def assemble(client: Client, first: date, tz_name: str) -> dict:
    """Everything the report shows of the client's month starting on `first`."""
    start, until = month_bounds_utc(first, tz_name)
    end = next_month(first)
    month = dict(
        client_id=client.id,
        first=first,
        last=end - timedelta(days=1),
        end=end,
        start=start,
        until=until,
    )
    visits = month_visits(month, tz_name)
    tasks = task_trends(month)
    return {
        "format": FIGURES_FORMAT,
        "month": first.strftime("%Y-%m"),
        "month_label": first.strftime("%B %Y"),
        "client_name": client.full_name,
        "visits": visits,
        "totals": visit_totals(visits),
        "services": by_service(visits),
        "funders": funder_units(month, visits),
        "tasks": tasks,
        "objectives": objective_progress(month, visits, tasks),
        **month_events(month, tz_name),
        "wage_changes": wage_changes(month),
    }


# --- visits, by service and by funder ----------------------------------------------


def _visits_query() -> sa.Select:
    return (
        sa.select(
            Visit.started_at,
            Visit.ended_at,
            Visit.duration_minutes,
            Visit.service_units,
            Visit.billing_units,
            Visit.billable,
            Visit.authorization_id,
            Visit.contact_type,
            Visit.objective_id,
            ServiceType.code,
            ServiceType.name,
            ServiceType.unit,
        )
        .outerjoin(ServiceType, ServiceType.id == Visit.service_type_id)
        .where(
            Visit.client_id == CLIENT,
            Visit.deleted_at.is_(None),
            Visit.ended_at.is_not(None),
            Visit.started_at >= START,
            Visit.started_at < UNTIL,
        )
        .order_by(Visit.started_at, Visit.id)
    )


def month_visits(month: dict, tz_name: str) -> list[dict]:
    """The client's ended visits that started in the month, oldest first: one query."""
    visits = []
    rows = run(_visits_query, month)
    for started, ended, minutes, units, billed, billable, grant, contact, objective, *svc in rows:
        code, name, unit = svc
        begin, end = to_local(started, tz_name), to_local(ended, tz_name)
        visits.append(
            {
                "day": format_date(begin.date()),
                "time": f"{begin:%-I:%M %p}–{end:%-I:%M %p}",
                "minutes": minutes or 0,
                "units": units or 0,
                "service": f"{name} ({code})" if code else "No service given",
                "service_unit": SERVICE_UNITS.get(unit, "") if unit else "",
                "billing_units": billed or 0,
                "authorization_id": grant if billable else None,
                "contact": CONTACT_TYPES.get(contact, contact),
                "objective_id": objective,
            }
        )
    return visits


def visit_totals(visits: list[dict]) -> dict:
    minutes = sum(v["minutes"] for v in visits)
    return {
        "visits": len(visits),
        "minutes": minutes,
        "hours_tenths": hours_tenths(minutes),
        "units": sum(v["units"] for v in visits),
    }


def by_service(visits: list[dict]) -> list[dict]:
    """Visits, hours, 15-minute units and billed units (of billable visits, in the
    service's unit) per service, in the order first given."""
    services: dict[str, dict] = {}
    for v in visits:
        row = services.setdefault(
            v["service"],
            {"service": v["service"], "unit": v["service_unit"], "visits": 0, "minutes": 0},
        )
        row["visits"] += 1
        row["minutes"] += v["minutes"]
        row["units"] = row.get("units", 0) + v["units"]
        billed = v["billing_units"] if v["authorization_id"] else 0
        row["billing_units"] = row.get("billing_units", 0) + billed
    for row in services.values():
        row["hours_tenths"] = hours_tenths(row["minutes"])
    return list(services.values())


def _funders_query() -> sa.Select:
    return (
        sa.select(
            Authorization.id,
            Authorization.number,
            Authorization.start_date,
            Authorization.end_date,
            Authorization.units,
            Funder.name,
            Funder.contact_name,
            ServiceType.name,
            ServiceType.code,
            ServiceType.unit,
        )
        .join(Funder, Funder.id == Authorization.funder_id)
        .join(ServiceType, ServiceType.id == Authorization.service_type_id)
        .where(
            Authorization.client_id == CLIENT,
            Authorization.start_date <= LAST,
            Authorization.end_date >= FIRST,
        )
        .order_by(Funder.name, Authorization.start_date, Authorization.id)
    )


def funder_units(month: dict, visits: list[dict]) -> list[dict]:
    """Each funder's authorizations of the client that cover part of the month, with the
    units billed against each in the month (billable visits only): one query."""
    rows = run(_funders_query, month)
    used: dict[int, int] = {}
    for v in visits:
        if v["authorization_id"]:
            used[v["authorization_id"]] = used.get(v["authorization_id"], 0) + v["billing_units"]
    funders: dict[str, dict] = {}
    for grant_id, number, begin, end, units, funder, counsellor, name, code, unit in rows:
        entry = funders.setdefault(funder, {"funder": funder, "counsellor": counsellor})
        entry.setdefault("authorizations", []).append(
            {
                "number": number,
                "service": f"{name} ({code})",
                "unit": SERVICE_UNITS.get(unit, unit),
                "period": f"{format_date(begin)} – {format_date(end)}",
                "units_authorized": units,
                "units_month": used.get(grant_id, 0),
            }
        )
    for entry in funders.values():
        entry["units_month"] = sum(a["units_month"] for a in entry["authorizations"])
    return list(funders.values())


# --- tasks ---------------------------------------------------------------------------


def trend_of(before: float | None, now: float | None) -> str:
    """up, down or same against the last scored run before the month; 'new' when the
    month's runs are the first; 'none' when the month had no scored run."""
    if now is None:
        return "none"
    if before is None:
        return "new"
    return "up" if now > before else "down" if now < before else "same"


def _tasks_query() -> sa.Select:
    attempted = sa.func.sum(sa.case((StepScore.level != "NA", 1), else_=0))
    independent = sa.func.sum(sa.case((StepScore.level == "I", 1), else_=0))
    task = TaskAnalysis
    return (
        sa.select(
            task.id,
            task.title,
            task.objective_id,
            task.mastery_percent,
            task.mastery_runs,
            ChecklistRun.started_at,
            attempted,
            independent,
        )
        .join(ChecklistRun, ChecklistRun.task_id == task.id)
        .outerjoin(StepScore, StepScore.run_id == ChecklistRun.id)
        .where(task.client_id == CLIENT, ChecklistRun.started_at < UNTIL)
        .group_by(task.id, ChecklistRun.id, ChecklistRun.started_at)
        .order_by(task.title, task.id, ChecklistRun.started_at, ChecklistRun.id)
    )


def task_trends(month: dict) -> list[dict]:
    """Each task of the client that has a run by the month's end: its percent independent
    at the month's last scored run, at the last one before the month, the month's runs
    (the trend line) and whether the mastery criterion was met by then: one query, every
    run's percent counted in SQL (percent_independent's rule: 'not attempted' left out)."""
    tasks: dict[int, dict] = {}
    for task_id, title, objective_id, threshold, needed, started, tried, done in run(
        _tasks_query, month
    ):
        entry = tasks.setdefault(
            task_id,
            {
                "title": title,
                "objective_id": objective_id,
                "rule": (threshold, needed),
                "before": [],
                "month": [],
            },
        )
        percent = round(100.0 * (done or 0) / tried, 1) if tried else None
        entry["before" if started < month["start"] else "month"].append(percent)
    result = []
    for entry in tasks.values():
        before = [p for p in entry["before"] if p is not None]
        month = [p for p in entry["month"] if p is not None]
        last_before = before[-1] if before else None
        now = month[-1] if month else None
        result.append(
            {
                "title": entry["title"],
                "objective_id": entry["objective_id"],
                "runs": len(entry["month"]),
                "percent": now,
                "before": last_before,
                "trend": trend_of(last_before, now),
                "points": month,
                "mastered": mastery_met(before + month, *entry["rule"]),
            }
        )
    return result


# --- the plan's objectives -----------------------------------------------------------


def _objectives_query() -> sa.Select:
    plan_id = (
        sa.select(EmploymentPlan.id)
        .where(EmploymentPlan.client_id == CLIENT, EmploymentPlan.start_date < END)
        .order_by(EmploymentPlan.start_date.desc(), EmploymentPlan.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    goal_number = (
        sa.select(sa.func.count(PlanGoal.id))
        .where(PlanGoal.plan_id == PlanObjective.plan_id, PlanGoal.id <= PlanObjective.goal_id)
        .scalar_subquery()
    )
    done = sa.and_(PlanAction.done_on.is_not(None), PlanAction.done_on < END)
    return (
        sa.select(
            PlanObjective.id,
            PlanObjective.goal_id,
            goal_number,
            PlanObjective.text,
            PlanObjective.target_date,
            sa.func.count(PlanAction.id),
            sa.func.sum(sa.case((done, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(done, PlanAction.done_on >= FIRST), 1), else_=0)),
        )
        .outerjoin(PlanAction, PlanAction.objective_id == PlanObjective.id)
        .where(PlanObjective.plan_id == plan_id)
        .group_by(PlanObjective.id, PlanObjective.goal_id, PlanObjective.text)
        .group_by(PlanObjective.target_date)
        .order_by(PlanObjective.goal_id, PlanObjective.target_date, PlanObjective.id)
    )


def objective_progress(month: dict, visits: list[dict], tasks: list[dict]):
    """The objectives of the client's newest plan started by the month's end, numbered as
    on the plan page, with their action steps done by the month's end (and in it), the
    month's visits that served each, and the linked tasks' percent: one query."""
    rows = run(_objectives_query, month)
    objectives, last_goal, n = [], None, 0
    for objective_id, goal_id, g, text, target, total, done_by_end, done_in_month in rows:
        n = n + 1 if goal_id == last_goal else 1
        last_goal = goal_id
        objectives.append(
            {
                "label": f"Objective {g}.{n}",
                "text": text,
                "target": format_date(target),
                "steps_total": total,
                "steps_done": done_by_end or 0,
                "steps_done_in_month": done_in_month or 0,
                "visits": sum(1 for v in visits if v["objective_id"] == objective_id),
                "tasks": [
                    {"title": t["title"], "percent": t["percent"], "mastered": t["mastered"]}
                    for t in tasks
                    if t["objective_id"] == objective_id
                ],
            }
        )
    return objectives


# --- the month's events: job changes, accommodations, employer contacts, job search --


def _text(column) -> sa.ColumnElement:
    return sa.cast(column, sa.String)


def _row(kind: str, ref, day, at, title, place, detail) -> list:
    none_day, none_at = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.DateTime)
    return [
        sa.literal(kind, sa.String).label("kind"),
        ref.label("ref"),
        (none_day if day is None else day).label("day"),
        (none_at if at is None else at).label("at"),
        _text(title).label("title"),
        _text(place).label("place"),
        _text(detail).label("detail"),
    ]


def dollars_an_hour(cents: int | None) -> str:
    return "not set" if cents is None else f"${cents / 100:,.2f}"


def hours_a_week(tenths: int | None) -> str:
    return "not set" if tenths is None else f"{tenths / 10:g}"


def _wage_changes_query() -> sa.Select:
    order = (PlacementChange.effective_date, PlacementChange.id)
    earlier = {"partition_by": PlacementChange.placement_id, "order_by": order}
    history = (
        sa.select(
            PlacementChange.id,
            PlacementChange.placement_id,
            PlacementChange.effective_date,
            PlacementChange.hourly_wage_cents.label("wage"),
            PlacementChange.weekly_hours_tenths.label("hours"),
            sa.func.lag(PlacementChange.hourly_wage_cents).over(**earlier).label("wage_before"),
            sa.func.lag(PlacementChange.weekly_hours_tenths).over(**earlier).label("hours_before"),
            sa.func.row_number().over(**earlier).label("n"),
        )
        .join(Placement, Placement.id == PlacementChange.placement_id)
        .where(Placement.client_id == CLIENT)
        .where(PlacementChange.effective_date < END)
        .subquery()
    )
    return (
        sa.select(history, Placement.job_title, Employer.name)
        .join(Placement, Placement.id == history.c.placement_id)
        .join(Worksite, Worksite.id == Placement.worksite_id)
        .join(Employer, Employer.id == Worksite.employer_id)
        .where(history.c.effective_date >= FIRST, history.c.n > 1)
        .order_by(history.c.effective_date, history.c.id)
    )


def wage_changes(month: dict) -> list[dict]:
    """Raises and changes of hours of the client's jobs from a day in the month, each
    against the pay in force before it; a job's first row (its start, listed among the
    job changes) and a row that changed neither are left out. One query."""
    changes = []
    for row in run(_wage_changes_query, month):
        what = []
        if row.wage != row.wage_before:
            pay = f"{dollars_an_hour(row.wage_before)} → {dollars_an_hour(row.wage)}"
            what.append(f"Pay {pay} an hour")
        if row.hours != row.hours_before:
            hours = f"{hours_a_week(row.hours_before)} → {hours_a_week(row.hours)}"
            what.append(f"Hours {hours} a week")
        if what:
            day = format_date(row.effective_date)
            job = f"{row.job_title}, {row.name}"
            changes.append({"day": day, "what": "; ".join(what), "job": job})
    return changes


def _events_query() -> sa.CompoundSelect:
    employer_of_job = (
        (Worksite, Worksite.id == Placement.worksite_id),
        (
            Employer,
            Employer.id == Worksite.employer_id,
        ),
    )

    def job_select(kind, day, detail):
        query = sa.select(
            *_row(kind, Placement.id, day, None, Placement.job_title, Employer.name, detail)
        )
        for target, on in employer_of_job:
            query = query.join(target, on)
        return query.where(Placement.client_id == CLIENT, day >= FIRST, day < END)

    return sa.union_all(
        job_select("start", Placement.start_date, sa.literal("")),
        job_select("end", Placement.end_date, Placement.end_reason),
        sa.select(
            *_row(
                "event",
                PlacementEvent.id,
                None,
                PlacementEvent.happened_at,
                Placement.job_title,
                Employer.name,
                PlacementEvent.kind,
            )
        )
        .join(Placement, Placement.id == PlacementEvent.placement_id)
        .join(*employer_of_job[0])
        .join(*employer_of_job[1])
        .where(
            PlacementEvent.client_id == CLIENT,
            PlacementEvent.happened_at >= START,
            PlacementEvent.happened_at < UNTIL,
        ),
        sa.select(
            *_row(
                "accommodation",
                AccommodationRequest.id,
                AccommodationRequest.request_date,
                AccommodationRequest.created_at,
                AccommodationRequest.accommodation,
                AccommodationRequest.job_function,
                AccommodationRequest.status,
            )
        ).where(
            AccommodationRequest.client_id == CLIENT,
            AccommodationRequest.created_at < UNTIL,
            sa.or_(  # open, or its process went on into the month (a decision, its
                # putting in place, a follow-up): a mere edit of a request finished
                # before the month no longer brings it back
                AccommodationRequest.status.in_(OPEN_STATUSES),
                sa.select(RequestEvent.id)
                .where(RequestEvent.request_id == AccommodationRequest.id)
                .where(RequestEvent.at >= START)
                .exists(),
            ),
        ),
        sa.select(
            *_row(
                "contact",
                EmployerContact.id,
                EmployerContact.contact_date,
                None,
                EmployerContact.purpose,
                Employer.name,
                EmployerContact.method,
            )
        )
        .join(Employer, Employer.id == EmployerContact.employer_id)
        .join(contact_clients, contact_clients.c.contact_id == EmployerContact.id)
        .where(
            contact_clients.c.client_id == CLIENT,
            EmployerContact.contact_date >= FIRST,
            EmployerContact.contact_date < END,
        ),
        sa.select(
            *_row(
                "application",
                JobApplication.id,
                JobApplication.applied_on,
                None,
                JobApplication.position,
                JobApplication.employer_name,
                JobApplication.result,
            )
        ).where(
            JobApplication.client_id == CLIENT,
            JobApplication.applied_on >= FIRST,
            JobApplication.applied_on < END,
        ),
        sa.select(
            *_row(
                "interview",
                JobInterview.id,
                JobInterview.interview_on,
                None,
                JobInterview.position,
                JobInterview.employer_name,
                JobInterview.went_with,
            )
        ).where(
            JobInterview.client_id == CLIENT,
            JobInterview.interview_on >= FIRST,
            JobInterview.interview_on < END,
        ),
    )


def month_events(month: dict, tz_name: str) -> dict:
    """Jobs started and ended, job problems and losses, accommodation requests open in
    the month (with their status now), employer contacts that named the person, and the
    applications and interviews of the job-search log: one UNION query."""
    return sorted_events(run(_events_query, month).all(), tz_name)


def _day_of(row, tz_name: str) -> date:
    return row.day if row.day is not None else to_local(row.at, tz_name).date()


def sorted_events(rows, tz_name: str) -> dict:
    """The UNION's rows as the report's lists, each oldest first."""
    out = {"job_changes": [], "accommodations": [], "employer_contacts": [], "job_search": []}
    for row in sorted(rows, key=lambda r: (_day_of(r, tz_name), r.kind, r.ref)):
        day = format_date(_day_of(row, tz_name))
        if row.kind in ("start", "end", "event"):
            what = {"start": "Started", "end": "Ended"}.get(row.kind) or JOB_EVENT_KINDS.get(
                row.detail, row.detail
            )
            if row.kind == "end" and row.detail:
                what += f" ({END_REASONS.get(row.detail, row.detail)})"
            out["job_changes"].append(
                {"day": day, "what": what, "job": f"{row.title}, {row.place}"}
            )
        elif row.kind == "accommodation":
            out["accommodations"].append(
                {
                    "day": day,
                    "accommodation": row.title,
                    "job_function": row.place,
                    "status": REQUEST_STATUSES.get(row.detail, row.detail),
                }
            )
        elif row.kind == "contact":
            out["employer_contacts"].append(
                {
                    "day": day,
                    "employer": row.place,
                    "purpose": CONTACT_PURPOSES.get(row.title, row.title),
                    "method": CONTACT_METHODS.get(row.detail, row.detail),
                }
            )
        else:
            labels = APPLICATION_RESULTS if row.kind == "application" else INTERVIEW_COMPANY
            out["job_search"].append(
                {
                    "day": day,
                    "kind": row.kind.capitalize(),
                    "employer": row.place,
                    "position": row.title,
                    "result": labels.get(row.detail, row.detail),
                }
            )
    return out
