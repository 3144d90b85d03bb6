"""Billing rules: the service types and funders admins keep, who sees which
authorizations, overlaps, units used and left, and whether each visit is billable.

A visit's billability is stored on the visit (authorization, units, billable, reason) and
worked out again whenever one of the client's visits ends, is amended or deleted (for the
visits of its service from its time on: `rebill_after_change`), or one of their
authorizations is added or changed (all their visits: `rebill_client`). Pages then
read it like any other column, so the visit list and the client page cost the same
whatever the number of visits (docs/features.md, "Funders and authorizations")."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.agency import current_agency
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.forms import options
from coach.models import (
    Authorization,
    BilledVisit,
    Client,
    Funder,
    ServiceRate,
    ServiceType,
    User,
    Visit,
)
from coach.models.billing import TIME_UNITS, service_seed_rows
from coach.notereview.flags import refresh_flags
from coach.records import get_or_404
from coach.timeutil import to_local

WARN_SHARE = 80  # per cent of the units used
WARN_DAYS = 30  # days before the end


# --- service types and funders (admins) ----------------------------------------------


def seed_service_types() -> None:
    """The common supported-employment services, where the table is empty (the migration
    inserts the same rows in a real database)."""
    if db.session.scalar(sa.select(sa.func.count(ServiceType.id))):
        return
    db.session.add_all(ServiceType(**row) for row in service_seed_rows())


def all_services() -> list[ServiceType]:
    return db.session.scalars(
        sa.select(ServiceType).order_by(ServiceType.active.desc(), ServiceType.name)
    ).all()


def rates_in(first: date) -> dict[int, int]:
    """{service id: cents a unit} in the month starting `first`: each service's rate from
    the latest month on or before it. A service without one there has no rate (no
    amount on its claims)."""
    latest = (
        sa.select(ServiceRate.service_type_id, sa.func.max(ServiceRate.starts_on).label("month"))
        .where(ServiceRate.starts_on <= first)
        .group_by(ServiceRate.service_type_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ServiceRate.service_type_id, ServiceRate.rate_cents).join(
            latest,
            sa.and_(
                latest.c.service_type_id == ServiceRate.service_type_id,
                latest.c.month == ServiceRate.starts_on,
            ),
        )
    )
    return {service_id: rate for service_id, rate in rows if rate is not None}


def rate_history(service: ServiceType) -> list[ServiceRate]:
    """The service's rates, the latest month first."""
    return db.session.scalars(
        sa.select(ServiceRate)
        .where(ServiceRate.service_type_id == service.id)
        .order_by(ServiceRate.starts_on.desc())
    ).all()


def set_rate(service: ServiceType, first: date, cents: int | None, user_id: int | None) -> str:
    """The service's rate from the month starting `first` (None: no rate from then): that
    month's rate is replaced if it has one. Returns what changed, for the audit log.
    Nothing is committed here."""
    rate = db.session.scalar(
        sa.select(ServiceRate).where(
            ServiceRate.service_type_id == service.id, ServiceRate.starts_on == first
        )
    )
    before = rate_text(None if rate is None else rate.rate_cents)
    if rate is None:
        rate = ServiceRate(service_type_id=service.id, starts_on=first)
        db.session.add(rate)
    rate.rate_cents, rate.created_by_id = cents, user_id
    return f"rate from {rate.month_label}: {before} → {rate_text(cents)}"


def rate_text(cents: int | None) -> str:
    return "none" if cents is None else f"${cents / 100:,.2f}"


def delete_service(service: ServiceType) -> None:
    """Delete a service nothing names, with its rates. Nothing is committed here."""
    db.session.execute(sa.delete(ServiceRate).where(ServiceRate.service_type_id == service.id))
    db.session.delete(service)


def all_funders() -> list[Funder]:
    return db.session.scalars(sa.select(Funder).order_by(Funder.active.desc(), Funder.name)).all()


def get_service(service_id: int) -> ServiceType:
    return get_or_404(sa.select(ServiceType).where(ServiceType.id == service_id))


