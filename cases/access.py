"""The one access policy for cases.

A user sees a case when they are on its current team, manage the lead professional's team, are
a senior manager in the lead agency, or hold an unexpired access grant. Lists filter with
`cases_visible_to` in SQL; case pages get their case only through `case_for_user`, which gives
everyone else a 404 (a hidden case looks exactly like a missing one) and audits both outcomes.

A closed case is read-only for everyone: the decision says nobody may write to it, manage it or record
supervision on it, so every write page, button and service refuses it the same way. Only the lead's
managers may reopen it (`can_reopen`).
"""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.utils import timezone

from accounts.models import Capability, User
from audit import services as audit
from audit.models import AuditEvent
from cases.models import AccessGrant, Case, CaseMember


def _current_memberships(user: User) -> QuerySet[CaseMember]:
    return CaseMember.objects.current().filter(user=user).order_by()


def management_condition(user: User) -> Q:
    """Cases a manager may open because of their position, not their team membership."""
    # The leads of the teams the user manages as a small subquery, rather than joining every case
    # to its lead and their team: the planner then filters cases_case alone.
    condition = Q(lead_professional__in=User.objects.filter(team__manager=user).values("pk"))
    if user.agency_id and user.can(Capability.Key.OVERSEE_AGENCY):
        condition |= Q(lead_agency_id=user.agency_id)
    return condition


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Every case the user may open, as one SQL query (no duplicates, no Python filtering).

    The user's memberships and live grants are one small UNION of case ids that PostgreSQL hashes
    once, rather than two EXISTS evaluated for every case in the database.
    """
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    grants = (
        AccessGrant.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by()
        .values("case_id")
    )
    members = _current_memberships(user).values("case_id")
    return Case.objects.filter(Q(pk__in=members.union(grants)) | management_condition(user))


@dataclass(frozen=True)
class CaseAccess:
    """What one person may do with one case, decided once (one query) and read by the view, its templates
    (`case.access`) and the services it calls."""

    user_id: int
    writes: bool  # current members who are not read-only, and the lead's managers, whatever the case's status
    supervises: bool  # the lead's team manager, or a senior manager of the lead agency
    is_lead: bool
    is_open: bool

    @property
    def can_write(self) -> bool:
        """Add to the case. Nobody adds to a closed case: it can be read but not changed."""
        return self.writes and self.is_open

    @property
    def can_supervise(self) -> bool:
        """Act as the lead's manager on the case (record supervision, answer escalations): open cases only."""
        return self.supervises and self.is_open

    @property
    def can_manage(self) -> bool:
        """Change the team, the lead and the case's status; acknowledge flags: open cases only."""
        return (self.is_lead or self.supervises) and self.is_open

    @property
    def can_export(self) -> bool:
        """Take the chronology out of the portal (PDF, CSV): those who may write, open or closed, since a
        closed case's chronology is still asked for (a court, a later case)."""
        return self.writes

    @property
    def can_oversee(self) -> bool:
        """Read what only the lead and their managers read (who viewed, supervision records), open or closed."""
        return self.is_lead or self.supervises

    @property
    def can_reopen(self) -> bool:
        """Reopening a closed case is a manager's decision (docs/roles.md), never the lead's own."""
        return self.supervises and not self.is_open


NO_ACCESS = {"writes": False, "supervises": False, "is_lead": False, "is_open": False}


