"""The visit panel of the client page (Start visit, or the note of the visit under
way) and the client's visit history: shown on the client page (coach/pages.py), and
answered by the visits blueprint after each start, save and end."""

from flask import render_template, url_for
from flask_login import current_user

from coach.agency import agency_today, current_agency
from coach.billing.services import visit_service_options
from coach.clients.services import job_choices
from coach.tasks.forms import StartRunForm
from coach.tasks.services import tasks_of
from coach.timeutil import local_input_value
from coach.visits import services as sv
from coach.visits.forms import StartVisitForm, VisitNoteForm

TIMELINE_SIZE = 10


def visit_jobs(client, today, keep_id: int | None = None) -> list:
    return job_choices(client, today, "No job site (phone, office…)", keep_id)


def fill_note_form(form, visit) -> None:
    """Show stored UTC times as agency-local values in the inputs."""
    form.started_at.data = local_input_value(visit.started_at, current_agency().timezone)
    form.ended_at.data = local_input_value(visit.ended_at, current_agency().timezone)
    form.tags.data = visit.tag_list
    form.placement_id.data = visit.placement_id or 0
    form.service_type_id.data = visit.service_type_id or 0


def note_form(visit, client, today):
    """The note form of a stored visit, filled from the record, never from the request."""
    form = VisitNoteForm(formdata=None, obj=visit)
    form.placement_id.choices = visit_jobs(client, today, visit.placement_id)
    form.service_type_id.choices = visit_service_options(visit.service_type_id)
    fill_note_form(form, visit)
    return form


def render_panel(client, visit=None, form=None, saved_key=None, status=200, ended=None):
    """The visit panel on the client page, and for htmx the refreshed history as well;
    `ended`: the visit that just ended, summed up above the Start button."""
    today = agency_today()
    if form is None:
        forms = panel_forms(client, visit, today)
    else:  # a form sent back with its errors
        forms = dict(form=form, run_form=StartRunForm() if visit else None)
    context = dict(
        client=client,
        visit=visit,
        saved_key=saved_key,
        today=today,
        tasks=tasks_of(client) if visit else [],
        **forms,
        **ended_summary(ended),
    )
    if visit is None and saved_key:
        context.update(visit_history(client))
        html = render_template("visits/_visit_panel.html", oob_history=True, **context)
    else:
        html = render_template("visits/_visit_panel.html", **context)
    return html, status


def panel_forms(client, visit, today) -> dict:
    """The panel's forms: the note of the visit under way (and a Start button per task),
    or the Start form."""
    if visit is not None:
        return dict(form=note_form(visit, client, today), run_form=StartRunForm())
    form = StartVisitForm()
    form.placement_id.choices = visit_jobs(client, today)
    pending_src = url_for("visits.pending_form", client_id=client.id)
    return dict(form=form, run_form=None, pending_src=pending_src)


def pending_note_form(client, today):
    """The note form of a visit started without signal (offline.js shows it until the
    start is sent): empty, with the same choices."""
    form = VisitNoteForm(formdata=None)
    form.placement_id.choices = visit_jobs(client, today)
    form.service_type_id.choices = visit_service_options()
    return form


def visit_history(client, before=None) -> dict:
    """A page of the client's visits, newest first, older than the cursor `before`;
    the first page also brings the units per month."""
    visits, more = sv.timeline(current_user, client, before, TIMELINE_SIZE)
    months = [] if before else sv.monthly_units(current_user, client, current_agency().timezone)
    return dict(visits=visits, more=more, months=months)


def ended_summary(visit) -> dict:
    """What the summary of a visit that just ended shows besides the visit itself: the
    checklist runs done during it."""
    if not visit:
        return {}
    return dict(ended=visit, ended_runs=sv.runs_during(visit))