def get_funder(funder_id: int) -> Funder:
    return get_or_404(sa.select(Funder).where(Funder.id == funder_id))


def code_taken(code: str, service_id: int | None = None, retry_of=None) -> bool:
    """Whether another service has the code; `retry_of` (user id, idempotency key): the
    service a first tap of the same form made is not another."""
    query = sa.select(ServiceType.id).where(sa.func.upper(ServiceType.code) == code.upper())
    if service_id:
        query = query.where(ServiceType.id != service_id)
    if retry_of:
        made_by, key = retry_of
        query = query.where(
            sa.or_(ServiceType.created_by_id != made_by, ServiceType.idempotency_key != key)
        )
    return db.session.scalar(query) is not None


def service_used(service: ServiceType) -> bool:
    """Whether a visit or an authorization names the service: then it is deactivated,
    never deleted."""
    visit = sa.select(Visit.id).where(Visit.service_type_id == service.id)
    granted = sa.select(Authorization.id).where(Authorization.service_type_id == service.id)
    return bool(db.session.scalar(sa.select(sa.or_(visit.exists(), granted.exists()))))


def service_choices(keep_id: int | None = None, time_only: bool = False) -> list:
    """Active service types as select options (and the one a record already names)."""
    query = sa.select(ServiceType.id, ServiceType.name).where(
        sa.or_(ServiceType.active, ServiceType.id == (keep_id or 0))
    )
    if time_only:
        kept = ServiceType.id == (keep_id or 0)
        query = query.where(sa.or_(ServiceType.unit.in_(TIME_UNITS), kept))
    return list(db.session.execute(query.order_by(ServiceType.name)))


def funder_choices(keep_id: int | None = None) -> list:
    query = sa.select(Funder.id, Funder.name).where(
        sa.or_(Funder.active, Funder.id == (keep_id or 0))
    )
    return list(db.session.execute(query.order_by(Funder.name)))


def visit_service_options(keep_id: int | None = None) -> list:
    """The visit form's service select: the services a visit's time counts in."""
    return options([(0, "No service type"), *service_choices(keep_id, time_only=True)])


# --- authorizations: who sees them ---------------------------------------------------


def visible_authorizations(user: User) -> sa.Select:
    """Authorizations of clients this user may see: every query of them starts here."""
    return (
        sa.select(Authorization)
        .join(Client, Client.id == Authorization.client_id)
        .where(may_see_client(user))
    )


def get_authorization_for(user: User, authorization_id: int) -> Authorization:
    """The authorization with its client, if this user may see the client; 404 otherwise."""
    query = (
        visible_authorizations(user)
        .where(Authorization.id == authorization_id)
        .options(so.contains_eager(Authorization.client))
    )
    return get_or_404(query)


def hold_client(client_id: int) -> None:
    """Make one save of this client's authorizations wait for another until it commits,
    so two at once cannot both pass the overlap check. A no-op UPDATE of the client row
    takes PostgreSQL's row lock and SQLite's write lock, both held until commit; the
    check after it then sees what the other saved (tests/test_billing_race.py)."""
    clients = Client.__table__
    db.session.execute(sa.update(clients).where(clients.c.id == client_id).values(id=clients.c.id))


def overlapping(
    client_id: int, service_id: int, start: date, end: date, exclude_id: int | None = None
) -> Authorization | None:
    """Another authorization of the client for the same service whose dates meet these."""
    query = sa.select(Authorization).where(
        Authorization.client_id == client_id,
        Authorization.service_type_id == service_id,
        Authorization.start_date <= end,
        Authorization.end_date >= start,
    )
    if exclude_id:
        query = query.where(Authorization.id != exclude_id)
    return db.session.scalars(query.order_by(Authorization.start_date)).first()


# --- units used and left, and the warnings --------------------------------------------


