"""Monitoring pages of a case: what the rules flagged (with each explanation) and its acknowledgement, and
the escalations up the ladder: raise, answer, move up.

Every view gets its case through cases.access.case_view.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cases import access
from cases import services as case_services
from cases.models import Case
from common.views import FORM_PAGE, INVALID, DuplicateSubmission, apply_service_errors, form_page, saved_once
from workdays.calendar import uk, working_calendar
from workdays.deadlines import due_words

from . import escalations as ladder
from . import selectors, services
from .forms import EscalationMoveUpForm, EscalationRaiseForm, EscalationRespondForm, FlagAcknowledgeForm

PAGES = {
    "acknowledge": {"title": "Acknowledge a flag", "submit_label": "Acknowledge"},
    "escalate": {
        "title": "Raise an escalation",
        "submit_label": "Raise the escalation",
        "intro": "Use this when the case is stuck: a plan that is not working, an agency not doing its "
        "part, or a disagreement. It starts at your level of the ladder (a practitioner's goes to the lead "
        "professional, a manager's to a manager, a senior manager's to a senior manager) and moves up if "
        "nobody answers in time.",
    },
}


def _who_answers(escalation, today, cal) -> str:
    """Who must answer the current stage, by when: names, the date in words and working days."""
    people = [f"{person.get_full_name()} ({person.display_role})" for person in ladder.responders(escalation)]
    who = ", ".join(people) if people else "nobody yet: ask an administrator to name a manager for this team"
    return f"{who}, {due_words(escalation.stage_due_on, today, cal=cal)}"


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
    today, cal = timezone.localdate(), working_calendar()
    for item in items:
        item.case = case  # the request's case, with its access decision
        # A closed case is read-only: its escalations can be read, not answered (the service refuses too).
        item.can_respond = item.is_open and case.is_open and ladder.can_respond(request.user, item)
        # A few open escalations per case at most (one per subject): asked per escalation, not per row of a list.
        item.who_answers = _who_answers(item, today, cal) if item.is_open else ""
        item.raised_by_me = item.raised_by_id == request.user.pk
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
            who = _who_answers(escalation, timezone.localdate(), working_calendar())
            messages.success(request, f"Escalation raised at {escalation.stage}. Who must answer: {who}.")
            return redirect("monitoring:escalations", reference=case.reference)
    return form_page(request, PAGES["escalate"], form, case)


@access.case_view(methods=("POST",))
def escalation_respond(request: HttpRequest, case: Case, escalation_id) -> HttpResponse:
    """Answer a stage (anyone who can see the case may try; the service checks it is their stage)."""
    escalation = get_object_or_404(case.escalations.select_related("stage"), pk=escalation_id)
    escalation.case = case  # the request's case, with its access decision
    if not case.is_open:
        # The page shows no form to answer with on a closed case, so the refusal is a message, not a form error.
        messages.error(request, case_services.CLOSED_MESSAGE)
        return redirect("monitoring:escalations", reference=case.reference)
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


@access.case_view(methods=("GET", "POST"), write=True)
def escalation_move_up(request: HttpRequest, case: Case, escalation_id) -> HttpResponse:
    """Moving up is a step of its own: a page that says where the escalation goes and to whom, and asks why."""
    escalation = get_object_or_404(
        case.escalations.select_related("stage", "raised_by").filter(status="open"), pk=escalation_id
    )
    escalation.case = case  # the request's case, with its access decision
    following = ladder.next_stage(escalation)
    if following is None:
        messages.error(request, "This escalation is already at the last stage.")
        return redirect("monitoring:escalations", reference=case.reference)
    form = EscalationMoveUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                escalation = ladder.escalation_move_up(
                    escalation=escalation, by=request.user, reason=form.cleaned_data["reason"]
                )
        except DuplicateSubmission:
            return redirect("monitoring:escalations", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            who = _who_answers(escalation, timezone.localdate(), working_calendar())
            messages.success(request, f"Moved to {escalation.stage}. Who must answer: {who}.")
            return redirect("monitoring:escalations", reference=case.reference)
    page = {
        "title": "Move an escalation up",
        "submit_label": f"Move it up to {following}",
        "intro": f"It is at {escalation.stage} now, raised on {uk(timezone.localtime(escalation.created_at).date())}. "
        f"Moving it up asks {following.get_responder_display().lower()} to answer, within "
        f"{following.respond_within_working_days} working days. Check this is what you mean to do.",
    }
    return form_page(request, page, form, case)
