from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from coach.audit.services import record_event
from coach.auth import bp
from coach.auth.forms import ChangePasswordForm, CodeForm, FirstRunForm, LoginForm
from coach.auth.services import (
    authenticate,
    begin_second_step,
    check_second_step,
    claim_first_run,
    confirm_current_password,
    create_user,
    end_session,
    hash_password,
    is_safe_next,
    needs_first_run,
    pending_second_step_user,
    start_session,
)
from coach.auth.sessions import current_session_id, end_all_sessions
from coach.auth.twofactor import recovery_codes_left
from coach.extensions import db, limiter
from coach.forms import ActionForm
from coach.models import AgencySettings
from coach.web import form_view, public, redirect_to


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/")
@public
def index():
    """Home: Today (what is due) for anyone logged in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("today.today"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
@public
@form_view
def login():
    """Log in with email and password."""
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("auth.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user:
            target = next_url if is_safe_next(next_url) else url_for("auth.index")
            if user.has_two_factor:
                begin_second_step(user, target)
                return redirect_to(url_for("auth.login_code"))
            start_session(user)
            return redirect_to(target)
        # One message whatever was wrong: it must not tell which accounts exist.
        form.form_errors.append(
            "That email and password do not match an active account, or the account is "
            "locked for a few minutes after too many tries."
        )
    return render_template("auth/login.html", form=form, first_run=needs_first_run())


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
@public
@form_view
def login_code():
    """The second step: a code from the authenticator app, or a recovery code."""
    user = pending_second_step_user()
    if user is None:
        flash("Please log in again.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        method = check_second_step(user, form.code.data)
        if method:
            target = session.get("second_step_next") or url_for("auth.index")
            start_session(user, method)
            if method == "password+recovery code":
                flash(
                    f"You logged in with a recovery code; {recovery_codes_left(user)} left. "
                    "Make new ones under More → My account if you are running low.",
                    "info",
                )
            return redirect_to(target)
        form.code.errors.append(
            "That code does not work. Type the code your app shows now (it changes every "
            "30 seconds) or one of your unused recovery codes. After a few wrong codes "
            "the account is locked for some minutes."
        )
    return render_template("auth/login_code.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Log out and clear the session."""
    if ActionForm().validate_on_submit():
        end_session()
        flash("You are logged out.", "info")
    return redirect_to(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
@form_view
def first_run():
    """Create the first admin; only while the app has no users."""
    if not needs_first_run():
        return redirect(url_for("auth.login"))
    form = FirstRunForm()
    if form.validate_on_submit():
        if not claim_first_run():
            db.session.rollback()
            return redirect(url_for("auth.login"))
        settings = db.session.get(AgencySettings, 1)
        settings.name = form.agency_name.data
        user = create_user(form.email.data, form.name.data, "admin", form.password.data)
        record_event("create", "user", user.id, "first admin (first-run page)", user_id=user.id)
        db.session.commit()
        start_session(user)
        flash("Welcome. Your agency is ready: add your coaches next.", "success")
        return redirect_to(url_for("admin.users"))
    return render_template("auth/first_run.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@form_view
def change_password():
    """Change one's own password (required after an admin reset)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not confirm_current_password(form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            current_user.password_hash = hash_password(form.password.data)
            current_user.must_change_password = False
            # Every other device must log in again with the new password.
            end_all_sessions(current_user, keep=current_session_id())
            record_event("password_change", "user", current_user.id)
            db.session.commit()
            flash("Your password is changed. Your other devices are logged out.", "success")
            return redirect_to(url_for("auth.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/menu")
def menu():
    """Everything that is not a daily task: admin pages, password, log out."""
    return render_template("auth/menu.html")


@bp.route("/healthz")
@public
def health():
    """A liveness check that touches nothing."""
    return "ok", 200, {"Content-Type": "text/plain"}
