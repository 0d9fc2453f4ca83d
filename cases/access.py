"""The one access policy for cases.

A user sees a case when they are on its current team, manage the lead professional's team, are
a senior manager in the lead agency, or hold an unexpired access grant. Lists filter with
`cases_visible_to` in SQL; case pages get their case only through `case_for_user`, which gives
everyone else a 404 (a hidden case looks exactly like a missing one) and audits both outcomes.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from cases.models import AccessGrant, Case, CaseMember


def _current_memberships(user: User) -> QuerySet[CaseMember]:
    return CaseMember.objects.filter(user=user, ended_on__isnull=True).order_by()


def management_condition(user: User) -> Q:
    """Cases a manager may open because of their position, not their team membership."""
    # The leads of the teams the user manages as a small subquery, rather than joining every case
    # to its lead and their team: the planner then filters cases_case alone.
    condition = Q(lead_professional__in=User.objects.filter(team__manager=user).values("pk"))
    if user.role == User.Role.SENIOR_MANAGER and user.agency_id:
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


def cases_writable_by(user: User) -> QuerySet[Case]:
    """Cases the user may add to: current non-read-only members, and their managers."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    writable = _current_memberships(user).exclude(role=CaseMember.Role.READ_ONLY).values("case_id")
    return Case.objects.filter(Q(pk__in=writable) | management_condition(user))


def can_write(user: User, case: Case) -> bool:
    return cases_writable_by(user).filter(pk=case.pk).exists()


def can_manage_team(user: User, case: Case) -> bool:
    """Lead professional and managers change the team, the lead and the case's status."""
    if case.lead_professional_id == user.pk:
        return True
    return manages_lead(user, case)


def manages_lead(user: User, case: Case) -> bool:
    """The lead professional's team manager, or a senior manager of the lead agency: they supervise."""
    return Case.objects.filter(management_condition(user), pk=case.pk).exists()


def case_for_user(
    request: HttpRequest, reference: str, *, write: bool = False, manage: bool = False, supervise: bool = False
) -> Case:
    """The only way a view gets a Case. 404 to outsiders, 403 to members who may not write
    (or, with `supervise`, to anyone but the lead's managers).

    Every call leaves exactly one audit row: viewed (GET), accessed (other methods), refused or denied.
    """
    case = (
        cases_visible_to(request.user)
        .filter(reference=reference)
        .select_related("lead_professional", "lead_professional__team", "lead_agency")
        .first()
    )
    if case is None:
        audit.record_denied(request, requested_case=reference)
        raise Http404("No case found")
    if (
        (write and not can_write(request.user, case))
        or (manage and not can_manage_team(request.user, case))
        or (supervise and not manages_lead(request.user, case))
    ):
        audit.record(
            actor=request.user,
            action="access.refused_write",
            case=case,
            request=request,
            outcome="denied",
            data={"path": request.path},
            using=settings.AUDIT_DB_ALIAS,
        )
        raise PermissionDenied("You can read this case but not change it.")
    action = "case.viewed" if request.method in ("GET", "HEAD") else "case.accessed"
    audit.record_access(request, case=case, action=action)
    return case


def case_view(
    *, methods: tuple[str, ...] = ("GET",), write: bool = False, manage: bool = False, supervise: bool = False
):
    """Decorate a case page: the view receives the case from `case_for_user` instead of its reference.

    The access check runs before the method check, so an outsider gets 404 for every method;
    a 405 would tell them the case exists.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, reference: str, **kwargs):
            case = case_for_user(request, reference, write=write, manage=manage, supervise=supervise)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, case, **kwargs)

        return wrapper

    return decorator
