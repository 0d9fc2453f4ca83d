"""The cases app's rows: households and teams (core), plans, meetings and reviews, timescales,
monitoring flags and notifications, escalations.

Split by subject; everything is importable from `cases.models` as before.
"""

from .core import (
    AccessGrant,
    Case,
    CaseMember,
    CaseReferenceCounter,
    ClosureReason,
    HouseholdMember,
    Level,
    Person,
)
from .escalations import Escalation, EscalationResponse, EscalationStage
from .meetings import REVIEW_KINDS, Meeting, MeetingKind, OutcomeRating
from .monitoring import Flag, MonitoringSettings, Notification
from .plans import AbuseCategory, Action, Outcome, Plan
from .timescales import ClosureDay, Timescale

__all__ = [
    "AbuseCategory", "AccessGrant", "Action", "Case", "CaseMember", "CaseReferenceCounter", "ClosureDay",
    "ClosureReason", "Escalation", "EscalationResponse", "EscalationStage", "Flag", "HouseholdMember", "MonitoringSettings", "Notification", "Level", "Meeting", "MeetingKind", "Outcome", "OutcomeRating",
    "Person", "Plan", "REVIEW_KINDS", "Timescale",
]
