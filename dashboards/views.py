"""Pages that gather what other apps hold: the practitioner home (the signed-in `/`), the caseload with its
CSV export, the manager's stuck cases, case search, the case page (household, team, plan, flags and
escalations in one place), the person's notifications and the glossary. Lists come from dashboards/selectors.py.
"""

import csv

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import stepup
from accounts import views as account_views
from accounts.models import Capability, User
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases import selectors as case_selectors
from cases.models import Case, CaseMember, ClosureReason
from chronology.exports import safe_cell
from common.glossary import TERMS
from common.views import INVALID
from gcp2.structure import AREAS, GRADES
from notifications import services as notification_services
from plans import selectors as plan_selectors
from plans import services as plan_services

from . import selectors as dash
from .filters import CaseloadFilter
from .forms import LeaverForm, ReallocateForm

ROWS_PER_PAGE = 50
CSV_COLUMNS = [
    "case_reference",
    "level_of_need",
    "lead_professional",
    "children_and_ages",
    "next_deadline",
    "next_deadline_for",
    "deadline_status",
    "open_flags",
    "working_days_since_last_contact",
    "latest_gcp2_area_grades",
    "plan_progress",
]


class SearchForm(forms.Form):
    q = forms.CharField(label="Case reference or child's name", max_length=100)


def _links(user: User) -> dict:
    return {
        "show_caseload": user.can(Capability.Key.USE_MANAGER_VIEW) or dash.leads_any_case(user),
        "show_manager": user.can(Capability.Key.USE_MANAGER_VIEW),
    }


def practitioner_home(request: HttpRequest) -> HttpResponse:
    """What a practitioner needs first: their cases, actions due, outcomes to record, what is new."""
    user, today = request.user, timezone.localdate()
    cases = list(dash.my_cases(user)[:ROWS_PER_PAGE])
    for case in cases:
        case.can_log_concern = case.my_role != CaseMember.Role.READ_ONLY
    return render(
        request,
        "dashboards/home.html",
        {
            "my_cases": cases,
            "counts": case_selectors.case_counts_for(user),
            "actions": dash.my_actions(user, today),
            "appointments": dash.my_appointments_without_outcome(user, today),
            "notifications": dash.my_unread_notifications(user),
            "search_form": SearchForm(),
            "today": today,
            **_links(user),
        },
    )


def _caseload_filter(request: HttpRequest) -> CaseloadFilter:
    base = dash.with_dashboard_columns(dash.caseload_for(request.user))
    return CaseloadFilter(request.GET or None, queryset=base, request=request)


@require_http_methods(["GET"])
def caseload(request: HttpRequest) -> HttpResponse:
    """Every open case the person may see, one row each, filtered and sorted."""
    today = timezone.localdate()
    filterset = _caseload_filter(request)
    status = 400 if filterset.is_bound and not filterset.is_valid() else 200
    page = Paginator(filterset.qs if status == 200 else filterset.queryset.none(), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboards/caseload.html",
        {
            "filter": filterset,
            "page": page,
            "rows": dash.case_rows(page.object_list, today),
            "query": query.urlencode(),
            "areas": AREAS,
            "today": today,
            **_links(request.user),
        },
        status=status,
    )


@require_http_methods(["GET"])
@stepup.export_view
def caseload_csv(request: HttpRequest) -> HttpResponse:
    """The filtered caseload as CSV. The export and every case in it are recorded (docs/security.md, R22)."""
    today = timezone.localdate()
    filterset = _caseload_filter(request)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponse("The filters are not valid.", status=400, content_type="text/plain")
    rows = dash.case_rows(filterset.qs, today)
    # The audit row comes first: its id is the export ID in the watermark, as for every export.
    event = audit.record(
        actor=request.user,
        action=AuditEvent.Action.CASELOAD_EXPORTED,
        request=request,
        using=settings.AUDIT_DB_ALIAS,
        data={
            "case_ids": [str(row.case.pk) for row in rows],
            "filters": sorted(k for k, v in request.GET.items() if v),
        },
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="caseload-{today:%Y%m%d}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([stepup.watermark(request.user, event.pk)])
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        case = row.case
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    case.reference,
                    case.get_level_display(),
                    case.lead_professional.get_full_name(),
                    "; ".join(
                        f"{c.member.person.first_name} {c.member.person.last_name} ({c.member.person.age_label(today)})"
                        for c in row.children
                    ),
                    row.next_due.isoformat() if row.next_due else "",
                    row.next.what if row.next else "",
                    row.next.words if row.next else row.deadline.label,
                    "; ".join(f"{kind}: {n}" for kind, n in row.flags_by_kind.items()),
                    "" if row.working_days_since_contact is None else row.working_days_since_contact,
                    "; ".join(
                        f"{c.member.person.first_name}: "
                        + " ".join(f"{area.code}{grade or '-'}" for area, grade in zip(AREAS, c.grades))
                        for c in row.children
                    ),
                    row.progress,
                )
            ]
        )
    return response


STUCK_ROWS_PER_PAGE = 50