def used_units(authorization_id) -> sa.ScalarSelect:
    """The units of the billable visits counted against an authorization, in SQL."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Visit.billing_units), 0))
        .where(Visit.authorization_id == authorization_id, Visit.billable)
        .where(Visit.deleted_at.is_(None))
        .correlate_except(Visit)
        .scalar_subquery()
    )


@dataclass
class Usage:
    authorization: Authorization
    used: int
    today: date

    @property
    def left(self) -> int:
        return max(0, self.authorization.units - self.used)

    @property
    def percent(self) -> int:
        """Share used, in whole per cent (rounded down; 100 at most for the bar)."""
        units = self.authorization.units
        return min(100, self.used * 100 // units) if units else 100

    @property
    def nearly_used(self) -> bool:
        return nearly_used(self.used, self.authorization.units) and not self.over

    @property
    def ending_soon(self) -> bool:
        return ending_soon(self.authorization.end_date, self.today)

    @property
    def over(self) -> bool:
        return self.authorization.end_date < self.today

    @property
    def current(self) -> bool:
        return self.authorization.covers(self.today)


def nearly_used(used: int, units: int) -> bool:
    """At least 80 % of the units used."""
    return used * 100 >= WARN_SHARE * units


def ending_soon(end: date, today: date) -> bool:
    """The authorization ends within 30 days (and has not ended)."""
    return today <= end <= today + timedelta(days=WARN_DAYS)


def with_authorizations() -> tuple:
    """Loader options for a client query: their authorizations, funders, services and the
    units used, joined into the client's own query (a handful of rows; the client page
    has no query to spare)."""
    grants = so.joinedload(Client.authorizations)
    return (
        grants.with_expression(Authorization.used, used_units(Authorization.id)),
        grants.joinedload(Authorization.funder),
        grants.joinedload(Authorization.service_type),
    )


def usages(client: Client, today: date) -> list[Usage]:
    """The client's authorizations (loaded by with_authorizations), newest first."""
    return [Usage(a, int(a.used or 0), today) for a in client.authorizations]


# --- each visit: its default service, and whether it is billable ---------------------


def default_service(client_id: int, day: date) -> int | None:
    """The service of the client's authorization covering `day` (the first, if several)."""
    return db.session.scalar(
        sa.select(Authorization.service_type_id)
        .join(ServiceType, ServiceType.id == Authorization.service_type_id)
        .where(Authorization.client_id == client_id, ServiceType.unit.in_(TIME_UNITS))
        .where(Authorization.start_date <= day, Authorization.end_date >= day)
        .order_by(Authorization.start_date, Authorization.id)
        .limit(1)
    )


def units_in(unit: str, minutes: int, quarter_hours: int) -> int:
    """A visit's time in a service's unit: its 15-minute units as counted when it was
    saved, or hours (the last one counts from 30 minutes); one for a milestone."""
    if unit == "15min":
        return quarter_hours
    if unit == "hour":
        return (minutes + 30) // 60 if minutes > 0 else 0
    return 1


def short_date(day: date) -> str:
    return f"{day.month}/{day.day}"


def rebill_client(client_id: int, services=None, since=None) -> None:
    """Work out again which of the client's visits are billable, oldest first: a visit
    counts against the first authorization of its service covering its (local) date while
    units are left; otherwise it is kept, non-billable, with the reason. `services` and
    `since` narrow it to the visits of those services from that time (UTC) on, the units
    used before then read as one sum. The units of visits in a batch count first, whatever
    their date: the funder has been sent them, so a visit written up later for an earlier
    day cannot take the authorization past its total. Nothing is committed here."""
    tz = current_agency().timezone
    grants = db.session.scalars(
        sa.select(Authorization)
        .where(Authorization.client_id == client_id)
        .order_by(Authorization.start_date, Authorization.id)
    ).all()
    services_by_id = {s.id: s for s in db.session.scalars(sa.select(ServiceType))}
    query = (
        sa.select(Visit)
        .where(Visit.client_id == client_id, Visit.deleted_at.is_(None))
        .where(Visit.ended_at.is_not(None))
        .order_by(Visit.started_at, Visit.id)
        .options(so.undefer(Visit.billing_batch_id))
    )
    used = units_billed(client_id)
    if services is not None:
        query = query.where(Visit.service_type_id.in_(services), Visit.started_at >= since)
        for authorization_id, units in units_used_before(client_id, since).items():
            used[authorization_id] = used.get(authorization_id, 0) + units
    for visit in db.session.scalars(query):
        if visit.billing_batch_id is not None:  # billed: stays as billed, counted above
            continue
        day = to_local(visit.started_at, tz).date()
        bill = judge(visit, services_by_id.get(visit.service_type_id), grants, used, day)
        for name, value in bill.items():
            if getattr(visit, name) != value:
                setattr(visit, name, value)
        refresh_flags(visit)  # "over" follows billable; the review queue reads the flags


