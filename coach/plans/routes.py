"""The employment plan's pages: the plan, one small form per goal, objective or action
step, the person's signature on the coach's phone, and each version as signed."""

from flask import abort, flash, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from coach import signing
from coach.agency import agency_today
from coach.audit.services import audit_view
from coach.clients.services import get_client_for
from coach.forms import ActionForm, add_error
from coach.plans import bp
from coach.plans import services as plans
from coach.plans.forms import ActionStepForm, GoalForm, ObjectiveForm, PlanForm, SignPlanForm
from coach.web import client_ip, form_view, id_arg, redirect_to, render, saved_redirect

PLAN_FIELDS = ["start_date", "review_date"]
OBJECTIVE_FIELDS = ["goal_id", "text", "target_date"]
ACTION_FIELDS = ["text", "who", "who_name", "due_date", "done_on"]


def _to_plan(plan_id: int, started: bool = False):
    if started:
        flash("The signed version is kept; this change starts a new version to sign.", "success")
    return saved_redirect(url_for("plans.view_plan", plan_id=plan_id))


def _form_page(title: str, plan, form, fields: list[str], submit: str, **extra):
    return render(
        "plans/form.html", title=title, plan=plan, form=form, fields=fields, submit=submit, **extra
    )


@bp.route("/clients/<int:client_id>/new", methods=["GET", "POST"])
@form_view
def new_plan(client_id: int):
    """Start a plan with the person: its start and review dates."""
    client = get_client_for(current_user, client_id)
    form = PlanForm()
    if request.method == "GET":
        form.start_date.data = agency_today()
    if form.validate_on_submit():
        data = form.start_date.data, form.review_date.data
        plan, _ = plans.create_plan(current_user, client, form.idempotency_key.data, *data)
        return _to_plan(plan.id)
    audit_view("client", client.id)
    return _form_page(
        "New employment plan", None, form, PLAN_FIELDS, "Start the plan", client=client
    )


@bp.route("/<int:plan_id>")
def view_plan(plan_id: int):
    """The plan: goals, objectives and action steps, its versions and signatures."""
    plan = plans.get_plan_for(current_user, plan_id, with_tree=True)
    objective_ids = [objective.id for objective in plans.objectives_of(plan)]
    audit_view("employment_plan", plan.id)
    today = agency_today()
    return render(
        "plans/plan.html",
        plan=plan,
        signatures=plans.signatures_of(plan),
        has_objective=bool(objective_ids),
        visits=plans.visits_serving(plan, objective_ids),
        tasks=plans.tasks_serving(plan, objective_ids),
        jobs=plans.jobs_held(plan, today),
        today=today,
    )


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@form_view
def edit_plan(plan_id: int):
    """Change the plan's start or review date."""
    plan = plans.get_plan_for(current_user, plan_id)
    form = PlanForm(obj=plan)
    if form.validate_on_submit():
        started = plans.save_plan_edit(plan, "employment_plan", PLAN_FIELDS, form.populate_obj)
        return _to_plan(plan.id, started)
    audit_view("employment_plan", plan.id)
    return _form_page("Plan dates", plan, form, PLAN_FIELDS, "Save the dates")


@bp.route("/<int:plan_id>/goals/new", methods=["GET", "POST"])
@form_view
def new_goal(plan_id: int):
    """Add a goal."""
    plan = plans.get_plan_for(current_user, plan_id)
    form = GoalForm()
    if form.validate_on_submit():
        _, started = plans.add_goal(current_user, plan, form.idempotency_key.data, form.text.data)
        return _to_plan(plan.id, started)
    audit_view("employment_plan", plan.id)
    return _form_page("Add a goal", plan, form, ["text"], "Save the goal")


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@form_view
def edit_goal(goal_id: int):
    """Change a goal's words."""
    goal = plans.get_goal_for(current_user, goal_id)
    form = GoalForm(obj=goal)
    if form.validate_on_submit():
        started = plans.save_plan_edit(goal, "plan_goal", ["text"], form.populate_obj)
        return _to_plan(goal.plan_id, started)
    audit_view("employment_plan", goal.plan_id)
    remove = url_for("plans.remove_goal", goal_id=goal.id)
    return _form_page("Edit the goal", goal.plan, form, ["text"], "Save the goal", remove=remove)


