"""The day each job reaches each of its funders' milestones, kept as rows
(`MilestoneReach`).

A job reaches a milestone of N days on its start date plus N days if it still went on
that day, for each milestone of a funder the job counts for (services.py); a row says
too whether a supervisor marked it claimed. Whenever a job's dates or client, a
client's authorization, a claim or a funder's schedule is written, the rows of those
clients (or of those milestones) are written again from that rule, in the same flush
and so in the same transaction. The list of milestones to claim then reads
the rows of its window by their day, instead of working out every job's milestones and
sorting them on each view (31,000 rows at XL: 656 ms of CPU a view).

tests/test_milestones_kept.py checks the rows against the rule after each kind of write.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.clients.locks import client_ids_of, hold_clients, wrote
from coach.milestones.services import counts_for_funder, reached_date
from coach.models import Authorization, Milestone, MilestoneClaim, MilestoneReach, Placement

# The columns whose change can move a reach: a new or removed record counts whatever.
WATCHED = {
    Placement: ("client_id", "start_date", "end_date"),
    Authorization: ("client_id", "funder_id", "start_date", "end_date"),
    Milestone: ("funder_id", "days"),
    MilestoneClaim: (),  # made or undone
}
COLUMNS = ("placement_id", "milestone_id", "client_id", "reached_on", "claimed")


def reaches() -> sa.Select:
    """Every (job, milestone) the job reaches while it goes on, with the day and whether
    it is claimed: the rule."""
    day = reached_date()
    claimed = sa.exists().where(
        MilestoneClaim.placement_id == Placement.id, MilestoneClaim.milestone_id == Milestone.id
    )
    return (
        sa.select(Placement.id, Milestone.id, Placement.client_id, day, claimed)
        .select_from(Placement)
        .join(Milestone, counts_for_funder())
        .where(sa.or_(Placement.end_date.is_(None), Placement.end_date >= day))
    )


def write_reaches(connection: sa.Connection, kept: sa.ColumnElement, rule: sa.ColumnElement):
    """Replace the rows `kept` selects with the rule's rows `rule` selects."""
    connection.execute(sa.delete(MilestoneReach).where(kept))
    connection.execute(sa.insert(MilestoneReach).from_select(COLUMNS, reaches().where(rule)))


def write_every_reach(connection: sa.Connection) -> None:
    """Every job's rows again (after a bulk insert that no flush saw: the bench seed)."""
    write_reaches(connection, sa.true(), sa.true())


def write_reaches_of_clients(connection: sa.Connection, client_ids) -> None:
    """Write again these clients' rows (their ids, or a SELECT of them)."""
    held = hold_clients(connection, client_ids)
    if held:
        write_reaches(connection, MilestoneReach.client_id.in_(held), Placement.client_id.in_(held))


def write_reaches_of_milestones(connection: sa.Connection, milestone_ids: set[int]) -> None:
    """Write again every job's rows of these milestones (a schedule edited or removed),
    the clients of their funders held first, as every writer of a client's rows does."""
    chosen = sorted(milestone_ids)
    funders = sa.select(Milestone.funder_id).where(Milestone.id.in_(chosen))
    hold_clients(
        connection, sa.select(Authorization.client_id).where(Authorization.funder_id.in_(funders))
    )
    write_reaches(connection, MilestoneReach.milestone_id.in_(chosen), Milestone.id.in_(chosen))


def keep_milestone_reaches(session: so.Session, flush_context) -> None:
    """After each flush: the rows of the clients and milestones whose records it wrote."""
    client_ids: set[int] = set()
    job_ids: set[int] = set()
    milestone_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        names = WATCHED.get(type(obj))
        if names is None or not wrote(obj, session, names):
            continue
        if isinstance(obj, Milestone):
            milestone_ids.add(obj.id)
        elif isinstance(obj, MilestoneClaim):
            job_ids.add(obj.placement_id)
        else:
            client_ids |= client_ids_of(obj)
    if job_ids:  # a claim's client, by its job
        jobs = sa.select(Placement.client_id).where(Placement.id.in_(sorted(job_ids)))
        client_ids |= set(session.connection().scalars(jobs))
    if client_ids:
        write_reaches_of_clients(session.connection(), client_ids)
    if milestone_ids:
        write_reaches_of_milestones(session.connection(), milestone_ids)


def start_keeping(session) -> None:
    """Listen to the app's session (called once, from create_app)."""
    if not sa.event.contains(session, "after_flush", keep_milestone_reaches):
        sa.event.listen(session, "after_flush", keep_milestone_reaches)
