"""Typed SQLAlchemy models, one module per area."""

from coach.models.agency import AgencySettings
from coach.models.audit import AuditEvent
from coach.models.caseload import (
    CLIENT_STATUSES,
    DISCLOSURE_CHOICES,
    Client,
    Employer,
    Placement,
    Worksite,
)
from coach.models.user import ROLES, LoginThrottle, User

__all__ = [
    "AgencySettings",
    "AuditEvent",
    "CLIENT_STATUSES",
    "Client",
    "DISCLOSURE_CHOICES",
    "Employer",
    "LoginThrottle",
    "Placement",
    "ROLES",
    "User",
    "Worksite",
]
