"""Monthly progress report rules: who sees which report, writing it once per month and
idempotency key, the coach's submit, the supervisor's approval or return, versions (an
approval freezes the figures; an edit after approval starts the next version), and the
read-only link for a funder's counsellor (coach.signing's capability link)."""

import json
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for

from coach import signing
from coach.agency import agency_today, current_agency
from coach.audit.services import record_event
from coach.charts import chart_geometry
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.forms import options
from coach.mail import send_mail
from coach.models import (
    Authorization,
    Client,
    Funder,
    ProgressReport,
    ReportLink,
    ReportVersion,
    User,
)
from coach.records import create_once, get_or_404, save_edit
from coach.reports.assembly import assemble
from coach.signing import sha256_hex
from coach.timeutil import utcnow

# Free text about the person: the audit log names these fields, never their text.
PRIVATE = ("summary", "next_focus")
MONTHS_OFFERED = 4  # the months a new report may be for: this one and the three before
REVIEW_SHOWN = 50  # reports on the supervisor's queue page


# --- who sees what ------------------------------------------------------------------


def visible_reports(user: User) -> sa.Select:
    """Reports of the clients this user may see: every query of reports starts here."""
    return (
        sa.select(ProgressReport)
        .join(Client, Client.id == ProgressReport.client_id)
        .where(may_see_client(user))
    )


def get_report_for(user: User, report_id: int) -> ProgressReport:
    """A report with its client and the funder it is addressed to, or 404."""
    return get_or_404(
        visible_reports(user)
        .where(ProgressReport.id == report_id)
        .options(so.contains_eager(ProgressReport.client), so.joinedload(ProgressReport.funder))
    )


def get_version_for(user: User, report_id: int, version: int) -> ReportVersion:
    """An approved version of a report this user may see, with its report and client."""
    return get_or_404(
        sa.select(ReportVersion)
        .join(ProgressReport, ProgressReport.id == ReportVersion.report_id)
        .join(Client, Client.id == ProgressReport.client_id)
        .where(may_see_client(user), ReportVersion.report_id == report_id)
        .where(ReportVersion.version == version)
        .options(so.contains_eager(ReportVersion.report).contains_eager(ProgressReport.client))
    )


def reports_of(user: User, client: Client) -> list[ProgressReport]:
    """The client's reports, newest month first."""
    return list(
        db.session.scalars(
            visible_reports(user)
            .where(ProgressReport.client_id == client.id)
            .order_by(ProgressReport.month_start.desc())
        )
    )


def review_queue(user: User) -> list[ProgressReport]:
    """Reports waiting for approval, oldest first, with their clients (one query)."""
    return list(
        db.session.scalars(
            visible_reports(user)
            .where(ProgressReport.status == "submitted")
            .options(so.contains_eager(ProgressReport.client))
            .order_by(ProgressReport.submitted_at, ProgressReport.id)
            .limit(REVIEW_SHOWN)
        )
    )


# --- months and funders -------------------------------------------------------------


def month_choices(today: date | None = None) -> list:
    """This month and the three before, newest first, as select choices ('2026-11')."""
    today = today or agency_today()
    year, month, months = today.year, today.month, []
    for _ in range(MONTHS_OFFERED):
        first = date(year, month, 1)
        months.append((first.strftime("%Y-%m"), first.strftime("%B %Y")))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return options(months)


def funder_choices(client_id: int) -> list:
    """ "Nobody in particular" and the funders with an authorization for the client."""
    rows = db.session.execute(
        sa.select(Funder.id, Funder.name, Funder.contact_name)
        .join(Authorization, Authorization.funder_id == Funder.id)
        .where(Authorization.client_id == client_id)
        .distinct()
        .order_by(Funder.name, Funder.id)
    )
    pairs = [(fid, f"{name} ({who})" if who else name) for fid, name, who in rows]
    return options([(0, "Nobody in particular"), *pairs])


def addressed_to(report: ProgressReport) -> str:
    """'State VR, Dana Cruz' for the report's funder and its counsellor, or ''."""
    funder = report.funder
    if funder is None:
        return ""
    return ", ".join(part for part in (funder.name, funder.contact_name) if part)


