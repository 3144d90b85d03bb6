from flask import current_app, request

from coach.audit import bp
from coach.audit.services import audit_page_query
from coach.extensions import db
from coach.web import int_arg, render, roles_required

# The record types a supervisor filters the log by; the links an employer opens are
# here, so who outside the agency saw what can be listed.
ENTITY_TYPES = [
    "client",
    "visit",
    "placement",
    "employment_plan",
    "progress_report",
    "accommodation",
    "signature",
    "signoff_link",
    "report_link",
    "employer",
    "worksite",
    "user",
    "agency_settings",
]


@bp.route("/")
@roles_required("supervisor", "admin")
def audit_log():
    """The audit log, newest first, filtered by record type."""
    entity_type = request.args.get("type", "")
    entity_type = entity_type if entity_type in ENTITY_TYPES else ""
    page = db.paginate(
        audit_page_query(entity_type or None, int_arg("user")),
        page=int_arg("page", 1),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        error_out=False,
    )
    return render(
        "audit/audit_log.html",
        "audit/_events.html",
        page=page,
        entity_type=entity_type,
        entity_types=ENTITY_TYPES,
    )