@require_http_methods(["GET"])
def manager(request: HttpRequest) -> HttpResponse:
    """The team's open cases, most stuck first, with the reasons and the actions a manager takes."""
    if not request.user.can(Capability.Key.USE_MANAGER_VIEW):
        raise PermissionDenied("This page is for team managers and senior managers.")
    today = timezone.localdate()
    cases = dash.managed_cases(request.user)
    # Ranked in SQL a page at a time; only the page's cases are loaded and drawn.
    is_senior = request.user.can(Capability.Key.OVERSEE_AGENCY)
    page, counts = dash.StuckRanking(cases, today, narrow=not is_senior).page(
        request.GET.get("page"), STUCK_ROWS_PER_PAGE
    )
    return render(
        request,
        "dashboards/manager.html",
        {
            "rows": dash.stuck_rows(page.object_list, today),
            "page": page,
            "figures": dash.team_figures(cases, counts, today),
            "workers": dash.worker_caseloads(request.user),
            "is_senior": is_senior,
            "areas": AREAS,
            "today": today,
            **_links(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def reallocate(request: HttpRequest) -> HttpResponse:
    """Move a leaver's whole caseload to other leads in one step: choose the worker, then a new lead for each
    case (or one for all). Each case's change is the single lead change, all in one transaction."""
    user = request.user
    if not user.can(Capability.Key.USE_MANAGER_VIEW):
        raise PermissionDenied("This page is for team managers and senior managers.")
    managed = dash.managed_cases(user)
    leavers = User.objects.filter(pk__in=managed.order_by().values("lead_professional")).annotate(
        led_open=Count("led_cases", filter=Q(led_cases__in=managed.order_by().values("pk")))
    )
    source = request.POST if request.method == "POST" else request.GET
    picked = LeaverForm(source if "leaver" in source else None, leavers=leavers)
    context = {"picked": picked, **_links(user)}
    if not picked.is_bound or not picked.is_valid():
        status = 400 if picked.is_bound else 200
        return render(request, "dashboards/reallocate.html", context, status=status)
    leaver = picked.cleaned_data["leaver"]
    cases = list(
        managed.filter(lead_professional=leaver)
        .select_related("lead_professional", "lead_agency")
        .order_by("reference")
    )
    form = ReallocateForm(
        request.POST if request.method == "POST" else None,
        cases=cases,
        leads=plan_services.reallocation_leads(user),
        leaver=leaver,
    )
    context.update(leaver=leaver, form=form)
    if request.method == "POST":
        if form.is_valid():
            try:
                moved = plan_services.caseload_reallocate(
                    by=user,
                    leaver=leaver,
                    moves=[plan_services.Move(case, version, lead) for case, version, lead in form.moves()],
                    on=timezone.localdate(),
                    keep_previous_on_team=form.cleaned_data["keep_previous_on_team"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"{len(moved)} case{'s' if len(moved) != 1 else ''} moved from {leaver.get_full_name()} to "
                    "their new leads. Each change is in its case's team history.",
                )
                return redirect("dashboards:manager")
        messages.error(request, "Nothing was moved. Please correct the problems shown below.")
        return render(request, "dashboards/reallocate.html", context, status=INVALID)
    return render(request, "dashboards/reallocate.html", context)


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Find a case by reference or a child's name. By POST, so no name ever sits in a URL (R28)."""
    form = SearchForm(request.POST or None)
    results, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            results = list(dash.search_cases(request.user, form.cleaned_data["q"]))
            audit.record(
                actor=request.user,
                action=AuditEvent.Action.CASE_SEARCHED,
                request=request,
                data={"case_ids": [str(case.pk) for case in results]},
            )
        else:
            status = 400
    return render(
        request,
        "dashboards/search.html",
        {"form": form, "results": results, "today": timezone.localdate()},
        status=status,
    )


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """The login page before sign-in; after it, where the person's work is: the manager's view for a team or
    senior manager who is on no open case's team, the practitioner home for everyone else (a manager who
    also works on cases keeps the home page, which links to the manager's view)."""
    if not request.user.is_authenticated:
        return account_views.sign_in(request)  # behind the same sign-in throttle as /accounts/login/
    if request.user.can(Capability.Key.USE_MANAGER_VIEW) and not dash.on_any_open_case_team(request.user):
        return redirect("dashboards:manager")
    return practitioner_home(request)


def _open_flags_and_escalations(case: Case) -> dict:
    """How many flags and escalations of the case are open, in one query (the page's header and tabs)."""
    return Case.objects.filter(pk=case.pk).aggregate(
        open_flags=Count("flags", filter=Q(flags__resolved_at__isnull=True), distinct=True),
        open_escalations=Count("escalations", filter=Q(escalations__status="open"), distinct=True),
    )


@access.case_view(methods=("GET",))
def case_detail(request: HttpRequest, case: Case) -> HttpResponse:
    today = timezone.localdate()
    household = plan_selectors.household_with_records(case)
    return render(
        request,
        "dashboards/case_detail.html",
        {
            "case": case,
            "household": household,
            # For the heading only: the page title, which browsers and proxies may log, keeps the reference.
            "family_name": case_selectors.family_name(household),
            "latest_entries": dash.latest_entries(case),
            "team": case_selectors.team_for(case),
            "reopenings": case_selectors.reopenings_for(case),
            "family_history": case_selectors.family_history(case, household, request.user),
            **_open_flags_and_escalations(case),
            "today": today,
            "summary": plan_selectors.plan_summary(case, today, show_supervision=case.access.can_oversee),
        },
    )


@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's own notifications. Marking them read is a POST (GET never writes)."""
    if request.method == "POST":
        notification_services.mark_all_read(user=request.user)
        return redirect("dashboards:notifications")
    page = Paginator(dash.notifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "dashboards/notifications.html", {"page": page})


@require_http_methods(["GET"])
def glossary(request: HttpRequest) -> HttpResponse:
    """The portal's words in plain English, for everyone signed in: the terms (common/glossary.py), the GCP2
    areas and grades (codes, names and our own meanings: never the NSPCC's text) and the census's RC codes."""
    return render(
        request,
        "dashboards/glossary.html",
        {"terms": TERMS, "areas": AREAS, "grades": sorted(GRADES.items()), "closure_reasons": ClosureReason.choices},
    )
