"""Case pages: home, case list, open a case, the case page, household, team, closure, who viewed.

Every view that touches one case gets it through accounts.access.case_for_user.
"""

from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.forms import SignInForm
from accounts import services as account_services
from audit import selectors as audit_selectors
from audit import services as audit

from . import dashboard_views, plan_selectors, selectors, services
from . import escalations as ladder
from .forms import (
    AccessGrantForm,
    CaseCloseForm,
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
    CaseMemberAddForm,
    CaseMemberEndForm,
    EscalationRaiseForm,
    EscalationRespondForm,
    FlagAcknowledgeForm,
    HouseholdMemberForm,
    LeadChangeForm,
)
from .models import Case

INVALID = 400  # The one status for a form with errors, across the project (SECURITY.md R41).
CASES_PER_PAGE = 25
FORM_PAGE = "cases/form_page.html"

# Title, button and one line of explanation for each form page (templates/cases/form_page.html).
PAGES = {
    "create": {"title": "Open a case", "submit_label": "Open the case",
               "intro": "You will be the lead professional. Add the household's children and adults next."},
    "edit": {"title": "Change case details", "submit_label": "Save changes"},
    "close": {"title": "Close the case", "submit_label": "Close the case",
              "intro": "Closing ends the plan and the monitoring for this household. It can be reopened as a new case."},
    "household": {"title": "Add someone to the household", "submit_label": "Add to household",
                  "add_another": True,
                  "intro": "Record everyone who lives in the home, including informal carers and unborn babies."},
    "team_add": {"title": "Add a professional to the case team", "submit_label": "Add to team"},
    "team_end": {"title": "Remove from the case team", "submit_label": "Remove from team",
                 "intro": "They keep their place in the team history but lose access to the case."},
    "lead": {"title": "Change the lead professional", "submit_label": "Change lead",
             "intro": "The lead professional co-ordinates the plan and receives the case's alerts."},
    "acknowledge": {"title": "Acknowledge a flag", "submit_label": "Acknowledge"},
    "escalate": {"title": "Raise an escalation", "submit_label": "Raise the escalation",
                 "intro": "Use this when the case is stuck: a plan that is not working, an agency not doing its "
                          "part, or a disagreement. It goes first to the lead professional, then up the ladder "
                          "to managers if nobody answers in time."},
    "grant": {"title": "Give temporary access", "submit_label": "Give access",
              "intro": "For someone outside the team who needs to read this case for a short time. "
                       "The reason is recorded and shown in the audit trail."},
}


def _form_page(request: HttpRequest, page: str, form, case: Case | None = None,
               status: int = 200) -> HttpResponse:
    if status == INVALID:
        messages.error(request, "Please correct the problems shown below.")
    return render(request, FORM_PAGE, {"case": case, "form": form, **PAGES[page]}, status=status)


def _apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's refusal beside the field it concerns, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def save_once(request: HttpRequest, form, save, *, invalid, done, already: str) -> HttpResponse:
    """The POST half of a form page: validate, run `save(cleaned_data)` once per one-time token,
    then `done(result)`. Bad input or a service's refusal gives `invalid()` (the form again, 400);
    a second post of the same form gives `already` as a message and `done(None)`."""
    if not form.is_valid():
        return invalid()
    data = dict(form.cleaned_data)
    try:
        with account_services.saved_once(token=data.pop("submission_token", None), by=request.user):
            result = save(data)
    except account_services.DuplicateSubmission:
        messages.info(request, already)
        return done(None)
    except ValidationError as error:
        _apply_service_errors(form, error)
        return invalid()
    return done(result)


