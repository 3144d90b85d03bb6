"""My account: email, two-step login and the sessions open on other devices."""

from flask import abort, flash, render_template, url_for
from flask_login import current_user

from coach.audit.services import record_event
from coach.auth import bp
from coach.auth.forms import ChangeEmailForm, DigestForm, EnrolForm, PasswordConfirmForm
from coach.auth.services import change_own_email, confirm_current_password, normalize_email
from coach.auth.sessions import (
    current_session_id,
    describe_device,
    end_all_sessions,
    end_one_session,
    open_sessions,
)
from coach.auth.twofactor import (
    confirm_enrolment,
    is_required_for,
    new_recovery_codes,
    provisioning_qr_svg,
    recovery_codes_left,
    start_enrolment,
    totp_secret,
    turn_off,
)
from coach.extensions import db
from coach.forms import ActionForm
from coach.records import save_edit
from coach.web import form_view, redirect_to


def _wrong_password(form) -> bool:
    if confirm_current_password(form.current.data):
        return False
    form.current.errors.append("That is not your current password.")
    return True


@bp.route("/account")
def account():
    """Who I am, and the ways into my account."""
    return render_template(
        "auth/account.html",
        sessions=len(open_sessions(current_user.id)),
        codes_left=recovery_codes_left(current_user) if current_user.has_two_factor else 0,
        digest_form=DigestForm(obj=current_user),
    )


@bp.route("/account/digest", methods=["POST"])
def digest():
    """Turn the Monday email of what is due on or off (audited)."""
    form = DigestForm()
    if form.validate_on_submit():
        save_edit(
            current_user,
            "user",
            ["weekly_digest"],
            lambda u: setattr(u, "weekly_digest", form.weekly_digest.data),
        )
    return redirect_to(url_for("auth.account"))


@bp.route("/account/email", methods=["GET", "POST"])
@form_view
def change_email():
    """Change one's login email; the current password confirms it is really them."""
    form = ChangeEmailForm()
    if form.validate_on_submit() and not _wrong_password(form):
        if change_own_email(normalize_email(form.email.data)):
            flash("Your email is changed. Use it to log in from now on.", "success")
            return redirect_to(url_for("auth.account"))
        form.email.errors.append("Another account already uses this email.")
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@form_view
def two_factor():
    """Set up two-step login with an authenticator app, or see its state."""
    if current_user.has_two_factor:
        return _two_factor_status(PasswordConfirmForm())
    form = EnrolForm()
    if totp_secret(current_user) is None:
        # Kept across reloads, so a QR code already scanned stays valid.
        start_enrolment(current_user)
        db.session.commit()
    if form.validate_on_submit() and not _wrong_password(form):
        codes = confirm_enrolment(current_user, form.code.data)
        if codes:
            # Whoever else holds a session must now come in with a code too.
            end_all_sessions(current_user, keep=current_session_id())
            record_event("two_factor_on", "user", current_user.id)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, new=True)
        form.code.errors.append(
            "That code does not match. Check the app shows Coach and type the code it "
            "shows now; codes change every 30 seconds."
        )
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        qr=provisioning_qr_svg(current_user),
        secret=totp_secret(current_user),
    )


@bp.route("/account/two-factor/codes", methods=["POST"])
def new_codes():
    """Replace the recovery codes (the old ones stop working)."""
    form = PasswordConfirmForm()
    if not current_user.has_two_factor:
        return redirect_to(url_for("auth.two_factor"))
    if form.validate_on_submit() and not _wrong_password(form):
        codes = new_recovery_codes(current_user)
        record_event("recovery_codes_new", "user", current_user.id)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, new=False)
    return _two_factor_status(form), 400


@bp.route("/account/two-factor/off", methods=["POST"])
def two_factor_off():
    """Turn two-step login off, unless the agency requires it for this role."""
    form = PasswordConfirmForm()
    if not current_user.has_two_factor:
        return redirect_to(url_for("auth.two_factor"))
    if is_required_for(current_user):
        flash("Your agency requires two-step login for your role: it cannot be turned off.")
        return redirect_to(url_for("auth.two_factor"))
    if form.validate_on_submit() and not _wrong_password(form):
        turn_off(current_user)
        end_all_sessions(current_user, keep=current_session_id())
        record_event("two_factor_off", "user", current_user.id)
        db.session.commit()
        flash("Two-step login is off. You log in with your password alone.", "success")
        return redirect_to(url_for("auth.account"))
    return _two_factor_status(form), 400


def _two_factor_status(form):
    """Two-step login is on: codes left, and the password form to change that."""
    return render_template(
        "auth/two_factor.html",
        codes_left=recovery_codes_left(current_user),
        required=is_required_for(current_user),
        form=form,
    )


@bp.route("/account/sessions")
def sessions():
    """Where I am logged in; any other device can be logged out from here."""
    rows = open_sessions(current_user.id)
    return render_template(
        "auth/sessions.html",
        sessions=rows,
        this_session=current_session_id(),
        describe_device=describe_device,
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
def end_session_elsewhere(session_id: int):
    """Log out one other device."""
    if not ActionForm().validate_on_submit():
        return redirect_to(url_for("auth.sessions"))
    if session_id == current_session_id() or not end_one_session(current_user, session_id):
        abort(404)
    record_event("session_end", "user", current_user.id, f"session {session_id}")
    db.session.commit()
    flash("That device is logged out.", "success")
    return redirect_to(url_for("auth.sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
def end_other_sessions():
    """Log out every device but this one."""
    if ActionForm().validate_on_submit():
        count = end_all_sessions(current_user, keep=current_session_id())
        record_event("session_end", "user", current_user.id, f"all others ({count})")
        db.session.commit()
        flash(f"Logged out {count} other session{'s' if count != 1 else ''}.", "success")
    return redirect_to(url_for("auth.sessions"))