# --- writing, approving, versions ---------------------------------------------------


def report_of_month(client_id: int, first: date) -> ProgressReport | None:
    return db.session.scalar(
        sa.select(ProgressReport).where(
            ProgressReport.client_id == client_id, ProgressReport.month_start == first
        )
    )


def start_report(user: User, client: Client, first: date, key: str) -> tuple[ProgressReport, bool]:
    """The client's report of the month starting `first`: made once per idempotency key;
    a month that already has one gets that one (created False)."""
    existing = report_of_month(client.id, first)
    if existing is not None:
        return existing, False
    report, created = create_once(
        ProgressReport(client_id=client.id, month_start=first), user.id, key
    )
    if created:
        record_event("create", "progress_report", report.id, f"{first:%Y-%m}")
    return report, created


def save_text(report: ProgressReport, user: User, fill: Callable) -> str:
    """Save the summary, the focus and whom it is addressed to (audited). A change to an
    approved report starts the next version (the approved one stays as it was); a change
    to a submitted one takes it back to a draft, to be sent again."""
    status = report.status
    changes = save_edit(
        report, "progress_report", ["summary", "next_focus", "funder_id"], fill, PRIVATE
    )
    if changes:
        report.edited_by_id = user.id
    if changes and status in ("approved", "submitted"):
        if status == "approved":
            report.version += 1
            record_event(
                "update", "progress_report", report.id, f"version {report.version} started"
            )
        report.status = "draft"
        db.session.commit()
    return changes


def can_submit(report: ProgressReport) -> str | None:
    """Why the report cannot go for approval yet, or None."""
    if not report.writable:
        return "This report is not being written: nothing to send for approval."
    if not report.summary.strip() or not report.next_focus.strip():
        return "Write the summary and next month's focus first."
    return None


def submit(report: ProgressReport) -> str | None:
    """The coach sends the version for approval; None, or why not."""
    if problem := can_submit(report):
        return problem
    report.status, report.submitted_at = "submitted", utcnow()
    report.review_comment = ""
    record_event("submit", "progress_report", report.id, f"version {report.version}")
    return None


def can_review(user: User, report: ProgressReport) -> bool:
    """A supervisor or admin decides on a report that waits for approval, if they
    neither wrote it nor last changed its text (four eyes)."""
    return (
        user.sees_all_caseloads
        and user.id not in (report.created_by_id, report.edited_by_id)
        and report.status == "submitted"
    )


def writers(report: ProgressReport) -> str:
    """Who wrote the report's text: its writer, and who last changed it if someone else
    ("Casey Coach, edited by Sam Supervisor")."""
    ids = [report.created_by_id, report.edited_by_id]
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())
    writer = names.get(report.created_by_id, "")
    if report.edited_by_id in (None, report.created_by_id):
        return writer
    return f"{writer}, edited by {names.get(report.edited_by_id, '')}"[:120]  # its column


def _decide(report: ProgressReport, **values) -> bool:
    """Change a waiting report in one conditional UPDATE: of two supervisors deciding at
    once, exactly one does."""
    return signing.take_once(
        ProgressReport,
        report.id,
        values,
        ProgressReport.status == "submitted",
        ProgressReport.version == report.version,
    )


def approve(report: ProgressReport, user: User, tz_name: str) -> ReportVersion | None:
    """Approve the version: its figures are assembled now and frozen with its texts.
    None if someone else decided first."""
    now = utcnow()
    if not _decide(
        report, status="approved", reviewed_by_id=user.id, reviewed_at=now, review_comment=""
    ):
        return None
    figures = assemble(report.client, report.month_start, tz_name)
    version = ReportVersion(
        report_id=report.id,
        version=report.version,
        summary=report.summary,
        next_focus=report.next_focus,
        figures=json.dumps(figures, sort_keys=True),
        addressed_to=addressed_to(report),
        written_by=writers(report),
        approved_by_id=user.id,
        approved_by=user.name,
        approved_at=now,
    )
    db.session.add(version)
    record_event("approve", "progress_report", report.id, f"version {report.version}")
    db.session.flush()
    db.session.refresh(report)
    return version


