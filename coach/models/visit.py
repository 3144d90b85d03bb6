"""Job-site observations (visits) and the versions an amendment leaves behind."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.models.billing import BilledVisit
from coach.timeutil import utcnow

CONTACT_TYPES = {
    "on_site": "On site",
    "phone": "Phone",
    "video": "Video",
    "office": "In office",
}
# Time in the community (IPS: community-based services) is time with the client where
# they live and work: on site. The office, a phone call and a video call are not.
COMMUNITY_TYPES = ("on_site",)


def in_the_community(contact_type) -> sa.ColumnElement[bool]:
    """Whether a visit (its `contact_type` column) was in the community, in SQL: plain
    equalities, so the statement has no expanding IN (a day's sums are read by plan)."""
    return sa.or_(*(contact_type == kind for kind in COMMUNITY_TYPES))


# The structured note: (field, label, prompt shown to the coach).
NOTE_SECTIONS = [
    ("tasks_observed", "Tasks observed", "What was the client doing?"),
    ("performance", "Performance", "Speed, accuracy, quality, independence"),
    ("social_behaviour", "Social and behaviour", "With co-workers, customers, supervisor"),
    ("natural_supports", "Natural supports", "Co-workers or routines that help"),
    ("employer_feedback", "Employer feedback", "What the supervisor said"),
    ("concerns", "Concerns", "Anything that needs attention"),
    ("next_steps", "Next steps", "What happens before the next visit"),
]
NOTE_FIELDS = [name for name, _, _ in NOTE_SECTIONS]

QUICK_TAGS = [
    "Task training",
    "Met with supervisor",
    "Schedule change",
    "Fading support",
    "Positive feedback",
    "Accommodation",
    "Transportation",
    "Safety",
]

REVIEW_STATUSES = {
    "pending": "Waiting for review",
    "approved": "Approved",
    "returned": "Returned",
}

LOCATION_LABELS = {
    "on_site": "At the worksite",
    "off_site": "Away from worksite",
    "not_checked": "Location not checked",
}


# The sections a list shows a glimpse of, in this order: the first with text.
EXCERPT_ORDER = (
    "tasks_observed",
    "performance",
    "employer_feedback",
    "concerns",
    "next_steps",
    "social_behaviour",
    "natural_supports",
)


OPEN_VISIT = sa.text("ended_at IS NULL AND deleted_at IS NULL")
DONE_VISIT = sa.text("ended_at IS NOT NULL AND deleted_at IS NULL")
# Visits counted against an authorization. SQLite matches a partial index's terms as
# written, and the ORM writes a boolean there as "= 1"; PostgreSQL as the bare column.
BILLED_VISIT_SQLITE = sa.text("billable = 1 AND deleted_at IS NULL")
BILLED_VISIT_PG = sa.text("billable AND deleted_at IS NULL")
# The note review queue (coach/notereview) puts flagged notes first (false sorts before
# true), then orders by coach, start and id. ix_visits_review holds that order, so a page
# of the queue is read off the index, as the trip queue reads ix_trips_review. The '' is
# a literal: SQLite uses an index on an expression only for the same expression.
UNFLAGGED_LAST = "(review_flags = '')"


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        sa.Index("ix_visits_client_started", "client_id", "started_at", "id"),
        sa.Index("ix_visits_coach_started", "coach_id", "started_at", "id"),
        # Every coach's visits, newest first, read off the index to the page's end: with
        # the id, visits that started at the same minute need no sort (PostgreSQL at XL:
        # 5,049 visits at one time joined and sorted for 26, 61 ms).
        sa.Index("ix_visits_started_at", "started_at", "id"),
        # Partial indexes that hold all the client page asks of open and done visits, so
        # it does not read each of the client's visits (a hundred table pages, read again
        # whenever another process has written). SQLite 3.40 needs the WHERE's columns in
        # the index to read it alone.
        sa.Index(
            "ix_visits_open",
            "created_by_id",
            "client_id",
            "started_at",
            "ended_at",
            "deleted_at",
            sqlite_where=OPEN_VISIT,
            postgresql_where=OPEN_VISIT,
        ),
        sa.Index(
            "ix_visits_client_done",
            "client_id",
            "started_at",
            "duration_minutes",
            "service_units",
            "ended_at",
            "deleted_at",
            sqlite_where=DONE_VISIT,
            postgresql_where=DONE_VISIT,
        ),
        # The units used of an authorization (coach.billing.services.used_units) read from
        # here alone. A plain index on authorization_id was passed over once most visits
        # had none (as after the upgrade): the client page scanned 300k visits, 141 ms.
        sa.Index(
            "ix_visits_billed",
            "authorization_id",
            "billing_units",
            "billable",
            "deleted_at",
            sqlite_where=BILLED_VISIT_SQLITE,
            postgresql_where=BILLED_VISIT_PG,
        ),
        sa.Index(
            "ix_visits_review",
            "review_status",
            sa.text(UNFLAGGED_LAST),
            "coach_id",
            "started_at",
            "id",
        ),
        # A billing batch marks a funder's month of approved visits: per authorization
        # of the funder, its approved visits by start time, and nothing else, with or
        # without the planner's statistics (coach/billing/batches.py). An
        # authorization's units used read it too, by its first column.
        sa.Index(
            "ix_visits_authorization_review", "authorization_id", "review_status", "started_at"
        ),
        # Outcomes' community share of every caseload's hours (coach/outcomes/figures.py)
        # and a day's sums after each visit save (coach/visits/days.py): the period's
        # done visits read from the index alone.
        sa.Index(
            "ix_visits_done_started",
            "started_at",
            "contact_type",
            "duration_minutes",
            "client_id",
            "ended_at",
            "deleted_at",
            "service_units",
            sqlite_where=DONE_VISIT,
            postgresql_where=DONE_VISIT,
        ),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_visits_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    coach_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    placement_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("placements.id"), index=True
    )
    worksite_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("worksites.id"), index=True)
    # The plan objective the visit served (coach/plans), if the coach linked one.
    objective_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("plan_objectives.id"), index=True
    )
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))

    started_at: so.Mapped[datetime]
    ended_at: so.Mapped[datetime | None]
    duration_minutes: so.Mapped[int | None]
    # Units as counted when the visit was saved, under the rule then in force.
    service_units: so.Mapped[int | None]
    contact_type: so.Mapped[str] = so.mapped_column(sa.String(20), default="on_site")
    tags: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    tasks_observed: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    performance: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    social_behaviour: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    natural_supports: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    employer_feedback: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    concerns: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    next_steps: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    # The phone's fix, when the coach allowed it, and what it says about the worksite.
    latitude: so.Mapped[float | None]
    longitude: so.Mapped[float | None]
    accuracy_m: so.Mapped[float | None]
    distance_m: so.Mapped[float | None]
    location_status: so.Mapped[str] = so.mapped_column(sa.String(20), default="not_checked")

    # Billing (coach/billing/services.py): the service given, and what it counts against.
    # The last three are worked out from the visits and authorizations of the client
    # whenever either changes, never typed: billable only within an authorization.
    service_type_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("service_types.id"), index=True
    )
    authorization_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("authorizations.id"))
    billing_units: so.Mapped[int | None]  # in the service's unit
    billable: so.Mapped[bool] = so.mapped_column(default=False)
    billing_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # The billing export's batch the visit was billed in (coach/billing/batches.py), read
    # from its BilledVisit row: loaded only when asked for (so.undefer). A billed visit is
    # in no other batch unless a supervisor reopens its batch.
    billing_batch_id: so.Mapped[int | None] = so.column_property(
        sa.select(BilledVisit.batch_id)
        .where(BilledVisit.visit_id == id)
        .correlate_except(BilledVisit)
        .scalar_subquery(),
        deferred=True,
        raiseload=True,
    )

    # Supervisor review before billing (issue 21): "pending" until a supervisor approves
    # the note (then it is locked: later words are addenda) or returns it with a comment.
    review_status: so.Mapped[str] = so.mapped_column(sa.String(10), default="pending")
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: so.Mapped[datetime | None]
    review_comment: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    # Why the queue shows the note first ("late", "no_gps", "over", space-separated; ""
    # for none): worked out by coach.notereview.flags.refresh_flags whenever the visit's
    # billing is worked out, which every save and every change of authorizations does.
    review_flags: so.Mapped[str] = so.mapped_column(sa.String(40), default="")

    version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: so.Mapped[datetime | None]
    deleted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821
    coach: so.Mapped["User"] = so.relationship(foreign_keys=[coach_id], lazy="raise")  # noqa: F821
    placement: so.Mapped["Placement | None"] = so.relationship(lazy="raise")  # noqa: F821
    worksite: so.Mapped["Worksite | None"] = so.relationship(lazy="raise")  # noqa: F821
    service_type: so.Mapped["ServiceType | None"] = so.relationship(lazy="raise")  # noqa: F821
    versions: so.Mapped[list["VisitVersion"]] = so.relationship(
        back_populates="visit", lazy="raise", order_by="VisitVersion.version.desc()"
    )
    addenda: so.Mapped[list["VisitAddendum"]] = so.relationship(
        back_populates="visit",
        lazy="raise",
        order_by="(VisitAddendum.created_at, VisitAddendum.id)",
    )

    @property
    def in_progress(self) -> bool:
        return self.ended_at is None

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split("|") if t]

    @property
    def contact_label(self) -> str:
        return CONTACT_TYPES.get(self.contact_type, self.contact_type)

    @property
    def location_label(self) -> str:
        return LOCATION_LABELS.get(self.location_status, self.location_status)

    @property
    def has_note(self) -> bool:
        return any(getattr(self, name) for name in NOTE_FIELDS)

    @property
    def excerpt(self) -> str:
        """What a visit card shows of the note: the first section with text."""
        return next((text for name in EXCERPT_ORDER if (text := getattr(self, name))), "")