@bp.route("/<int:plan_id>/objectives/new", methods=["GET", "POST"])
@form_view
def new_objective(plan_id: int):
    """Add an objective to one of the plan's goals (?goal=… chooses it)."""
    plan = plans.get_plan_for(current_user, plan_id, with_tree=True)
    form = ObjectiveForm(plan=plan)
    if request.method == "GET" and request.args.get("goal"):
        form.goal_id.data = request.args["goal"]
    if form.validate_on_submit():
        fields = {"text": form.text.data, "target_date": form.target_date.data}
        key, goal_id = form.idempotency_key.data, int(form.goal_id.data)
        _, started = plans.add_objective(current_user, plan, key, goal_id, **fields)
        return _to_plan(plan.id, started)
    audit_view("employment_plan", plan.id)
    return _form_page("Add an objective", plan, form, OBJECTIVE_FIELDS, "Save the objective")


def _fill_objective(form: ObjectiveForm):
    def fill(objective) -> None:
        objective.goal_id = int(form.goal_id.data)
        objective.text, objective.target_date = form.text.data, form.target_date.data

    return fill


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@form_view
def edit_objective(objective_id: int):
    """Change an objective, its target date or the goal it serves."""
    objective = plans.get_objective_for(current_user, objective_id)
    form = ObjectiveForm(obj=objective, plan=objective.plan)
    if form.validate_on_submit():
        fill = _fill_objective(form)
        started = plans.save_plan_edit(objective, "plan_objective", OBJECTIVE_FIELDS, fill)
        return _to_plan(objective.plan_id, started)
    audit_view("employment_plan", objective.plan_id)
    remove = url_for("plans.remove_objective", objective_id=objective.id)
    page = ("Edit the objective", objective.plan, form, OBJECTIVE_FIELDS, "Save")
    return _form_page(*page, remove=remove)


@bp.route("/objectives/<int:objective_id>/actions/new", methods=["GET", "POST"])
@form_view
def new_action(objective_id: int):
    """Add an action step to an objective."""
    objective = plans.get_objective_for(current_user, objective_id)
    form = ActionStepForm(plan=objective.plan)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in ACTION_FIELDS}
        key = form.idempotency_key.data
        _, started = plans.add_action(current_user, objective, key, **fields)
        return _to_plan(objective.plan_id, started)
    audit_view("employment_plan", objective.plan_id)
    page = ("Add an action step", objective.plan, form, ACTION_FIELDS, "Save the step")
    return _form_page(*page, objective=objective)


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@form_view
def edit_action(action_id: int):
    """Change an action step, or note the day it was done (done dates are progress: they
    do not start a new version)."""
    action = plans.get_action_for(current_user, action_id)
    form = ActionStepForm(obj=action, plan=action.plan)
    if form.validate_on_submit():
        content = ACTION_FIELDS[:-1]
        started = plans.save_plan_edit(
            action, "plan_action", ACTION_FIELDS, form.populate_obj, content
        )
        return _to_plan(action.plan_id, started)
    audit_view("employment_plan", action.plan_id)
    page = ("Edit the action step", action.plan, form, ACTION_FIELDS, "Save the step")
    remove = url_for("plans.remove_action", action_id=action.id)
    return _form_page(*page, objective=action.objective, remove=remove)


def _part_or_removed(getter, part_id: int):
    """The part of a plan to remove, or None for a repeated (double-tapped) removal whose
    part is gone from a plan this user sees (?plan=…); otherwise 404."""
    try:
        return getter(current_user, part_id)
    except NotFound:
        if request.method != "POST" or id_arg("plan") is None:
            raise
        plans.get_plan_for(current_user, id_arg("plan"))
        return None


def _already_removed():
    flash("Already removed.", "success")
    return saved_redirect(url_for("plans.view_plan", plan_id=id_arg("plan")))


