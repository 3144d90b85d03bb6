from flask import flash, request, url_for
from flask_login import current_user

from coach.audit.services import audit_view
from coach.clients.services import get_client_for
from coach.forms import ActionForm
from coach.models import PastJob
from coach.profile import bp
from coach.profile.forms import SECTIONS, PastJobForm
from coach.profile.services import (
    add_past_job,
    earnings_reported,
    fill_past_job,
    get_past_job_for,
    get_profile_for,
    profile_page,
    remove_past_job,
    save_past_job,
    save_section,
)
from coach.web import form_view, redirect_to, render, saved_redirect

SECTION_NAMES = ", ".join(SECTIONS)


def _profile_url(client_id: int, section: str = "") -> str:
    return url_for("profile.view_profile", client_id=client_id) + (f"#{section}" if section else "")


@bp.route("/clients/<int:client_id>/profile")
def view_profile(client_id: int):
    """The person's career profile: each section with its Edit, and the work history."""
    page = profile_page(current_user, client_id)
    audit_view("client", client_id)
    return render("profile/profile.html", sections=SECTIONS, **page)


@bp.route(
    f"/clients/<int:client_id>/profile/<any({SECTION_NAMES}):section>", methods=["GET", "POST"]
)
@form_view
def edit_section(client_id: int, section: str):
    """Edit one section of the profile: a small form, saved and audited on its own."""
    profile = get_profile_for(current_user, client_id)
    if request.method == "GET":
        audit_view("client", client_id)
    form = SECTIONS[section].form(obj=profile)
    if form.validate_on_submit():
        save_section(current_user, profile, section, form)
        return saved_redirect(_profile_url(client_id, section))
    return render(
        "profile/section_form.html",
        form=form,
        client=profile.client,
        section=section,
        title=SECTIONS[section].title,
    )


@bp.route("/clients/<int:client_id>/profile/earnings-reported", methods=["POST"])
def report_earnings(client_id: int):
    """The coach helped with this month's earnings report: the next is due in a month."""
    profile = get_profile_for(current_user, client_id)
    if ActionForm().validate_on_submit() and profile.earnings_report_due is not None:
        earnings_reported(profile)
    return redirect_to(_profile_url(client_id, "benefits"))


@bp.route("/clients/<int:client_id>/profile/jobs/new", methods=["GET", "POST"])
@form_view
def new_past_job(client_id: int):
    """Add a job to the person's work history."""
    client = get_client_for(current_user, client_id)
    if request.method == "GET":
        audit_view("client", client_id)
    form = PastJobForm()
    if form.validate_on_submit():
        job = PastJob(client_id=client.id)
        fill_past_job(form, job)
        add_past_job(current_user, form.idempotency_key.data, job)
        flash("Job added to the work history.", "success")
        return saved_redirect(_profile_url(client.id, "history"))
    return render("profile/past_job_form.html", form=form, client=client, job=None)


@bp.route("/past-jobs/<int:past_job_id>/edit", methods=["GET", "POST"])
@form_view
def edit_past_job(past_job_id: int):
    """Edit a job of the work history."""
    job = get_past_job_for(current_user, past_job_id)
    if request.method == "GET":
        audit_view("past_job", job.id)
    form = PastJobForm(obj=job)
    if form.validate_on_submit():
        save_past_job(job, form)
        return saved_redirect(_profile_url(job.client_id, "history"))
    return render("profile/past_job_form.html", form=form, client=job.client, job=job)


@bp.route("/past-jobs/<int:past_job_id>/remove", methods=["POST"])
def remove_past_job_view(past_job_id: int):
    """Take a job off the work history (entered by mistake)."""
    job = get_past_job_for(current_user, past_job_id)
    client_id = job.client_id
    if ActionForm().validate_on_submit():
        remove_past_job(job)
        flash("Job removed from the work history.", "success")
    return redirect_to(_profile_url(client_id, "history"))
