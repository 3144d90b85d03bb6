"""Typed SQLAlchemy models, one module per area."""

from coach.models.accommodation import (
    DECISIONS,
    FOLLOW_UP_RESULTS,
    PAYERS,
    REQUEST_METHODS,
    REQUEST_STATUSES,
    AccommodationRequest,
    OutboxMessage,
    RequestEvent,
    Signature,
    SignoffLink,
)
from coach.models.agency import TWO_FACTOR_POLICIES, AgencySettings
from coach.models.audit import AuditEvent
from coach.models.caseload import (
    CLIENT_STATUSES,
    DISCLOSURE_CHOICES,
    END_REASONS,
    Client,
    Employer,
    Placement,
    Worksite,
)
from coach.models.contact import CONTACT_KINDS, DIRECTIONS, REPLY_KINDS, ClientContact
from coach.models.job_events import JOB_EVENT_KINDS, PlacementEvent
from coach.models.mileage import (
    DEFAULT_RATES,
    EDITABLE,
    TRIP_STATUSES,
    MileageRate,
    Trip,
)
from coach.models.tasks import (
    PROMPT_LEVELS,
    STRATEGIES,
    ChecklistRun,
    StepScore,
    TaskAnalysis,
    TaskStep,
    TaskTemplate,
)
from coach.models.user import ROLES, LoginThrottle, RecoveryCode, User, UserSession
from coach.models.visit import (
    CONTACT_TYPES,
    NOTE_FIELDS,
    NOTE_SECTIONS,
    QUICK_TAGS,
    Visit,
    VisitVersion,
)

__all__ = [
    "END_REASONS",
    "JOB_EVENT_KINDS",
    "PlacementEvent",
    "CONTACT_KINDS",
    "DIRECTIONS",
    "REPLY_KINDS",
    "ClientContact",
    "DEFAULT_RATES",
    "EDITABLE",
    "TRIP_STATUSES",
    "MileageRate",
    "Trip",
    "DECISIONS",
    "FOLLOW_UP_RESULTS",
    "PAYERS",
    "REQUEST_METHODS",
    "REQUEST_STATUSES",
    "AccommodationRequest",
    "OutboxMessage",
    "RequestEvent",
    "Signature",
    "SignoffLink",
    "PROMPT_LEVELS",
    "STRATEGIES",
    "ChecklistRun",
    "StepScore",
    "TaskAnalysis",
    "TaskStep",
    "TaskTemplate",
    "AgencySettings",
    "TWO_FACTOR_POLICIES",
    "RecoveryCode",
    "UserSession",
    "AuditEvent",
    "CLIENT_STATUSES",
    "CONTACT_TYPES",
    "Client",
    "DISCLOSURE_CHOICES",
    "Employer",
    "LoginThrottle",
    "NOTE_FIELDS",
    "NOTE_SECTIONS",
    "Placement",
    "QUICK_TAGS",
    "ROLES",
    "User",
    "Visit",
    "VisitVersion",
    "Worksite",
]
