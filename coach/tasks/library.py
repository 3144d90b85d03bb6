"""The agency's library of task analyses that coaches copy and adapt."""

import sqlalchemy as sa
from flask import flash, url_for
from flask_login import current_user

from coach.audit.services import record_event
from coach.extensions import db
from coach.models import TaskTemplate
from coach.tasks import bp
from coach.tasks.forms import TemplateForm, step_lines
from coach.web import form_view, render, roles_required, saved_redirect


@bp.route("/task-library/")
def library():
    """Reusable task analyses."""
    templates = db.session.scalars(sa.select(TaskTemplate).order_by(TaskTemplate.title)).all()
    return render("tasks/library.html", templates=templates)


@bp.route("/task-library/new", methods=["GET", "POST"])
@bp.route("/task-library/<int:template_id>/edit", methods=["GET", "POST"])
@roles_required("supervisor", "admin")
@form_view
def edit_template(template_id: int | None = None):
    """Add or change a library task (supervisors and admins)."""
    template = db.get_or_404(TaskTemplate, template_id) if template_id else None
    form = TemplateForm(obj=template)
    if template and not form.is_submitted():
        form.steps.data = "\n".join(template.step_lines)
    if form.validate_on_submit():
        if template is None:
            template = TaskTemplate(created_by_id=current_user.id)
            db.session.add(template)
        template.title = form.title.data
        template.strategy = form.strategy.data
        template.steps_text = "\n".join(step_lines(form.steps.data))
        db.session.flush()
        record_event("update" if template_id else "create", "task_template", template.id)
        db.session.commit()
        flash("Library task saved.", "success")
        return saved_redirect(url_for("tasks.library"))
    return render("tasks/template_form.html", form=form, template=template)
