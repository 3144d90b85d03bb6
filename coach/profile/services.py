"""The career profile's rules: who may see a profile, the audited edit of one section, the
monthly earnings report, and the work history."""

import calendar
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash

from coach.accommodations.services import disclosure_changed
from coach.audit.services import record_event
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.models import CareerProfile, Client, PastJob, User
from coach.profile.forms import PAST_JOB_FIELDS, SECTIONS
from coach.records import create_once, get_or_404, save_edit

# Dates and numbers a section may leave empty; every other field is text ("" when empty).
MAY_BE_EMPTY = {"wanted_hours", "benefits_referral_on", "earnings_report_due"}
MAY_BE_EMPTY |= {"disclosure_agreed_on"}


def visible_profiles(user: User) -> sa.Select:
    """Career profiles of the clients this user may see: every query of profiles starts
    here."""
    return (
        sa.select(CareerProfile)
        .join(Client, Client.id == CareerProfile.client_id)
        .where(may_see_client(user))
    )


def visible_past_jobs(user: User) -> sa.Select:
    """Work history entries of the clients this user may see."""
    return (
        sa.select(PastJob).join(Client, Client.id == PastJob.client_id).where(may_see_client(user))
    )


def profile_page(user: User, client_id: int) -> dict:
    """The profile page of a client this user may see (404 otherwise): the client, their
    profile (None before its first section is saved) and their work history, in three
    queries whatever its length."""
    client = get_or_404(sa.select(Client).where(may_see_client(user), Client.id == client_id))
    profile = db.session.scalars(
        visible_profiles(user).where(CareerProfile.client_id == client.id)
    ).first()
    jobs = db.session.scalars(
        visible_past_jobs(user)
        .where(PastJob.client_id == client.id)
        .order_by(PastJob.started_on.desc().nulls_last(), PastJob.id.desc())
    ).all()
    return {"client": client, "profile": profile, "past_jobs": jobs}


def get_profile_for(user: User, client_id: int) -> CareerProfile:
    """The profile of a client this user may see, with the client; before its first
    section is saved, a new one not yet in the database (opening a form writes nothing).
    404 for a client the user may not see."""
    profile = db.session.scalars(_profile_of(user, client_id)).first()
    if profile is not None:
        return profile
    client = get_or_404(sa.select(Client).where(may_see_client(user), Client.id == client_id))
    return CareerProfile(client_id=client.id, client=client)


def _profile_of(user: User, client_id: int) -> sa.Select:
    return (
        visible_profiles(user)
        .where(CareerProfile.client_id == client_id)
        .options(so.contains_eager(CareerProfile.client))
    )


def kept(user: User, profile: CareerProfile) -> CareerProfile:
    """The profile as a row: a new one is inserted now, audited (two first saves at once
    make one profile: the second gets the first one's row)."""
    if profile.id is not None:
        return profile
    try:
        with db.session.begin_nested():
            db.session.add(profile)
            db.session.flush()
            record_event("create", "career_profile", profile.id, f"client {profile.client_id}")
    except sa.exc.IntegrityError:
        profile = db.session.scalars(_profile_of(user, profile.client_id)).one()
    return profile


def get_past_job_for(user: User, past_job_id: int) -> PastJob:
    """A work history entry of a client this user may see, with the client; 404
    otherwise."""
    return get_or_404(
        visible_past_jobs(user)
        .where(PastJob.id == past_job_id)
        .options(so.contains_eager(PastJob.client))
    )


def save_section(user: User, profile: CareerProfile, section: str, form) -> str:
    """Save one section of the profile from its form, audited (free text by name only);
    commits. A new disclosure choice revokes the open sign-off links of accommodation
    requests, as the client's own form does."""
    profile = kept(user, profile)
    fields = SECTIONS[section].fields
    disclosure = profile.client.disclosure

    def apply(record: CareerProfile) -> None:
        for name in fields:
            value = getattr(form, name).data
            setattr(record, name, value if value is not None or name in MAY_BE_EMPTY else "")
        if record.client.disclosure != disclosure and disclosure_changed(record.client, user.id):
            flash(
                "What employers may see changed: open accommodation requests need a new link.",
                "info",
            )

    return save_edit(profile, "career_profile", fields, apply, private=SECTIONS[section].private)


def next_month(day: date) -> date:
    """The same day of the next month, or its last day when it is shorter."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earnings_reported(profile: CareerProfile) -> str:
    """The coach helped with this month's earnings report: the next one is due a month
    after the one just made (Today's reminder moves with it); audited, commits."""

    def apply(record: CareerProfile) -> None:
        record.earnings_report_due = next_month(record.earnings_report_due)

    return save_edit(profile, "career_profile", ["earnings_report_due"], apply)


def fill_past_job(form, job: PastJob) -> None:
    for name in PAST_JOB_FIELDS:
        value = getattr(form, name).data
        setattr(job, name, value if value is not None or name.endswith("_on") else "")


def add_past_job(user: User, key: str, job: PastJob) -> tuple[PastJob, bool]:
    """Save a work history entry once per idempotency key, audited; commits."""
    job, created = create_once(job, user.id, key)
    if created:
        record_event("create", "past_job", job.id, f"client {job.client_id}")
    db.session.commit()
    return job, created


def save_past_job(job: PastJob, form) -> str:
    """Save an edit of a work history entry, audited (why it ended by name only)."""
    return save_edit(
        job, "past_job", PAST_JOB_FIELDS, lambda j: fill_past_job(form, j), private=["why_ended"]
    )


def remove_past_job(job: PastJob) -> None:
    """Take an entry off the work history (entered by mistake), audited; commits."""
    record_event("delete", "past_job", job.id, f"client {job.client_id}")
    db.session.delete(job)
    db.session.commit()
