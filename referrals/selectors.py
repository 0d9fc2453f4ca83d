"""Reads of referrals shared by the pages: the MASH inbox, one referral for the MASH, the referrer's own.

The referrer's reads return only what they sent and its outcome: never a partner check, never a link to a
person record, nothing that would say whether the family is already known."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from cases import matching
from cases import selectors as case_selectors
from common.dates import with_weekday

from .models import PartnerCheck, Referral, ReferralAdult, ReferralChild

INBOX_DECIDED_SHOWN = 50


def time_in_words(moment: datetime) -> str:
    """'Friday 4 December 2026 at 3:05pm', in local time."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    return f"{with_weekday(local.date())} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def due_in_words(referral: Referral) -> str:
    """'by the end of Monday 7 December 2026'."""
    return f"by the end of {with_weekday(timezone.localtime(referral.decision_due_at).date())}"


def inbox() -> tuple[list[Referral], list[Referral]]:
    """Undecided referrals, the decision soonest due first, and the newest decided ones: three queries
    whatever their number (the referrals with status, their children, the decisions' outcomes)."""
    base = (
        Referral.objects.with_status()
        .select_related("referrer_agency", "decision")
        .prefetch_related(Prefetch("children", queryset=ReferralChild.objects.order_by("position")))
    )
    waiting = list(base.filter(has_decision=False).order_by("decision_due_at", "received_at"))
    decided = list(base.filter(has_decision=True).order_by("-decision__decided_at")[:INBOX_DECIDED_SHOWN])
    return waiting, decided


def for_mash(reference: str) -> Referral | None:
    """One referral with everything the MASH page shows."""
    return (
        Referral.objects.with_status()
        .select_related("referrer", "referrer_agency", "decision__decided_by", "decision__lead_agency")
        .select_related("decision__allocating_team", "decision__case")
        .prefetch_related(
            Prefetch(
                "children",
                queryset=ReferralChild.objects.order_by("position").prefetch_related("professionals__agency"),
            ),
            "adults",
            Prefetch(
                "checks", queryset=PartnerCheck.objects.select_related("agency", "asked_by").order_by("recorded_at")
            ),
        )
        .filter(reference=reference)
        .first()
    )


def made_by(user: User) -> QuerySet[Referral]:
    """The person's own referrals, newest first, each with its status and decision (one query)."""
    return Referral.objects.filter(referrer=user).with_status().select_related("decision").order_by("-received_at")


def own(user: User, reference: str) -> Referral | None:
    """One of the person's own referrals, with its children and adults as they sent them; None otherwise."""
    return (
        made_by(user)
        .prefetch_related(Prefetch("children", queryset=ReferralChild.objects.order_by("position")), "adults")
        .filter(reference=reference)
        .first()
    )


@dataclass
class KnownPerson:
    """A child or adult of a referral and what the portal already knows of them, for the MASH only: the
    person they were linked to, or the people they may be (with each one's cases)."""

    row: ReferralChild | ReferralAdult
    kind: str  # "child" or "adult"
    linked: case_selectors.PersonHistory | None = None
    candidates: list = field(default_factory=list)  # (matching.Candidate, PersonHistory) pairs

    @property
    def rereferral(self) -> bool:
        return bool(self.linked and self.linked.rereferral)


def known_people(referral: Referral) -> list[KnownPerson]:
    """Each child and adult of the referral with their earlier and current cases, through every record of
    the same person: the linked person's, or, before linking, the candidates' the search finds (name and
    date of birth, tolerant of spelling and swapped day and month; NHS number first). A re-referral is a
    child whose case closed in the 12 months before the referral was received.

    Queries: two per person not yet linked (the search), two for everyone's history; bounded by the
    referral's people, not by the number of people the portal holds."""
    rows = [("child", row) for row in referral.children.all()] + [("adult", row) for row in referral.adults.all()]
    found = {}
    for kind, row in rows:
        if row.person_id is None:
            found[(kind, row.pk)] = matching.find_people(
                row.first_name, row.last_name, row.date_of_birth, getattr(row, "nhs_number", "") or None
            )
    ids = [row.person_id for _, row in rows if row.person_id] + [
        candidate.person.pk for candidates in found.values() for candidate in candidates
    ]
    received_on = timezone.localtime(referral.received_at).date()
    history = case_selectors.people_history(ids, on=received_on) if ids else {}
    canonical = case_selectors.canonical_person_ids([row.person_id for _, row in rows if row.person_id])
    people = []
    for kind, row in rows:
        known = KnownPerson(row=row, kind=kind)
        if row.person_id:
            known.linked = history.get(canonical.get(row.person_id))
        else:
            known.candidates = [(c, history.get(c.person.pk)) for c in found[(kind, row.pk)]]
        people.append(known)
    return people
