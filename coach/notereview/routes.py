"""Note review: the supervisors' queue, approve, return with a comment; addenda to
approved notes."""

from flask import flash, request, url_for
from flask_login import current_user

from coach.audit.services import audit_view, audit_views
from coach.extensions import db
from coach.forms import ActionForm
from coach.notereview import bp
from coach.notereview import services as nr
from coach.notereview.flags import flag_reasons, is_locked
from coach.notereview.forms import AddendumForm, ReturnForm
from coach.records import more_than
from coach.web import (
    MAX_ID,
    form_view,
    int_arg,
    redirect_to,
    render,
    roles_required,
    saved_redirect,
)


def visit_url(visit_id: int) -> str:
    return url_for("visits.view_visit", visit_id=visit_id)


@bp.route("/")
@roles_required("supervisor", "admin")
def queue():
    """Notes waiting for review, flagged ones first, with each flag's reason."""
    page = int_arg("page", 1)
    visits, waiting = nr.review_queue(current_user, page)
    audit_views("client", (visit.client_id for visit in visits))  # their notes are shown
    mine = nr.written_by(current_user, visits)
    return render(
        "notereview/queue.html",
        visits=visits,
        mine=mine,
        waiting=waiting,
        more_than=more_than(waiting, page, nr.REVIEW_PAGE_SIZE),
        page=page,
        more=page * nr.REVIEW_PAGE_SIZE < waiting,
        unflagged=[v.id for v in visits if not v.review_flags and v.id not in mine],
        flag_reasons=flag_reasons,
    )


@bp.route("/visits/<int:visit_id>/approve", methods=["POST"])
@roles_required("supervisor", "admin")
def approve(visit_id: int):
    """Approve a note with one tap: it is locked from now on."""
    visit = nr.get_note_for(current_user, visit_id)
    if ActionForm().validate_on_submit():
        problem = nr.approve_visit(visit, current_user)
        db.session.commit()
        flash(problem or "Note approved.", "error" if problem else "success")
    return redirect_to(url_for("notereview.queue", page=int_arg("page", 1)))


@bp.route("/approve-shown", methods=["POST"])
@roles_required("supervisor", "admin")
def approve_shown():
    """Approve every note shown on a page of the queue that has no flag."""
    ids = [int(v) for v in request.form.getlist("visit_id") if v.isdigit() and int(v) <= MAX_ID]
    if ActionForm().validate_on_submit():
        approved = nr.approve_unflagged(current_user, ids[: nr.REVIEW_PAGE_SIZE])
        db.session.commit()
        flash(f"{approved} note{'' if approved == 1 else 's'} approved.", "success")
    return redirect_to(url_for("notereview.queue"))


@bp.route("/visits/<int:visit_id>/return", methods=["GET", "POST"])
@roles_required("supervisor", "admin")
@form_view
def return_note(visit_id: int):
    """Return a note to its coach with what to fix; the comment is required."""
    visit = nr.get_note_for(current_user, visit_id)
    form = ReturnForm()
    if nr.can_review(current_user, visit) and form.validate_on_submit():
        problem = nr.return_visit(visit, current_user, form.comment.data)
        db.session.commit()
        flash(problem or "Note returned to the coach.", "error" if problem else "success")
        return saved_redirect(url_for("notereview.queue"))
    if request.method == "GET":
        audit_view("visit", visit.id)
    return render(
        "notereview/return.html",
        form=form,
        visit=visit,
        allowed=nr.can_review(current_user, visit),
        flag_reasons=flag_reasons(visit),
    )


@bp.route("/visits/<int:visit_id>/addendum", methods=["GET", "POST"])
@form_view
def add_addendum(visit_id: int):
    """Add to an approved note: the note stays as approved, the addendum shows under it
    with its author and time."""
    visit = nr.get_note_for(current_user, visit_id)
    form = AddendumForm()
    if is_locked(visit) and form.validate_on_submit():
        _, created = nr.add_addendum(current_user, visit, form.idempotency_key.data, form.text.data)
        db.session.commit()
        if created:
            flash("Addendum added. The approved note stays as it was.", "success")
        return saved_redirect(visit_url(visit.id))
    if request.method == "GET":
        audit_view("visit", visit.id)
    locked = is_locked(visit)
    addenda = nr.addenda_of(visit) if locked else []
    return render(
        "notereview/addendum.html", form=form, visit=visit, locked=locked, addenda=addenda
    )
