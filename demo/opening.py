"""Who opens a seeded case by hand, and why: the demo and the bench follow the same rule as the form
(docs/roles.md): early help by its lead, child in need and child protection by the lead's team manager."""

from accounts.models import User
from cases.models import Level


def opener_for(lead: User, level: str) -> User:
    """Who opens a seeded case by hand for `lead`: the lead for early help, otherwise their team manager, since
    a child in need or child protection case opened without a referral is a manager's decision."""
    if level == Level.EARLY_HELP:
        return lead
    manager = User.objects.filter(managed_teams__id=lead.team_id).first() if lead.team_id else None
    if manager is None:
        raise ValueError(f"{lead.username} has no team manager to open a {level} case.")
    return manager


def opening_reason(level: str) -> str:
    return "" if level == Level.EARLY_HELP else "Demo data: opened by the team manager after a strategy discussion."