def _decide(user: User, cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases, each annotated with the two facts the decision needs, in the same query."""
    writes = _current_memberships(user).filter(case=OuterRef("pk")).exclude(role=CaseMember.Role.READ_ONLY)
    return cases.annotate(
        _member_writes=Exists(writes),
        _supervises=ExpressionWrapper(management_condition(user), output_field=BooleanField()),
    )


def _decision_from(user: User, case: Case) -> CaseAccess:
    return CaseAccess(
        user_id=user.pk,
        writes=case._member_writes or case._supervises,
        supervises=case._supervises,
        is_lead=case.lead_professional_id == user.pk,
        is_open=case.is_open,
    )


def decision(user: User, case: Case) -> CaseAccess:
    """What `user` may do with `case`: the decision made for this request when there is one (the case came
    from `case_for_user`), otherwise one query. For services, which check again whatever the view did.
    The case's status is read from the database with the rest, so a case closed since it was loaded is
    read-only here too."""
    made = getattr(case, "access", None)
    if made is not None and made.user_id == user.pk:
        return made
    if not user.is_authenticated or not user.is_active:
        return CaseAccess(user_id=user.pk, **NO_ACCESS)
    annotated = _decide(user, Case.objects.filter(pk=case.pk)).values("_member_writes", "_supervises", "status").first()
    if annotated is None:
        return CaseAccess(user_id=user.pk, **NO_ACCESS)
    return CaseAccess(
        user_id=user.pk,
        writes=annotated["_member_writes"] or annotated["_supervises"],
        supervises=annotated["_supervises"],
        is_lead=case.lead_professional_id == user.pk,
        is_open=annotated["status"] == Case.Status.OPEN,
    )


def _refusal(allowed: CaseAccess, *, write: bool, manage: bool, supervise: bool, reopen: bool, other: bool) -> str:
    """What the 403 page says: when only the closure stands in the way, that the case is closed. `other`: a
    check the closure plays no part in (oversee, export) refused it."""
    if reopen:
        if allowed.is_open:
            return "This case is open: there is nothing to reopen."
        return "Only the lead professional's manager can reopen a closed case."
    would_be_allowed = (
        not other
        and (not write or allowed.writes)
        and (not manage or allowed.is_lead or allowed.supervises)
        and (not supervise or allowed.supervises)
    )
    if not allowed.is_open and would_be_allowed:
        return "This case is closed: it can be read but not changed."
    return "You can read this case but not change it."


def case_for_user(
    request: HttpRequest,
    reference: str,
    *,
    write: bool = False,
    manage: bool = False,
    supervise: bool = False,
    oversee: bool = False,
    reopen: bool = False,
    export: bool = False,
) -> Case:
    """The only way a view gets a Case: one query finds it among the cases the person may open and decides
    what they may do with it (`case.access`, a CaseAccess). 404 to outsiders, 403 to members who may not
    write (or manage, or, with `supervise`, to anyone but the lead's managers; with `oversee`, to anyone but
    the lead and their managers; with `reopen`, to anyone but the lead's managers of a closed case; with
    `export`, to those who could write were the case open).
    A closed case refuses `write`, `manage` and `supervise` for everyone, with the same 403.

    Every call leaves exactly one audit row: viewed (GET), accessed (other methods), refused or denied.
    The decision is kept for the rest of the request, so a second call for the same case asks nothing again.
    """
    made = getattr(request, "_case_access", None)
    if made is None:
        made = request._case_access = {}
    case = made.get(reference)
    if case is None:
        case = (
            _decide(request.user, cases_visible_to(request.user))
            .filter(reference=reference)
            .select_related("lead_professional", "lead_professional__team", "lead_agency")
            .first()
        )
        if case is None:
            audit.record_denied(request, requested_case=reference)
            raise Http404("No case found")
        case.access = _decision_from(request.user, case)
        made[reference] = case
    allowed = case.access
    if (
        (write and not allowed.can_write)
        or (manage and not allowed.can_manage)
        or (supervise and not allowed.can_supervise)
        or (oversee and not allowed.can_oversee)
        or (reopen and not allowed.can_reopen)
        or (export and not allowed.can_export)
    ):
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.ACCESS_REFUSED_WRITE,
            case=case,
            request=request,
            outcome="denied",
            data={"path": request.path},
            using=settings.AUDIT_DB_ALIAS,
        )
        raise PermissionDenied(
            _refusal(
                allowed,
                write=write,
                manage=manage,
                supervise=supervise,
                reopen=reopen,
                other=(oversee and not allowed.can_oversee) or (export and not allowed.can_export),
            )
        )
    action = AuditEvent.Action.CASE_VIEWED if request.method in ("GET", "HEAD") else AuditEvent.Action.CASE_ACCESSED
    audit.record_access(request, case=case, action=action)
    return case


def case_view(
    *,
    methods: tuple[str, ...] = ("GET",),
    write: bool = False,
    manage: bool = False,
    supervise: bool = False,
    oversee: bool = False,
    reopen: bool = False,
    export: bool = False,
):
    """Decorate a case page: the view receives the case from `case_for_user` instead of its reference.

    The access check runs before the method check, so an outsider gets 404 for every method;
    a 405 would tell them the case exists.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, reference: str, **kwargs):
            case = case_for_user(
                request,
                reference,
                write=write,
                manage=manage,
                supervise=supervise,
                oversee=oversee,
                reopen=reopen,
                export=export,
            )
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, case, **kwargs)

        return wrapper

    return decorator
