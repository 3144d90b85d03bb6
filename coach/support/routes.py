"""The job-support plan's pages: the plan of a job (with its fading chart), and one small
form per part: the supports needed, the accommodations, a natural support, the fading
schedule and the handoff."""

from flask import Response, flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today, current_agency
from coach.audit.services import audit_view
from coach.clients.services import get_placement_for
from coach.support import bp
from coach.support import services as support
from coach.support.forms import FadingForm, HandoffForm, NeedsForm, PersonForm, RequestsForm
from coach.web import form_view, redirect_to, render, saved_redirect

PERSON_FIELDS = ["name", "role", "helps_with"]


def _to_plan(plan) -> Response:
    """Back to the job's plan, the form's draft dropped."""
    return saved_redirect(url_for("support.view_support", placement_id=plan.placement_id))


def _copy(form, names: list[str]):
    """An `apply` for save_edit: copy these fields of the form (not its idempotency key)."""

    def apply(record) -> None:
        for name in names:
            setattr(record, name, getattr(form, name).data or "")

    return apply


def _form_page(title: str, plan, form, **extra):
    audit_view("support_plan", plan.id)
    return render("support/form.html", title=title, plan=plan, form=form, **extra)


@bp.route("/jobs/<int:placement_id>")
def view_support(placement_id: int):
    """The job's support plan: needs, accommodations, natural supports, the fading
    schedule against the actual hours, tasks ready to fade, and the handoff."""
    plan = support.support_of_job(current_user, placement_id)
    if plan is None:
        job = get_placement_for(current_user, placement_id)
        audit_view("placement", job.id)
        return render("support/start.html", job=job, form=NeedsForm())
    job = plan.placement
    audit_view("support_plan", plan.id)
    actual = support.actual_tenths(job, current_agency().timezone)
    rows = support.weekly_rows(job, support.schedule_of(plan), actual)
    context = {"rows": rows, "chart": support.fading_chart(rows), "today": agency_today()}
    ready, people = support.ready_to_fade(job), support.people_of(plan)
    return render("support/plan.html", job=job, plan=plan, people=people, ready=ready, **context)


@bp.route("/jobs/<int:placement_id>/new", methods=["GET", "POST"])
@form_view
def new_support(placement_id: int):
    """Start the job's plan with the supports the person needs."""
    job = get_placement_for(current_user, placement_id)
    form = NeedsForm()
    if form.validate_on_submit():
        key, needs = form.idempotency_key.data, form.supports_needed.data or ""
        plan, _ = support.start_plan(current_user, job, key, needs)
        return _to_plan(plan)
    audit_view("placement", job.id)
    return render("support/start.html", job=job, form=form)


@bp.route("/<int:support_id>/needs", methods=["GET", "POST"])
@form_view
def edit_needs(support_id: int):
    """Change the supports the person needs."""
    plan = support.get_support_for(current_user, support_id)
    form = NeedsForm(obj=plan)
    if form.validate_on_submit():
        fields = ["supports_needed"]
        support.save_support_edit(plan, "support_plan", fields, _copy(form, fields))
        return _to_plan(plan)
    return _form_page("Supports needed", plan, form, fields=["supports_needed"])


@bp.route("/<int:support_id>/accommodations", methods=["GET", "POST"])
@form_view
def edit_requests(support_id: int):
    """Pick which of the client's accommodation requests are in place at this job."""
    plan = support.get_support_for(current_user, support_id, full=True)
    form = RequestsForm(requests=support.request_choices(current_user, plan))
    if request.method == "GET":
        form.request_ids.data = list(plan.request_ids)
    if form.validate_on_submit():
        apply = support.link_requests(current_user, plan, form.request_ids.data or [])
        support.save_support_edit(plan, "support_plan", ["request_ids"], apply)
        return _to_plan(plan)
    return _form_page("Accommodations", plan, form, fields=["request_ids"])


@bp.route("/<int:support_id>/fading", methods=["GET", "POST"])
@form_view
def edit_fading(support_id: int):
    """The fading schedule: planned coach hours, one row per week; Add a week adds one."""
    plan = support.get_support_for(current_user, support_id, full=True)
    rows = len(plan.weeks) + (0 if plan.weeks else 3)
    form = FadingForm(placement=plan.placement, rows=rows)
    if request.method == "GET":
        for entry, week in zip(form.weeks, plan.weeks, strict=False):
            entry.data = week.planned_tenths / 10
    elif "add_week" in request.form:
        form.add_week(plan.placement)
    elif form.validate_on_submit():
        apply = support.set_schedule(form.tenths())
        support.save_support_edit(plan, "support_plan", ["schedule"], apply)
        return _to_plan(plan)
    return _form_page("Fading schedule", plan, form)


@bp.route("/<int:support_id>/handoff", methods=["GET", "POST"])
@form_view
def handoff(support_id: int):
    """Record the handoff to natural supports (today or earlier), or plan it."""
    plan = support.get_support_for(current_user, support_id)
    form = HandoffForm(obj=plan, placement=plan.placement)
    if form.validate_on_submit():
        support.record_handoff(plan, form.handoff_date.data, agency_today())
        return _to_plan(plan)
    return _form_page("Handoff to natural supports", plan, form, fields=["handoff_date"])


@bp.route("/<int:support_id>/people/new", methods=["GET", "POST"])
@form_view
def new_person(support_id: int):
    """Name a co-worker or supervisor who helps, and with what."""
    plan = support.get_support_for(current_user, support_id)
    form = PersonForm()
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data or "" for name in PERSON_FIELDS}
        support.add_person(current_user, plan, form.idempotency_key.data, **fields)
        return _to_plan(plan)
    return _form_page("Add a natural support", plan, form, fields=PERSON_FIELDS)


@bp.route("/people/<int:natural_support_id>/edit", methods=["GET", "POST"])
@form_view
def edit_person(natural_support_id: int):
    """Change a natural support, or remove them."""
    person = support.get_natural_support_for(current_user, natural_support_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        apply = _copy(form, PERSON_FIELDS)
        support.save_support_edit(person, "natural_support", PERSON_FIELDS, apply)
        return _to_plan(person.plan)
    page = ("Edit the natural support", person.plan, form)
    return _form_page(*page, fields=PERSON_FIELDS, person=person)


@bp.route("/people/<int:natural_support_id>/remove", methods=["POST"])
def remove_person(natural_support_id: int):
    """Remove a natural support (audited)."""
    person = support.get_natural_support_for(current_user, natural_support_id)
    plan = person.plan
    support.remove_person(person)
    flash(f"Removed {person.name}.", "success")
    return redirect_to(url_for("support.view_support", placement_id=plan.placement_id))
