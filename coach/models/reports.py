"""The monthly progress report of a client: the coach's summary and next month's focus on
figures assembled from the month's records, approved by a supervisor, kept in versions
(each approval freezes one), and shared read-only with a funder's counsellor through a
capability link (coach.signing)."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

REPORT_STATUSES = {
    "draft": "Being written",
    "submitted": "Waiting for approval",
    "approved": "Approved",
    "returned": "Returned",
}
# A report the coach may still change without starting a new version.
WRITABLE = ("draft", "returned")


class ProgressReport(db.Model):
    """One client's report of one month (agency local month). `version` is the version
    being written or, once approved, the last approved one; its summary and focus are
    here, its frozen figures in ReportVersion."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "month_start", name="uq_progress_reports_month"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_progress_reports_idempotency"
        ),
        sa.Index("ix_progress_reports_status", "status", "submitted_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    month_start: so.Mapped[date]  # the first day of the month reported
    # Whose counsellor the report is addressed to (a funder of the client's), if any.
    funder_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("funders.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # Who last changed the text: they may not approve it (four eyes).
    edited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="draft")
    version: so.Mapped[int] = so.mapped_column(default=1)
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    next_focus: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    submitted_at: so.Mapped[datetime | None]
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    reviewed_at: so.Mapped[datetime | None]
    review_comment: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821
    funder: so.Mapped["Funder | None"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def status_label(self) -> str:
        return REPORT_STATUSES.get(self.status, self.status)

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"

    @property
    def writable(self) -> bool:
        return self.status in WRITABLE

    @property
    def approved_versions(self) -> list[int]:
        """The numbers of the approved versions, newest first: every version before the
        one being written was approved (an edit after approval starts the next one)."""
        last = self.version if self.is_approved else self.version - 1
        return list(range(last, 0, -1))


class ReportVersion(db.Model):
    """An approved version, frozen: its texts and the figures as assembled when the
    supervisor approved it (JSON). Written once; nothing changes it afterwards."""

    __tablename__ = "report_versions"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "version", name="uq_report_versions_version"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_reports.id"))
    version: so.Mapped[int]
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    next_focus: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    figures: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON: coach.reports.assembly
    addressed_to: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    written_by: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    approved_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    approved_by: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    approved_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    report: so.Mapped[ProgressReport] = so.relationship(lazy="raise")


class ReportLink(db.Model):
    """A read-only capability link to one approved version (coach.signing's link: only the
    token's hash is kept, it expires, it can be revoked). It is never "used": reading it
    decides nothing, so `used_at` stays empty."""

    __tablename__ = "report_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_reports.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("report_versions.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The share form's key: a retried "Make the link" does not make (and email) a second.
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    sent_to_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    sent_to_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    emailed: so.Mapped[bool] = so.mapped_column(default=False)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    first_viewed_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]
    used_at: so.Mapped[datetime | None]

    version: so.Mapped[ReportVersion] = so.relationship(lazy="raise")

    def state(self, now: datetime) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"