def return_report(report: ProgressReport, user: User, comment: str) -> bool:
    """Send the version back to the coach with what to change."""
    if not _decide(
        report,
        status="returned",
        reviewed_by_id=user.id,
        reviewed_at=utcnow(),
        review_comment=comment,
    ):
        return False
    record_event("return", "progress_report", report.id, "returned with a comment")
    db.session.refresh(report)
    return True


def approved_version(report: ProgressReport) -> ReportVersion | None:
    """The newest approved version (what a link shares), or None."""
    if not report.approved_versions:
        return None
    return db.session.scalar(
        sa.select(ReportVersion).where(
            ReportVersion.report_id == report.id,
            ReportVersion.version == report.approved_versions[0],
        )
    )


def figures_of(version: ReportVersion) -> dict:
    return json.loads(version.figures)


# --- the read-only link -------------------------------------------------------------


def links_of(report: ProgressReport) -> list[ReportLink]:
    return list(
        db.session.scalars(
            sa.select(ReportLink)
            .where(ReportLink.report_id == report.id)
            .options(so.joinedload(ReportLink.version))
            .order_by(ReportLink.created_at.desc(), ReportLink.id.desc())
        )
    )


def revoke_links(report: ProgressReport, why: str) -> int:
    """Stop the report's open links from working (logged if there were any)."""
    count = signing.revoke_open(ReportLink, utcnow(), ReportLink.report_id == report.id)
    if count:
        record_event("revoke", "progress_report", report.id, f"{count} link(s): {why}")
    return count


def create_link(report: ProgressReport, version: ReportVersion, user: User, form, base_url: str):
    """A link to read `version`, under the share form's idempotency key: (link, url), or
    None when the key already made one (a retried or double-tapped send). The URL holds
    the token: it is shown on this answer only, and the database keeps its hash."""
    token = signing.new_token()
    link = ReportLink(
        report_id=report.id,
        version_id=version.id,
        token_hash=sha256_hex(token),
        sent_to_name=form.contact_name.data,
        sent_to_email=form.contact_email.data or "",
        expires_at=signing.link_expiry(),
    )
    link, created = create_once(link, user.id, form.idempotency_key.data)
    if not created:
        db.session.rollback()
        return None
    url = base_url + url_for("reports.shared", share_token=token)
    if form.how.data == "email":
        link.emailed = email_link(report, version, link, url, user)
    record_event(
        "send",
        "progress_report",
        report.id,
        f"link {link.id} to version {version.version} for "
        f"{link.sent_to_email or 'shown on the phone'}",
    )
    return link, url


def email_link(report, version: ReportVersion, link: ReportLink, url: str, user: User) -> bool:
    agency = current_agency().name
    month = report.month_start.strftime("%B %Y")
    subject = f"{agency}: progress report for {month}"
    body = (
        f"Hello {link.sent_to_name},\n\n{user.name} of {agency} sends you the monthly progress "
        f"report of {report.client.first_name} {report.client.last_name[:1]}. for {month} "
        f"(version {version.version}, approved).\n\n"
        f"Read it here (no account needed; the page can be printed):\n{url}\n\n"
        f"The link expires on {signing.expiry_text(link)}.\n"
    )
    redacted = body.replace(url, "[report link, not stored]")
    return send_mail(link.sent_to_email, subject, body, redacted_body=redacted)


def find_link(token: str) -> ReportLink | None:
    """The link of this token, whatever its state, or None."""
    return signing.find_by_token(ReportLink, token)


def shared_version(link: ReportLink) -> ReportVersion:
    return db.session.get(ReportVersion, link.version_id)


def task_charts(figures: dict) -> list[dict | None]:
    """Each task's line of the month's runs (coach.charts), for a task run twice or more;
    drawn from the figures, so a frozen version draws its own."""
    return [
        chart_geometry(task["points"]) if len(task["points"]) > 1 else None
        for task in figures["tasks"]
    ]
