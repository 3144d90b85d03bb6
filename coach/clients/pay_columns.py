"""Two columns of a job kept from its pay history (PlacementChange), in the same flush.

`start_wage_cents` is the first wage recorded for the job (its earliest change with a
wage; without one, its own), and `pay_changed_on` the date of its latest change. The
outcome figures (coach/outcomes) read them from the job's row instead of looking up each
job's history: wage progression and the pay medians at L took 27 and 10 ms of SQL.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.models import Placement, PlacementChange


def first_wage_recorded() -> sa.ScalarSelect:
    return (
        sa.select(PlacementChange.hourly_wage_cents)
        .where(
            PlacementChange.placement_id == Placement.id,
            PlacementChange.hourly_wage_cents.is_not(None),
        )
        .order_by(PlacementChange.effective_date, PlacementChange.id)
        .limit(1)
        .scalar_subquery()
    )


def latest_change_date() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.max(PlacementChange.effective_date))
        .where(PlacementChange.placement_id == Placement.id)
        .scalar_subquery()
    )


def set_pay_columns(connection: sa.Connection, placement_ids) -> None:
    """Set the kept columns of these jobs (all jobs when None) from their history."""
    update = sa.update(Placement).values(
        start_wage_cents=sa.func.coalesce(first_wage_recorded(), Placement.hourly_wage_cents),
        pay_changed_on=latest_change_date(),
    )
    if placement_ids is not None:
        update = update.where(Placement.id.in_(sorted(placement_ids)))
    connection.execute(update, execution_options={"synchronize_session": False})


def placements_of(obj) -> set[int]:
    """The job whose pay a flushed record may have moved, before and after."""
    if isinstance(obj, Placement):
        state = sa.inspect(obj)
        moved = obj in state.session.new or state.attrs.hourly_wage_cents.history.has_changes()
        return {obj.id} if moved else set()
    history = sa.inspect(obj).attrs.placement_id.history
    return {id for id in (*history.added, *history.unchanged, *history.deleted) if id}


def keep_pay_columns(session: so.Session, flush_context) -> None:
    """After each flush: the kept columns of the jobs whose pay it wrote."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Placement | PlacementChange):
            ids |= placements_of(obj)
    if ids:
        set_pay_columns(session.connection(), ids)


def start_keeping(session) -> None:
    """Listen to the app's session (called once, from create_app)."""
    if not sa.event.contains(session, "after_flush", keep_pay_columns):
        sa.event.listen(session, "after_flush", keep_pay_columns)
