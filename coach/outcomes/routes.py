from flask import Response, abort, current_app, request
from flask_login import current_user

from coach.agency import agency_today, current_agency
from coach.audit.services import audit_views, record_event
from coach.clients.services import staff_member
from coach.extensions import db
from coach.outcomes import bp
from coach.outcomes import export as ex
from coach.outcomes.figures import IPS_COMMUNITY_TARGET, all_figures
from coach.outcomes.forms import OutcomesFilter
from coach.outcomes.records import KINDS, records_behind
from coach.outcomes.services import Scope, default_period, starts_chart
from coach.web import int_arg, render


def _scope() -> tuple[Scope, OutcomesFilter]:
    """The filters as typed (with messages beside bad ones) and the scope they give:
    a bad or empty filter falls back to its default (all coaches, the last 12 months)."""
    today = agency_today()
    form = OutcomesFilter(request.args)
    form.validate()
    start, end = default_period(today)
    if form.start.data and not form.start.errors and not form.end.errors:
        start = form.start.data
    if form.end.data and not form.end.errors:
        end = form.end.data
    start = min(start, end)
    if not (form.start.errors or form.end.errors):  # show the dates used
        form.start.data, form.end.data = start, end
    coach = staff_member(int_arg("coach")) if current_user.sees_all_caseloads else None
    tz = current_agency().timezone
    return Scope(current_user, coach and coach[0], start, end, today, tz, coach), form


@bp.route("/")
def outcomes():
    """The outcome figures for the caseloads this user sees, filtered by coach and
    dates; each links to the records behind it. Aggregates only: no person is shown."""
    scope, form = _scope()
    figures = all_figures(scope)
    return render(
        "outcomes/outcomes.html",
        scope=scope,
        form=form,
        chart=starts_chart(figures["starts"]),
        target=IPS_COMMUNITY_TARGET,
        **figures,
    )


@bp.route("/records/<figure>")
def records(figure: str):
    """The records behind one figure, scoped and filtered as the figure; every client
    listed is logged as viewed."""
    if figure not in KINDS:
        abort(404)
    scope, form = _scope()
    per_page = current_app.config["PAGE_SIZE"]
    page, cards = records_behind(figure, scope, request.args, int_arg("page", 1), per_page)
    audit_views("client", [card.client_id for card in cards if card.client_id])
    return render(
        "outcomes/records.html",
        figure=figure,
        title=KINDS[figure],
        page=page,
        cards=cards,
        scope=scope,
        form=form,
    )


@bp.route("/outcomes.csv")
def export_csv():
    """The figures as CSV, with the filters in the rows (logged as an export)."""
    scope, _ = _scope()
    rows = ex.figure_rows(scope, all_figures(scope))
    record_event("export", "outcomes", None, f"outcome figures {scope.start} to {scope.end}")
    db.session.commit()
    name = f"outcomes-{scope.start}-{scope.end}.csv"
    return Response(
        ex.csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