def _conflict(request: HttpRequest, case: Case, current: Case, submitted: dict) -> HttpResponse:
    audit.record(actor=request.user, action="case.save_conflict", case=case, request=request,
                 outcome="failed")
    return render(request, "cases/conflict.html",
                  {"case": case, "current": current, "submitted": submitted}, status=409)


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """The login page before sign-in; the practitioner home (cases/dashboard_views.py) after it."""
    if not request.user.is_authenticated:
        return LoginView.as_view(authentication_form=SignInForm)(request)
    return dashboard_views.practitioner_home(request)


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
    return render(request, "cases/case_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate(),
    })


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    if request.user.agency_id is None:
        raise PermissionDenied("Only staff of a partner agency can open a case.")
    form = CaseCreateForm(request.POST or None)
    if request.method != "POST":
        return _form_page(request, "create", form)

    def done(case):
        if case is None:
            return redirect("cases:list")
        messages.success(request, f"Case {case.reference} opened. Now add the people in the household.")
        return redirect("cases:detail", reference=case.reference)

    return save_once(request, form, lambda data: services.case_create(by=request.user, **data), done=done,
                     invalid=lambda: _form_page(request, "create", form, status=INVALID),
                     already="That case was already opened; it was not opened twice.")


@access.case_view(methods=("GET",))
def case_detail(request: HttpRequest, case: Case) -> HttpResponse:
    can_manage, today = access.can_manage_team(request.user, case), timezone.localdate()
    return render(request, "cases/case_detail.html", {
        "case": case,
        "household": selectors.household_for(case),
        "team": selectors.team_for(case),
        "can_write": access.can_write(request.user, case),
        "can_manage": can_manage,
        "open_flags": case.flags.filter(resolved_at__isnull=True).count(),
        "open_escalations": case.escalations.filter(status="open").count(),
        "today": today,
        "summary": plan_selectors.plan_summary(case, today, show_supervision=can_manage),
    })


