"""The agency's settings row, read once per request."""

from datetime import date

from flask import g, has_app_context
from sqlalchemy.exc import SQLAlchemyError

from coach.extensions import db
from coach.models import AgencySettings
from coach.timeutil import DEFAULT_TZ, local_today


def current_agency() -> AgencySettings:
    """Settings for this request (defaults before the first run, or if the database fails,
    so that even an error page can render)."""
    if has_app_context() and "agency" in g:
        return g.agency
    try:
        agency = db.session.get(AgencySettings, 1)
    except SQLAlchemyError:
        db.session.rollback()
        agency = None
    agency = agency or AgencySettings(
        id=1,
        name="Coach",
        timezone=DEFAULT_TZ,
        office_address="",
        unit_threshold_minutes=8,
        onsite_radius_m=250,
        weekly_contact_target=6,
        weekly_contact_weeks=4,
        later_contact_days=30,
    )
    if has_app_context():
        g.agency = agency
    return agency


def agency_today() -> date:
    """Today in the agency's zone: every default date and every "today" comes from here."""
    return local_today(current_agency().timezone)


def parse_month(value: str | None) -> tuple[int, int]:
    """'2026-11' → (2026, 11); anything else is this month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        date(year, month, 1)
        if 2000 <= year <= 2100:
            return year, month
    except ValueError:
        pass
    today = agency_today()
    return today.year, today.month