def _remove(record, entity_type: str, title: str, what: str):
    """The confirmation page of a removal (GET), or the removal (a confirmed POST)."""
    form = ActionForm()
    if form.validate_on_submit():
        _, started = plans.remove_part(record, entity_type)
        flash(f"{what} removed.", "success")
        return _to_plan(record.plan_id, started)
    audit_view("employment_plan", record.plan_id)
    plan, removal = record.plan, plans.removal_of(record)
    context = dict(record=record, removal=removal, what=what, kind=entity_type)
    return render("plans/remove.html", title=title, plan=plan, form=form, **context)


@bp.route("/goals/<int:goal_id>/remove", methods=["GET", "POST"])
@form_view
def remove_goal(goal_id: int):
    """Remove a goal, with its objectives and their steps, once confirmed."""
    goal = _part_or_removed(plans.get_goal_for, goal_id)
    if goal is None:
        return _already_removed()
    return _remove(goal, "plan_goal", "Remove the goal?", "The goal")


@bp.route("/objectives/<int:objective_id>/remove", methods=["GET", "POST"])
@form_view
def remove_objective(objective_id: int):
    """Remove an objective and its steps (its visits and tasks stay, unlinked)."""
    objective = _part_or_removed(plans.get_objective_for, objective_id)
    if objective is None:
        return _already_removed()
    return _remove(objective, "plan_objective", "Remove the objective?", "The objective")


@bp.route("/actions/<int:action_id>/remove", methods=["GET", "POST"])
@form_view
def remove_action(action_id: int):
    """Remove an action step, once confirmed."""
    action = _part_or_removed(plans.get_action_for, action_id)
    if action is None:
        return _already_removed()
    return _remove(action, "plan_action", "Remove the action step?", "The action step")


@bp.route("/<int:plan_id>/sign", methods=["GET", "POST"])
@form_view
def sign_plan(plan_id: int):
    """The person reads this version and signs it on the coach's phone."""
    plan = plans.get_plan_for(current_user, plan_id, with_tree=True)
    document = signing.Document.of(plan.version, plans.document_for(plan))
    form = SignPlanForm(document_sha256=document.document_sha256)
    if request.method == "GET":
        form.signed_on.data = agency_today()
    if plan.is_signed:
        flash(f"Version {plan.version} is already signed.", "success")
        return _to_plan(plan.id)
    if form.validate_on_submit():
        if plans.objectives_of(plan):
            return _take_signature(plan, form)
        add_error(form.signer_name, "This plan has no objective yet: add one before signing.")
    audit_view("employment_plan", plan.id)
    context = {"document": document, "consent_text": signing.CONSENT_TEXT}
    return render("plans/sign.html", plan=plan, form=form, **context)


def _take_signature(plan, form: SignPlanForm):
    """Sign, and say so on the plan; or send the person back to read it again."""
    signature, why = plans.sign_plan(
        current_user,
        plan,
        form.document_sha256.data,
        form.signer_name.data,
        form.signed_on.data,
        ip=client_ip(),
        user_agent=request.user_agent.string,
    )
    if signature is None:  # another tap signed, or the plan changed, a moment ago
        flash(SIGN_PROBLEMS[why], "error")
        return redirect_to(url_for("plans.sign_plan", plan_id=plan.id))
    version = signature.document_version
    flash(f"Signed by {signature.signer_name}: version {version}.", "success")
    return _to_plan(signature.plan_id)


SIGN_PROBLEMS = {
    "signed": "This version was signed a moment ago.",
    "changed": "The plan changed while this page was open: read it again, then sign.",
}


@bp.route("/<int:plan_id>/versions/<int:version>")
def view_version(plan_id: int, version: int):
    """One version as signed (text, SHA-256, time, device), or the version being written."""
    plan = plans.get_plan_for(current_user, plan_id, with_tree=True)
    signature = plans.signature_of_version(plan, version)
    if signature is None and version != plan.version:
        abort(404)
    audit_view("employment_plan", plan.id)
    return render(
        "plans/version.html",
        plan=plan,
        version=version,
        signature=signature,
        verified=signature is not None and signing.verify(signature),
        document=None if signature else plans.document_for(plan),
    )
