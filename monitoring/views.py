"""Monitoring pages of a case: what the rules flagged (with each explanation) and its acknowledgement, and
the escalations up the ladder: raise, answer, move up.

Every view gets its case through cases.access.case_view.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cases import access
from cases.models import Case
from common.views import FORM_PAGE, INVALID, DuplicateSubmission, apply_service_errors, form_page, saved_once

from . import escalations as ladder
from . import selectors, services
from .forms import EscalationRaiseForm, EscalationRespondForm, FlagAcknowledgeForm

PAGES = {
    "acknowledge": {"title": "Acknowledge a flag", "submit_label": "Acknowledge"},
    "escalate": {
        "title": "Raise an escalation",
        "submit_label": "Raise the escalation",
        "intro": "Use this when the case is stuck: a plan that is not working, an agency not doing its "
        "part, or a disagreement. It goes first to the lead professional, then up the ladder "
        "to managers if nobody answers in time.",
    },
}


@access.case_view(methods=("GET",))
def case_flags(request: HttpRequest, case: Case) -> HttpResponse:
    """What the monitoring rules noticed about this case, with each explanation."""
    return render(
        request,
        "monitoring/case_flags.html",
        {
            "case": case,
            "flags": selectors.flags_for(case),
        },
    )


@access.case_view(methods=("GET", "POST"), manage=True)
def flag_acknowledge(request: HttpRequest, case: Case, flag_id) -> HttpResponse:
    flag = get_object_or_404(case.flags.open(), pk=flag_id)
    form = FlagAcknowledgeForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["acknowledge"], form, case)
        try:
            services.flag_acknowledge(case=case, by=request.user, flag=flag, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["acknowledge"], form, case)
        messages.success(request, "Flag acknowledged.")
        return redirect("monitoring:flags", reference=case.reference)
    return render(
        request,
        FORM_PAGE,
        {"case": case, "form": form, "flag": flag, **PAGES["acknowledge"], "intro": flag.explanation},
    )


def _escalations_page(request: HttpRequest, case: Case, failed: tuple | None = None, status: int = 200) -> HttpResponse:
    """The case's escalations, each open one with a response form for those who may answer it."""
    items = list(selectors.escalations_for(case))
    for item in items:
        item.case = case  # the request's case, with its access decision
        item.can_respond = item.is_open and ladder.can_respond(request.user, item)
        if failed and failed[0] == item.pk:
            item.respond_form = failed[1]
        else:
            item.respond_form = EscalationRespondForm(auto_id=f"id_%s_{item.pk.hex[:8]}")
    return render(
        request,
        "monitoring/escalations.html",
        {
            "case": case,
            "escalations": items,
        },
        status=status,
    )


@access.case_view(methods=("GET",))
def escalations(request: HttpRequest, case: Case) -> HttpResponse:
    return _escalations_page(request, case)


@access.case_view(methods=("GET", "POST"), write=True)
def escalation_raise(request: HttpRequest, case: Case) -> HttpResponse:
    form = EscalationRaiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                escalation = ladder.escalation_raise(case=case, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "This escalation was already raised; it was not raised twice.")
            return redirect("monitoring:escalations", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            due = f"{escalation.stage_due_on:%d/%m/%Y}"
            messages.success(request, f"Escalation raised. {escalation.stage}: due by {due}.")
            return redirect("monitoring:escalations", reference=case.reference)
    return form_page(request, PAGES["escalate"], form, case)


@access.case_view(methods=("POST",))
def escalation_respond(request: HttpRequest, case: Case, escalation_id) -> HttpResponse:
    """Answer a stage (anyone who can see the case may try; the service checks it is their stage)."""
    escalation = get_object_or_404(case.escalations.select_related("stage"), pk=escalation_id)
    escalation.case = case  # the request's case, with its access decision
    form = EscalationRespondForm(request.POST, auto_id=f"id_%s_{escalation.pk.hex[:8]}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            with saved_once(form, by=request.user):
                ladder.escalation_respond(
                    escalation=escalation,
                    by=request.user,
                    text=data["text"],
                    resolve=data["resolve"],
                    outcome=data["outcome"],
                )
        except DuplicateSubmission:
            return redirect("monitoring:escalations", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Response recorded.")
            return redirect("monitoring:escalations", reference=case.reference)
    return _escalations_page(request, case, failed=(escalation.pk, form), status=INVALID)


@access.case_view(methods=("POST",))
def escalation_move_up(request: HttpRequest, case: Case, escalation_id) -> HttpResponse:
    escalation = get_object_or_404(case.escalations.select_related("stage"), pk=escalation_id)
    escalation.case = case  # the request's case, with its access decision
    try:
        escalation = ladder.escalation_move_up(escalation=escalation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("monitoring:escalations", reference=case.reference)
    messages.success(request, f"Moved to {escalation.stage}.")
    return redirect("monitoring:escalations", reference=case.reference)