@access.case_view(methods=("GET", "POST"), manage=True)
def case_edit(request: HttpRequest, case: Case) -> HttpResponse:
    initial = {"level": case.level, "opened_on": case.opened_on, "version": case.version}
    form = CaseEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "edit", form, case, status=INVALID)
        data = form.cleaned_data
        try:
            services.case_update(case=case, by=request.user, seen_version=data["version"],
                                 level=data["level"], opened_on=data["opened_on"])
        except services.VersionConflict as conflict:
            return _conflict(request, case, conflict.current, {
                "Level of need": dict(form.fields["level"].choices)[data["level"]],
                "Date the case opened": data["opened_on"],
            })
        messages.success(request, "Case details saved.")
        return redirect("cases:detail", reference=case.reference)
    return _form_page(request, "edit", form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def case_close(request: HttpRequest, case: Case) -> HttpResponse:
    if not case.is_open:
        messages.info(request, "This case is already closed.")
        return redirect("cases:detail", reference=case.reference)
    form = CaseCloseForm(request.POST or None, case=case, initial={"version": case.version})
    if request.method == "GET" and (
        problem := plan_selectors.closing_review_problem(case=case, on=timezone.localdate())
    ):
        messages.warning(request, f"The case cannot close yet. {problem}")
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "close", form, case, status=INVALID)
        data = form.cleaned_data
        try:
            services.case_close(case=case, by=request.user, seen_version=data["version"],
                                closed_on=data["closed_on"], reason=data["reason"])
        except services.VersionConflict as conflict:
            return _conflict(request, case, conflict.current, {
                "Date closed": data["closed_on"], "Reason": data["reason"],
            })
        except ValidationError as error:
            _apply_service_errors(form, error)
            return _form_page(request, "close", form, case, status=INVALID)
        messages.success(request, f"Case {case.reference} closed.")
        return redirect("cases:detail", reference=case.reference)
    return _form_page(request, "close", form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def household_add(request: HttpRequest, case: Case) -> HttpResponse:
    form = HouseholdMemberForm(request.POST or None)
    if request.method != "POST":
        return _form_page(request, "household", form, case)

    def save(data):
        details = services.PersonDetails(
            first_name=data["first_name"], last_name=data["last_name"], date_of_birth=data["date_of_birth"],
            is_unborn=data["is_unborn"], expected_on=data["expected_on"], sex=data["sex"])
        return services.household_member_add(
            case=case, by=request.user, details=details, relationship=data["relationship"],
            relationship_detail=data["relationship_detail"], joined_on=data["joined_on"])

    def done(member):
        if member is not None:
            messages.success(request, "Added to the household.")
        if member is not None and "add_another" in request.POST:
            return redirect("cases:household_add", reference=case.reference)
        return redirect("cases:detail", reference=case.reference)

    return save_once(request, form, save, done=done,
                     invalid=lambda: _form_page(request, "household", form, case, status=INVALID),
                     already="This person was already added; they were not added twice.")


@access.case_view(methods=("GET", "POST"), manage=True)
def team_add(request: HttpRequest, case: Case) -> HttpResponse:
    form = CaseMemberAddForm(request.POST or None, case=case)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "team_add", form, case, status=INVALID)
        try:
            member = services.case_member_add(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_service_errors(form, error)
            return _form_page(request, "team_add", form, case, status=INVALID)
        messages.success(request, f"{member.user.get_full_name()} added to the case team.")
        return redirect("cases:detail", reference=case.reference)
    return _form_page(request, "team_add", form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def team_end(request: HttpRequest, case: Case, member_id: int) -> HttpResponse:
    member = get_object_or_404(case.members.select_related("user"), pk=member_id, ended_on__isnull=True)
    form = CaseMemberEndForm(request.POST or None, member=member)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "team_end", form, case, status=INVALID)
        try:
            services.case_member_end(case=case, by=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            _apply_service_errors(form, error)
            return _form_page(request, "team_end", form, case, status=INVALID)
        messages.success(request, f"{member.user.get_full_name()} has left the case team.")
        return redirect("cases:detail", reference=case.reference)
    return _form_page(request, "team_end", form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def lead_change(request: HttpRequest, case: Case) -> HttpResponse:
    form = LeadChangeForm(request.POST or None, case=case, initial={"version": case.version})
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "lead", form, case, status=INVALID)
        data = form.cleaned_data
        try:
            services.lead_change(case=case, by=request.user, seen_version=data["version"],
                                 new_lead=data["new_lead"], on=timezone.localdate(),
                                 keep_previous_on_team=data["keep_previous_on_team"])
        except services.VersionConflict as conflict:
            return _conflict(request, case, conflict.current,
                             {"New lead professional": data["new_lead"].get_full_name()})
        except ValidationError as error:
            _apply_service_errors(form, error)
            return _form_page(request, "lead", form, case, status=INVALID)
        messages.success(request, "Lead professional changed. The previous lead stays in the team history.")
        return redirect("cases:detail", reference=case.reference)
    return _form_page(request, "lead", form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def access_grant(request: HttpRequest, case: Case) -> HttpResponse:
    form = AccessGrantForm(request.POST or None, case=case)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "grant", form, case, status=INVALID)
        try:
            grant = services.access_grant_create(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_service_errors(form, error)
            return _form_page(request, "grant", form, case, status=INVALID)
        until = timezone.localtime(grant.expires_at)
        messages.success(request, f"Read access given until {until:%d/%m/%Y %H:%M}.")
        return redirect("cases:detail", reference=case.reference)
    return _form_page(request, "grant", form, case)


@access.case_view(methods=("GET",), manage=True)
def case_viewers(request: HttpRequest, case: Case) -> HttpResponse:
    """Who has viewed this case: for the lead professional and managers only."""
    page = Paginator(audit_selectors.case_viewers(case), 50).get_page(request.GET.get("page"))
    return render(request, "cases/case_viewers.html", {"case": case, "page": page})


@access.case_view(methods=("GET",))
def case_flags(request: HttpRequest, case: Case) -> HttpResponse:
    """What the monitoring rules noticed about this case, with each explanation."""
    return render(request, "cases/case_flags.html", {
        "case": case, "flags": selectors.flags_for(case),
        "can_manage": access.can_manage_team(request.user, case),
    })


@access.case_view(methods=("GET", "POST"), manage=True)
def flag_acknowledge(request: HttpRequest, case: Case, flag_id) -> HttpResponse:
    flag = get_object_or_404(case.flags, pk=flag_id, resolved_at__isnull=True)
    form = FlagAcknowledgeForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "acknowledge", form, case, status=INVALID)
        try:
            services.flag_acknowledge(case=case, by=request.user, flag=flag, note=form.cleaned_data["note"])
        except ValidationError as error:
            _apply_service_errors(form, error)
            return _form_page(request, "acknowledge", form, case, status=INVALID)
        messages.success(request, "Flag acknowledged.")
        return redirect("cases:flags", reference=case.reference)
    return render(request, FORM_PAGE, {"case": case, "form": form, "flag": flag, **PAGES["acknowledge"],
                                       "intro": flag.explanation})


@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's own notifications. Marking them read is a POST (GET never writes)."""
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("cases:notifications")
    page = Paginator(selectors.notifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "cases/notifications.html", {"page": page})


def _escalations_page(request: HttpRequest, case: Case, failed: tuple | None = None,
                      status: int = 200) -> HttpResponse:
    """The case's escalations, each open one with a response form for those who may answer it."""
    items = list(selectors.escalations_for(case))
    for item in items:
        item.can_respond = item.is_open and ladder.can_respond(request.user, item)
        if failed and failed[0] == item.pk:
            item.respond_form = failed[1]
        else:
            item.respond_form = EscalationRespondForm(auto_id=f"id_%s_{item.pk.hex[:8]}")
    return render(request, "cases/escalations.html", {
        "case": case, "escalations": items, "can_write": access.can_write(request.user, case),
    }, status=status)


@access.case_view(methods=("GET",))
def escalations(request: HttpRequest, case: Case) -> HttpResponse:
    return _escalations_page(request, case)


@access.case_view(methods=("GET", "POST"), write=True)
def escalation_raise(request: HttpRequest, case: Case) -> HttpResponse:
    form = EscalationRaiseForm(request.POST or None)
    if request.method != "POST":
        return _form_page(request, "escalate", form, case)

    def done(escalation):
        if escalation is not None:
            messages.success(request, f"Escalation raised. {escalation.stage}: due by "
                                      f"{escalation.stage_due_on:%d/%m/%Y}.")
        return redirect("cases:escalations", reference=case.reference)

    return save_once(request, form, lambda data: ladder.escalation_raise(case=case, by=request.user, **data),
                     done=done, invalid=lambda: _form_page(request, "escalate", form, case, status=INVALID),
                     already="This escalation was already raised; it was not raised twice.")


@access.case_view(methods=("POST",))
def escalation_respond(request: HttpRequest, case: Case, escalation_id) -> HttpResponse:
    """Answer a stage (anyone who can see the case may try; the service checks it is their stage)."""
    escalation = get_object_or_404(case.escalations.select_related("stage", "case"), pk=escalation_id)
    form = EscalationRespondForm(request.POST, auto_id=f"id_%s_{escalation.pk.hex[:8]}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            with account_services.saved_once(token=data["submission_token"], by=request.user):
                ladder.escalation_respond(escalation=escalation, by=request.user, text=data["text"],
                                          resolve=data["resolve"], outcome=data["outcome"])
        except account_services.DuplicateSubmission:
            return redirect("cases:escalations", reference=case.reference)
        except ValidationError as error:
            _apply_service_errors(form, error)
        else:
            messages.success(request, "Response recorded.")
            return redirect("cases:escalations", reference=case.reference)
    messages.error(request, "Please correct the problems shown below.")
    return _escalations_page(request, case, failed=(escalation.pk, form), status=INVALID)


@access.case_view(methods=("POST",))
def escalation_move_up(request: HttpRequest, case: Case, escalation_id) -> HttpResponse:
    escalation = get_object_or_404(case.escalations.select_related("stage", "case"), pk=escalation_id)
    try:
        escalation = ladder.escalation_move_up(escalation=escalation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:escalations", reference=case.reference)
    messages.success(request, f"Moved to {escalation.stage}.")
    return redirect("cases:escalations", reference=case.reference)