class VisitVersion(db.Model):
    """The visit as it was before an amendment: clinical records keep their history."""

    __tablename__ = "visit_versions"
    __table_args__ = (sa.UniqueConstraint("visit_id", "version", name="uq_visit_versions"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    visit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("visits.id"), index=True)
    version: so.Mapped[int]
    content: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON of the fields as they were
    amended_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    amended_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    reason: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    visit: so.Mapped[Visit] = so.relationship(back_populates="versions", lazy="raise")
    amended_by: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821


class VisitAddendum(db.Model):
    """Words added to an approved (locked) note: the note stays as it was approved, and
    each addendum shows under it with its own author and time."""

    __tablename__ = "visit_addenda"
    __table_args__ = (
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_visit_addenda_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    visit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("visits.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    visit: so.Mapped[Visit] = so.relationship(back_populates="addenda", lazy="raise")
    author: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821


class VisitDay(db.Model):
    """The agency's visits of one local day, summed: written again in the same flush as
    any visit of that day (coach/visits/days.py), so a figure over every caseload reads a
    row a day instead of every visit (outcomes' community share of a year at L: 300k
    visits, 91 ms, against 365 rows)."""

    __tablename__ = "visit_days"

    day: so.Mapped[date] = so.mapped_column(primary_key=True)  # the agency's local date
    visits: so.Mapped[int] = so.mapped_column(default=0)  # not deleted, open ones too
    minutes: so.Mapped[int] = so.mapped_column(default=0)  # of ended visits
    community_minutes: so.Mapped[int] = so.mapped_column(default=0)  # of those not in the office
    units: so.Mapped[int] = so.mapped_column(default=0)
