import sqlalchemy as sa
from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from coach.admin import bp
from coach.admin.forms import AgencySettingsForm, UserForm
from coach.admin.services import (
    agency_settings,
    can_change_role_or_deactivate,
    get_user,
    reset_password,
    temporary_password,
)
from coach.audit.services import record_event
from coach.auth.services import create_user, normalize_email
from coach.auth.sessions import end_all_sessions, open_sessions
from coach.auth.twofactor import turn_off
from coach.extensions import db
from coach.forms import ActionForm
from coach.mail import emailed_links_refused
from coach.models import OutboxMessage, User
from coach.records import save_edit
from coach.web import form_view, redirect_to, render, roles_required, saved_redirect

USER_FIELDS = ["name", "email", "role"]
SETTINGS_FIELDS = [
    "name",
    "timezone",
    "office_address",
    "office_latitude",
    "office_longitude",
    "unit_threshold_minutes",
    "onsite_radius_m",
    "weekly_contact_target",
    "weekly_contact_weeks",
    "later_contact_days",
    "require_two_factor",
]


@bp.route("/users")
@roles_required("admin")
def users():
    """Everyone with an account."""
    people = db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)).all()
    return render("admin/users.html", users=people)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def new_user():
    """Add a coach, supervisor or admin with a temporary password."""
    form = UserForm()
    if form.validate_on_submit():
        password = temporary_password()
        user = create_user(
            form.email.data, form.name.data, form.role.data, password, must_change_password=True
        )
        record_event("create", "user", user.id, f"{user.email} as {user.role}")
        db.session.commit()
        flash(request.path, "draft-saved")
        # Shown once, on this page only; never put in a cookie or a log.
        return render_template(
            "admin/password_shown.html", user=user, password=password, created=True
        )
    return render("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def edit_user(user_id: int):
    """Change a user's name, email or role."""
    user = get_user(user_id)
    form = UserForm(obj=user, user=user)
    if form.validate_on_submit():
        if form.role.data != user.role and (
            reason := can_change_role_or_deactivate(current_user, user)
        ):
            form.role.errors.append(reason)
        else:
            save_edit(user, "user", USER_FIELDS, lambda u: _fill_user(form, u))
            return saved_redirect(url_for("admin.users"))
    return render(
        "admin/user_form.html",
        form=form,
        user=user,
        open_sessions=len(open_sessions(user.id)),
    )


def _fill_user(form: UserForm, user: User) -> None:
    user.name = form.name.data
    user.email = normalize_email(form.email.data)
    user.role = form.role.data


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def toggle_active(user_id: int):
    """Deactivate a user (they can no longer log in), or reactivate them."""
    user = get_user(user_id)
    if ActionForm().validate_on_submit():
        if user.active and (reason := can_change_role_or_deactivate(current_user, user)):
            flash(reason, "error")
        else:
            user.active = not user.active
            end_all_sessions(user)
            record_event("activate" if user.active else "deactivate", "user", user.id)
            db.session.commit()
            flash(f"{user.name} is {'active' if user.active else 'deactivated'}.", "success")
    return redirect_to(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@roles_required("admin")
def reset_user_password(user_id: int):
    """Give a user a new temporary password; they choose their own at next login."""
    user = get_user(user_id)
    if not ActionForm().validate_on_submit():
        return redirect_to(url_for("admin.users"))
    password = reset_password(user)
    record_event("password_reset", "user", user.id)
    db.session.commit()
    return render_template("admin/password_shown.html", user=user, password=password, created=False)


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@roles_required("admin")
def end_user_sessions(user_id: int):
    """Log a user out everywhere (a lost phone, a shared login)."""
    user = get_user(user_id)
    if ActionForm().validate_on_submit():
        count = end_all_sessions(user)
        record_event("session_end", "user", user.id, f"all ({count}), by an admin")
        db.session.commit()
        flash(
            f"{user.name} is logged out everywhere ({count} session{'s' if count != 1 else ''}).",
            "success",
        )
    return redirect_to(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/two-factor/off", methods=["POST"])
@roles_required("admin")
def turn_off_two_factor(user_id: int):
    """For someone who lost both their phone and their recovery codes."""
    user = get_user(user_id)
    if user.id == current_user.id:
        # One's own goes through My account: the password, and the agency's rule.
        abort(404)
    if ActionForm().validate_on_submit() and user.has_two_factor:
        turn_off(user)
        end_all_sessions(user)
        record_event("two_factor_off", "user", user.id, "by an admin")
        db.session.commit()
        flash(
            f"Two-step login is off for {user.name}; they set it up again at next login "
            "if your agency requires it.",
            "success",
        )
    return redirect_to(url_for("admin.edit_user", user_id=user.id))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def settings():
    """Agency name, time zone and office address."""
    agency = agency_settings()
    form = AgencySettingsForm(obj=agency)
    if form.validate_on_submit():
        save_edit(agency, "agency_settings", SETTINGS_FIELDS, lambda a: _fill_settings(form, a))
        return saved_redirect(url_for("admin.settings"))
    return render("admin/settings.html", form=form)


def _fill_settings(form: AgencySettingsForm, agency) -> None:
    form.populate_obj(agency)
    agency.office_address = agency.office_address or ""


@bp.route("/outbox")
@roles_required("admin")
def outbox():
    """Mail the app sent; with no mail server configured, what it would have sent."""
    messages = db.session.scalars(
        sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(100)
    ).all()
    return render("admin/outbox.html", messages=messages, links_refused=emailed_links_refused())
