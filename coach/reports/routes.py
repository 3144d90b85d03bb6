"""Monthly progress reports: the client's list, writing, approval, versions, sharing."""

from datetime import date

from flask import flash, request, url_for
from flask_login import current_user

from coach import signing
from coach.agency import current_agency
from coach.audit.services import audit_view
from coach.clients.services import get_client_for
from coach.extensions import db
from coach.forms import ActionForm
from coach.reports import bp
from coach.reports import services as rs
from coach.reports.assembly import assemble
from coach.reports.forms import ReportForm, ReturnForm, ShareForm, StartForm
from coach.timeutil import utcnow
from coach.web import form_view, redirect_to, render, roles_required, saved_redirect

ALREADY_SENT = "That link was already made. To show it again, make a new link."


def _to_report(report_id: int):
    return redirect_to(url_for("reports.view_report", report_id=report_id))


@bp.route("/clients/<int:client_id>/reports", methods=["GET", "POST"])
@form_view
def client_reports(client_id: int):
    """The client's monthly reports, and the form that starts one."""
    client = get_client_for(current_user, client_id)
    form = StartForm()
    form.month.choices = rs.month_choices()
    if form.validate_on_submit():
        first = date.fromisoformat(form.month.data + "-01")
        report, created = rs.start_report(current_user, client, first, form.idempotency_key.data)
        db.session.commit()
        if not created:
            flash(f"{first:%B %Y} already has a report: here it is.", "info")
        return redirect_to(url_for("reports.edit_report", report_id=report.id))
    audit_view("client", client.id)
    return render(
        "reports/list.html", client=client, form=form, reports=rs.reports_of(current_user, client)
    )


@bp.route("/reports/<int:report_id>")
def view_report(report_id: int):
    """The report: live figures while it is written, the frozen version once approved."""
    report = rs.get_report_for(current_user, report_id)
    version = rs.approved_version(report) if report.is_approved else None
    if version is not None:
        figures = rs.figures_of(version)
    else:
        figures = assemble(report.client, report.month_start, current_agency().timezone)
    audit_view("progress_report", report.id)
    return render(
        "reports/report.html",
        report=report,
        version=version,
        f=figures,
        charts=rs.task_charts(figures),
        can_review=rs.can_review(current_user, report),
    )


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@form_view
def edit_report(report_id: int):
    """Write the summary and next month's focus; after approval this starts a version."""
    report = rs.get_report_for(current_user, report_id)
    form = ReportForm(obj=report)
    form.funder_id.choices = rs.funder_choices(report.client_id)
    if request.method == "GET":
        form.funder_id.data = report.funder_id or 0
    if form.validate_on_submit():

        def fill(item):
            item.summary, item.next_focus = form.summary.data or "", form.next_focus.data or ""
            item.funder_id = form.funder_id.data or None

        rs.save_text(report, current_user, fill)
        return saved_redirect(url_for("reports.view_report", report_id=report.id))
    audit_view("progress_report", report.id)
    return render("reports/form.html", form=form, report=report)


@bp.route("/reports/<int:report_id>/submit", methods=["POST"])
def submit_report(report_id: int):
    """The coach sends the report for a supervisor's approval."""
    report = rs.get_report_for(current_user, report_id)
    if ActionForm().validate_on_submit():
        problem = rs.submit(report)
        flash(problem or "Sent for approval.", "error" if problem else "success")
        db.session.commit()
    return _to_report(report.id)


def _reviewable(report_id: int):
    report = rs.get_report_for(current_user, report_id)
    if not rs.can_review(current_user, report):
        flash("You cannot decide on this report (it is your own, or not waiting).", "error")
        return report, False
    return report, True


@bp.route("/reports/<int:report_id>/approve", methods=["POST"])
@roles_required("supervisor", "admin")
def approve_report(report_id: int):
    """Approve the version: its figures are frozen as they are now."""
    report, ok = _reviewable(report_id)
    if ok and ActionForm().validate_on_submit():
        done = rs.approve(report, current_user, current_agency().timezone)
        flash(
            f"Version {report.version} approved." if done else "Someone decided first.",
            "success" if done else "error",
        )
        db.session.commit()
    return _to_report(report.id)


@bp.route("/reports/<int:report_id>/return", methods=["POST"])
@roles_required("supervisor", "admin")
def return_report(report_id: int):
    """Send the report back to the coach with what to change."""
    report, ok = _reviewable(report_id)
    form = ReturnForm()
    if ok and form.validate_on_submit():
        done = rs.return_report(report, current_user, form.comment.data)
        flash(
            "Returned to the coach." if done else "Someone decided first.",
            "success" if done else "error",
        )
        db.session.commit()
    elif ok:
        flash("Say what the coach should change.", "error")
    return _to_report(report.id)


@bp.route("/reports/<int:report_id>/versions/<int:version>")
def view_version(report_id: int, version: int):
    """An approved version, frozen as it was approved."""
    kept = rs.get_version_for(current_user, report_id, version)
    audit_view("progress_report", report_id)
    figures = rs.figures_of(kept)
    return render(
        "reports/version.html",
        version=kept,
        report=kept.report,
        f=figures,
        charts=rs.task_charts(figures),
    )


@bp.route("/reports/<int:report_id>/share", methods=["GET", "POST"])
@form_view
def share_report(report_id: int):
    """A read-only link to the newest approved version: emailed, or shown as a QR code."""
    report = rs.get_report_for(current_user, report_id)
    version = rs.approved_version(report)
    if version is None:
        flash("Only an approved report can be shared.", "error")
        return _to_report(report.id)
    funder = report.funder
    form = ShareForm(
        contact_name=funder and funder.contact_name, contact_email=funder and funder.contact_email
    )
    if form.validate_on_submit() and (base := signing.link_base(form, "Report link")):
        return _send_link(report, version, form, base)
    audit_view("progress_report", report.id)
    return render(
        "reports/share.html",
        form=form,
        report=report,
        version=version,
        links=rs.links_of(report),
        now=utcnow(),
    )


def _send_link(report, version, form: ShareForm, base: str):
    """Make the link once per idempotency key and show it (its token, this once)."""
    made = rs.create_link(report, version, current_user, form, base)
    if made is None:  # a retried or double-tapped send
        flash(ALREADY_SENT, "info")
        return _to_report(report.id)
    db.session.commit()
    link, url = made
    return signing.link_ready_page(
        link,
        url,
        form.how.data,
        who="The counsellor",
        label="Report link",
        field_id="report-url",
        done_url=url_for("reports.view_report", report_id=report.id),
    )


@bp.route("/reports/<int:report_id>/revoke", methods=["POST"])
def revoke_links(report_id: int):
    """Stop every open link of the report from working."""
    report = rs.get_report_for(current_user, report_id)
    if ActionForm().validate_on_submit():
        if rs.revoke_links(report, "revoked by the coach"):
            flash("The links no longer work.", "success")
        db.session.commit()
    return redirect_to(url_for("reports.share_report", report_id=report.id))


@bp.route("/reports/review")
@roles_required("supervisor", "admin")
def review():
    """Reports waiting for approval, oldest first."""
    return render("reports/review.html", reports=rs.review_queue(current_user))