def units_billed(client_id: int) -> dict[int, int]:
    """{authorization id: units of the client's visits in a batch}."""
    return units_counted(client_id, in_batch=True)


def units_used_before(client_id: int, since) -> dict[int, int]:
    """{authorization id: units of the client's billable visits started before `since`
    and in no batch (those are counted by `units_billed`)}."""
    return units_counted(client_id, in_batch=False, before=since)


def units_counted(client_id: int, in_batch: bool, before=None) -> dict[int, int]:
    """{authorization id: units of the client's billable visits}, of those in a batch or
    those in none, started before `before` if given."""
    billed = sa.select(BilledVisit.visit_id).where(BilledVisit.visit_id == Visit.id).exists()
    query = (
        sa.select(Visit.authorization_id, sa.func.sum(Visit.billing_units))
        .where(Visit.client_id == client_id, Visit.billable, Visit.deleted_at.is_(None))
        .where(billed if in_batch else ~billed)
        .group_by(Visit.authorization_id)
    )
    if before is not None:
        query = query.where(Visit.started_at < before)
    return {authorization_id: int(units) for authorization_id, units in db.session.execute(query)}


def rebill_after_change(visit: Visit, service_before=None, started_before=None) -> None:
    """Work out billing again after one visit was written, ended, amended or deleted.
    Only the visits of its service (before and after the change) from its earlier start
    on can change: earlier visits and other services' visits count as they did. A visit
    without a service counts against nothing, so it changes no other visit."""
    services = {visit.service_type_id, service_before} - {None}
    since = min(t for t in (visit.started_at, started_before) if t is not None)
    db.session.flush()  # the visit's own change, for the sum of the units before it
    if services:
        rebill_client(visit.client_id, services, since)
    if visit.service_type_id is None and visit.ended_at is not None:
        for name, value in bill_columns(None, None, False, "No service type").items():
            setattr(visit, name, value)
    refresh_flags(visit)


def judge(visit: Visit, service, grants, used: dict, day: date) -> dict:
    """The billing columns of one visit, given the units already used of each grant."""
    if service is None:
        return bill_columns(None, None, False, "No service type")
    units = units_in(service.unit, visit.duration_minutes or 0, visit.service_units or 0)
    if units == 0:  # a $0 claim line is one a funder rejects
        return bill_columns(None, 0, False, f"Less than {service.units_text(1)}")
    grant = next((g for g in grants if g.service_type_id == service.id and g.covers(day)), None)
    if grant is None:
        note = f"No authorization for {service.name} on {short_date(day)}"
        return bill_columns(None, units, False, note)
    after = used.get(grant.id, 0) + units
    if after > grant.units:
        over = after - grant.units
        note = f"Exceeds authorization {grant.number}: {over} unit{'' if over == 1 else 's'} over"
        return bill_columns(grant.id, units, False, note)
    used[grant.id] = after
    return bill_columns(grant.id, units, True, "")


def bill_columns(authorization_id, units, billable: bool, note: str) -> dict:
    return dict(
        authorization_id=authorization_id,
        billing_units=units,
        billable=billable,
        billing_note=note[:200],
    )
