"""Case pages: the case list, open a case, change its details, household, team, temporary access, who viewed,
reopen a closed case; a manager's cases to allocate and allocating one; recording the assessment completed.

Every view that touches one case gets it through cases.access.case_for_user. The case page itself, which
gathers plan, flags and GCP2, is a dashboards view.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit import selectors as audit_selectors
from audit import services as audit
from audit.models import AuditEvent
from cases import access, selectors, services
from cases.forms import (
    AccessGrantForm,
    AllocationForm,
    AssessmentCompletedForm,
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
    CaseMemberAddForm,
    CaseMemberEndForm,
    CaseReopenForm,
    HouseholdMemberForm,
)
from cases.models import Case
from common.dates import in_words
from common.views import DuplicateSubmission, apply_service_errors, form_page, saved_once

CASES_PER_PAGE = 25

# Title, button and one line of explanation for each form page (templates/cases/form_page.html).
PAGES = {
    "create": {
        "title": "Open a case",
        "submit_label": "Open the case",
        "intro": "You will be the lead professional. Add the household's children and adults next.",
    },
    "edit": {"title": "Change case details", "submit_label": "Save changes"},
    "allocate": {
        "title": "Allocate the case",
        "submit_label": "Allocate",
        "intro": "Choose the lead professional from your team. They are told by email, with a link and no "
        "personal details.",
    },
    "assessment": {
        "title": "Record the assessment completed",
        "submit_label": "Record it",
        "intro": "The date the child and family assessment was completed. This stops the overdue alert.",
    },
    "household": {
        "title": "Add someone to the household",
        "submit_label": "Add to household",
        "add_another": True,
        "intro": "Record everyone who lives in the home, including informal carers and unborn babies.",
    },
    "team_add": {"title": "Add a professional to the case team", "submit_label": "Add to team"},
    "team_end": {
        "title": "Remove from the case team",
        "submit_label": "Remove from team",
        "intro": "They keep their place in the team history but lose access to the case.",
    },
    "reopen": {
        "title": "Reopen the case",
        "submit_label": "Reopen the case",
        "intro": "Reopening lets the team add to the case again. It is a manager's decision: say why. "
        "The closure stays in the case's history.",
    },
    "grant": {
        "title": "Give temporary access",
        "submit_label": "Give access",
        "intro": "For someone outside the team who needs to read this case for a short time. "
        "The reason is recorded and shown in the audit trail.",
    },
}


def conflict_page(
    request: HttpRequest,
    case: Case,
    *,
    target,
    action: str,
    explanation: str,
    now_heading: str,
    now_template: str,
    now: dict,
    submitted: dict,
    back_url: str,
    back_label: str,
    nothing_entered: str = "",
) -> HttpResponse:
    """The one page for a save refused because someone else saved first (a VersionConflict): what is there
    now beside what the person entered, with a 409. The refusal is audited as `action`."""
    audit.record(actor=request.user, action=action, case=case, target=target, request=request, outcome="failed")
    context = {
        "case": case,
        "explanation": explanation,
        "now_heading": now_heading,
        "now_template": now_template,
        "submitted": submitted,
        "back_url": back_url,
        "back_label": back_label,
        "nothing_entered": nothing_entered,
        **now,
    }
    return render(request, "cases/conflict.html", context, status=409)


def case_conflict_page(request: HttpRequest, case: Case, current: Case, submitted: dict) -> HttpResponse:
    """A change to the case itself (its details, closing it, its lead) that someone else beat."""
    return conflict_page(
        request,
        case,
        target=case,
        action=AuditEvent.Action.CASE_SAVE_CONFLICT,
        explanation=f"Someone else changed case {case.reference} after you opened it.",
        now_heading="The case now",
        now_template="cases/_conflict_case.html",
        now={"current": current},
        submitted=submitted,
        back_url=reverse("dashboards:detail", args=[case.reference]),
        back_label="Back to the case",
    )


@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list_for(
        request.user,
        status=filters.get("status") or "open",
        level=filters.get("level") or "",
        mine_only=filters.get("mine", False),
        reference=filters.get("reference") or "",
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    if request.user.agency_id is None:
        raise PermissionDenied("Only staff of a partner agency can open a case.")
    form = CaseCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                case = services.case_create(by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "That case was already opened; it was not opened twice.")
            return redirect("cases:list")
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} opened. Now add the people in the household.")
            return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["create"], form)


@access.case_view(methods=("GET", "POST"), manage=True)
def case_edit(request: HttpRequest, case: Case) -> HttpResponse:
    initial = {"level": case.level, "opened_on": case.opened_on, "version": case.version}
    form = CaseEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["edit"], form, case)
        data = form.cleaned_data
        try:
            services.case_update(
                case=case,
                by=request.user,
                seen_version=data["version"],
                level=data["level"],
                opened_on=data["opened_on"],
            )
        except services.VersionConflict as conflict:
            return case_conflict_page(
                request,
                case,
                conflict.current,
                {
                    "Level of need": dict(form.fields["level"].choices)[data["level"]],
                    "Date the case opened": data["opened_on"],
                },
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["edit"], form, case)
        messages.success(request, "Case details saved.")
        return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["edit"], form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def household_add(request: HttpRequest, case: Case) -> HttpResponse:
    form = HouseholdMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = services.PersonDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            is_unborn=data["is_unborn"],
            expected_on=data["expected_on"],
            sex=data["sex"],
        )
        try:
            with saved_once(form, by=request.user):
                services.household_member_add(
                    case=case,
                    by=request.user,
                    details=details,
                    relationship=data["relationship"],
                    relationship_detail=data["relationship_detail"],
                    joined_on=data["joined_on"],
                )
        except DuplicateSubmission:
            messages.info(request, "This person was already added; they were not added twice.")
            return redirect("dashboards:detail", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Added to the household.")
            if "add_another" in request.POST:
                return redirect("cases:household_add", reference=case.reference)
            return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["household"], form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def team_add(request: HttpRequest, case: Case) -> HttpResponse:
    form = CaseMemberAddForm(request.POST or None, case=case)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["team_add"], form, case)
        try:
            member = services.case_member_add(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["team_add"], form, case)
        messages.success(request, f"{member.user.get_full_name()} added to the case team.")
        return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["team_add"], form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def team_end(request: HttpRequest, case: Case, member_id: int) -> HttpResponse:
    member = get_object_or_404(case.members.select_related("user"), pk=member_id, ended_on__isnull=True)
    form = CaseMemberEndForm(request.POST or None, member=member)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["team_end"], form, case)
        try:
            services.case_member_end(case=case, by=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["team_end"], form, case)
        messages.success(request, f"{member.user.get_full_name()} has left the case team.")
        return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["team_end"], form, case)


@access.case_view(methods=("GET", "POST"), reopen=True)
def case_reopen(request: HttpRequest, case: Case) -> HttpResponse:
    """A manager reopens a closed case, with a reason (the decorator refuses everyone else, and open cases)."""
    form = CaseReopenForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["reopen"], form, case)
        data = form.cleaned_data
        try:
            services.case_reopen(case=case, by=request.user, seen_version=data["version"], reason=data["reason"])
        except services.VersionConflict as conflict:
            return case_conflict_page(request, case, conflict.current, {"Why it is being reopened": data["reason"]})
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["reopen"], form, case)
        messages.success(request, f"Case {case.reference} reopened.")
        return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["reopen"], form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def access_grant(request: HttpRequest, case: Case) -> HttpResponse:
    form = AccessGrantForm(request.POST or None, case=case)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["grant"], form, case)
        try:
            grant = services.access_grant_create(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["grant"], form, case)
        until = timezone.localtime(grant.expires_at)
        messages.success(request, f"Read access given until {in_words(until)} {until:%H:%M}.")
        return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["grant"], form, case)


@access.case_view(methods=("GET",), oversee=True)
def case_viewers(request: HttpRequest, case: Case) -> HttpResponse:
    """Who has viewed this case, and the changes in the admin that gave someone access to it: for the lead
    professional and managers only."""
    page = Paginator(audit_selectors.case_viewers(case), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_viewers.html",
        {"case": case, "page": page, "access_changes": selectors.access_changes_reaching(case)},
    )


@require_http_methods(["GET"])
def to_allocate(request: HttpRequest) -> HttpResponse:
    """The cases waiting for a lead professional that this manager allocates, oldest referral first."""
    if not services.is_manager(request.user):
        raise Http404("This page is for team managers and senior managers.")
    return render(
        request,
        "cases/to_allocate.html",
        {"cases": list(selectors.cases_to_allocate(request.user)), "today": timezone.localdate()},
    )


@access.case_view(methods=("GET", "POST"), manage=True)
def allocate(request: HttpRequest, case: Case) -> HttpResponse:
    """The allocating team's manager (or a senior manager of the lead agency) chooses the lead professional."""
    if not case.awaiting_allocation:
        messages.info(request, "This case already has its lead professional. To change it, use 'Change lead'.")
        if request.method == "POST":  # a second post of the allocation, or a race with another manager
            return redirect("dashboards:detail", reference=case.reference)
        return render(request, "cases/allocated.html", {"case": case})
    if not services.may_allocate(request.user, case):
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.ACCESS_REFUSED_WRITE,
            case=case,
            request=request,
            outcome="denied",
            data={"path": request.path},
            using=settings.AUDIT_DB_ALIAS,  # kept though the 403 rolls the request back
        )
        raise PermissionDenied("Only the manager of the team this case was opened for can allocate it.")
    form = AllocationForm(request.POST or None, case=case, choices=services.allocation_choices(case))
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.case_allocate(case=case, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "That case was already allocated; it was not allocated twice.")
            return redirect("dashboards:detail", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            lead = form.cleaned_data["lead_professional"]
            messages.success(request, f"Case {case.reference} allocated to {lead.get_full_name()}.")
            return redirect("cases:to_allocate")
    return form_page(request, PAGES["allocate"], form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def assessment_completed(request: HttpRequest, case: Case) -> HttpResponse:
    """The lead professional or a manager records the day the child and family assessment was completed."""
    form = AssessmentCompletedForm(request.POST or None, case=case)
    if case.assessment_completed_on and request.method == "GET":
        messages.info(request, f"The assessment was recorded as completed on {in_words(case.assessment_completed_on)}.")
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.assessment_complete(case=case, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "That was already recorded; it was not recorded twice.")
            return redirect("dashboards:detail", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Assessment recorded as completed.")
            return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["assessment"], form, case)
