"""Plan, meeting and supervision pages of a case, closing the case and changing its lead, and the
timescales page.

Every case page gets its case through cases.access.case_view; nested rows are fetched through it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import AuditEvent
from cases import access
from cases.models import Case
from cases.views import case_conflict_page, conflict_page
from common import drafts
from common.conflicts import VersionConflict
from common.dates import in_words
from common.views import DuplicateSubmission, apply_service_errors, form_page, saved_once
from plans import selectors as plan_selectors
from plans import services as plan_services
from plans.forms import (
    ActionForm,
    ActionStatusForm,
    CaseCloseForm,
    LeadChangeForm,
    MeetingRecordForm,
    MeetingScheduleForm,
    OutcomeAddForm,
    PlanCreateForm,
    PlanEditForm,
    SupervisionForm,
    outcome_formset,
)
from plans.models import REVIEW_KINDS, Action, MeetingKind, Timescale
from workdays.calendar import uk

PAGES = {
    "close": {
        "title": "Close the case",
        "submit_label": "Close the case",
        "intro": "Closing ends the plan and the monitoring for this household. A closed case can be read but not "
        "changed; the lead professional's manager can reopen it, saying why.",
    },
    "lead": {
        "title": "Change the lead professional",
        "submit_label": "Change lead",
        "intro": "The lead professional co-ordinates the plan and receives the case's alerts.",
    },
}
PLAN_FORM = "plans/plan_form.html"
ALREADY_SAVED = "This was already saved; it was not saved twice."
TIMESCALE_NOTE = (
    "Due dates are worked out from the local timescales when a meeting is scheduled and then kept: "
    "if an administrator changes a timescale, meetings already scheduled keep their date."
)


def _to_plan(case: Case) -> HttpResponse:
    return redirect("plans:plan", reference=case.reference)


def _to_meetings(case: Case) -> HttpResponse:
    return redirect("plans:meetings", reference=case.reference)


def _outcomes(formset) -> list[plan_services.OutcomeDetails]:
    return [
        plan_services.OutcomeDetails(
            what_must_change=o["what_must_change"],
            by_when=o["by_when"],
            how_we_will_know=o["how_we_will_know"],
            outcome_id=o.get("outcome_id"),
        )
        for o in formset.outcomes()
    ]


@access.case_view(methods=("GET",))
def plan(request: HttpRequest, case: Case) -> HttpResponse:
    plans = plan_selectors.plans_with_progress(case)
    return render(
        request,
        "plans/plan.html",
        {
            "case": case,
            "plans": plans,
            "current": next((p for p in plans if p.is_current), None),
            "today": timezone.localdate(),
        },
    )


@access.case_view(methods=("GET", "POST"), write=True)
def plan_create(request: HttpRequest, case: Case) -> HttpResponse:
    initial = {"kind": case.level}
    form, formset = (
        PlanCreateForm(request.POST or None, initial=initial, case=case),
        outcome_formset(request.POST or None, extra=3),
    )
    draft_key = drafts.key("plan-new", case.reference)
    page = {
        "title": "Start a plan",
        "submit_label": "Save the plan",
        "form": form,
        "formset": formset,
        "keep_draft": draft_key,
    }
    if request.method == "POST":
        if not (form.is_valid() and formset.is_valid()):
            return form_page(request, page, form, case, template=PLAN_FORM)
        try:
            with saved_once(form, by=request.user):
                plan_services.plan_create(case=case, by=request.user, **form.values(), outcomes=_outcomes(formset))
        except DuplicateSubmission:
            drafts.saved(request, draft_key)
            messages.info(request, "This plan was already saved; it was not saved twice.")
            return _to_plan(case)
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, page, form, case, template=PLAN_FORM)
        drafts.saved(request, draft_key)
        messages.success(request, "Plan saved. Now add the actions: who will do what, by when.")
        return _to_plan(case)
    return form_page(request, page, form, case, template=PLAN_FORM)


@access.case_view(methods=("GET", "POST"), write=True)
def plan_edit(request: HttpRequest, case: Case, plan_id) -> HttpResponse:
    plan = get_object_or_404(case.plans, pk=plan_id)
    initial = {
        "kind": plan.kind,
        "started_on": plan.started_on,
        "ended_on": plan.ended_on,
        "version": plan.version,
    }
    form = PlanEditForm(request.POST or None, initial=initial)
    formset = outcome_formset(request.POST or None, plan=plan, extra=1)
    draft_key = drafts.key("plan", plan.pk)
    page = {
        "title": "Change the plan",
        "submit_label": "Save the plan",
        "form": form,
        "formset": formset,
        "keep_draft": draft_key,
    }
    if request.method == "POST":
        if not (form.is_valid() and formset.is_valid()):
            return form_page(request, page, form, case, template=PLAN_FORM)
        data = form.cleaned_data
        try:
            plan_services.plan_update(
                plan=plan,
                by=request.user,
                seen_version=data["version"],
                kind=data["kind"],
                started_on=data["started_on"],
                ended_on=data["ended_on"],
                outcomes=_outcomes(formset),
            )
        except VersionConflict as conflict:
            return _plan_conflict(
                request,
                case,
                conflict,
                explanation="Someone else changed this plan after you opened it.",
                submitted={
                    f"Outcome {number}": f"{outcome.what_must_change} – by {uk(outcome.by_when)}"
                    for number, outcome in enumerate(_outcomes(formset), start=1)
                },
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, page, form, case, template=PLAN_FORM)
        drafts.saved(request, draft_key)
        messages.success(request, "Plan saved.")
        return _to_plan(case)
    return form_page(request, page, form, case, template=PLAN_FORM)


def _plan_conflict(request, case: Case, conflict: VersionConflict, *, explanation: str, submitted: dict):
    """The conflict page for a plan saved by someone else meanwhile: the plan now beside what was typed."""
    return conflict_page(
        request,
        case,
        target=conflict.current,
        action=AuditEvent.Action.CASE_PLAN_SAVE_CONFLICT,
        explanation=explanation,
        now_heading="The plan now",
        now_template="plans/_conflict_plan.html",
        now={"current": plan_selectors.plans_for(case).get(pk=conflict.current.pk)},
        submitted=submitted,
        back_url=reverse("plans:plan", args=[case.reference]),
        back_label="Back to the plan",
    )


@access.case_view(methods=("GET", "POST"), write=True)
def outcome_add(request: HttpRequest, case: Case, plan_id) -> HttpResponse:
    """One more outcome for the current plan, without changing the rest of it ("Change the plan" offers one
    spare row at a time). Version-checked like a change of the plan: a stale form gets the conflict page."""
    plan = get_object_or_404(case.plans, pk=plan_id, ended_on__isnull=True)
    form = OutcomeAddForm(request.POST or None, plan=plan, initial={"version": plan.version})
    page = {
        "title": "Add an outcome to the plan",
        "submit_label": "Add the outcome",
        "add_another": True,
        "keep_draft": drafts.key("outcome-new", plan.pk),
        "intro": "An outcome says what must change for the child, by when, and how everyone will know. "
        "The plan's other outcomes stay as they are; add the actions for it next.",
    }
    if request.method == "POST" and form.is_valid():
        data = form.values()
        try:
            with saved_once(form, by=request.user):
                outcome = plan_services.outcome_add(
                    plan=plan,
                    by=request.user,
                    seen_version=data["version"],
                    what_must_change=data["what_must_change"],
                    by_when=data["by_when"],
                    how_we_will_know=data["how_we_will_know"],
                )
        except DuplicateSubmission:
            drafts.saved(request, page["keep_draft"])
            messages.info(request, ALREADY_SAVED)
            return _to_plan(case)
        except VersionConflict as conflict:
            return _plan_conflict(
                request,
                case,
                conflict,
                explanation="Someone else changed this plan after you opened the form: your outcome was not added.",
                submitted={
                    "What must change": data["what_must_change"],
                    "By when": uk(data["by_when"]),
                    "How everyone will know": data["how_we_will_know"],
                },
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            drafts.saved(request, page["keep_draft"])
            messages.success(request, f"Outcome {outcome.number} added to the plan.")
            if "add_another" in request.POST:
                return redirect("plans:outcome_add", reference=case.reference, plan_id=plan.pk)
            return _to_plan(case)
    return form_page(request, page, form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def action_add(request: HttpRequest, case: Case, plan_id) -> HttpResponse:
    plan = get_object_or_404(case.plans, pk=plan_id, ended_on__isnull=True)
    form = ActionForm(request.POST or None, plan=plan)
    page = {
        "title": "Add an action to the plan",
        "submit_label": "Add the action",
        "add_another": True,
        "keep_draft": drafts.key("action-new", plan.pk),
        "intro": "Every action has an owner (a person, an agency or both) and a date it is due by.",
    }
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                plan_services.action_add(plan=plan, by=request.user, **form.values())
        except DuplicateSubmission:
            drafts.saved(request, page["keep_draft"])
            messages.info(request, ALREADY_SAVED)
            return _to_plan(case)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            drafts.saved(request, page["keep_draft"])
            messages.success(request, "Action added to the plan.")
            if "add_another" in request.POST:
                return redirect("plans:action_add", reference=case.reference, plan_id=plan.pk)
            return _to_plan(case)
    return form_page(request, page, form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def action_update(request: HttpRequest, case: Case, action_id: int) -> HttpResponse:
    action = get_object_or_404(
        Action.objects.filter(outcome__plan__case=case).select_related("outcome__plan"), pk=action_id
    )
    form = ActionStatusForm(request.POST or None, initial={"status": action.status})
    page = {
        "title": "Update an action",
        "submit_label": "Save",
        "intro": f"{action.description} (due by {in_words(action.due_on)})",
    }
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                plan_services.action_update(action=action, by=request.user, on=timezone.localdate(), **form.values())
        except DuplicateSubmission:
            messages.info(request, ALREADY_SAVED)
            return _to_plan(case)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Action updated.")
            return _to_plan(case)
    return form_page(request, page, form, case)


@access.case_view(methods=("GET",))
def meetings(request: HttpRequest, case: Case) -> HttpResponse:
    show_supervision = case.access.can_oversee
    all_meetings = [
        m for m in plan_selectors.meetings_for(case) if show_supervision or m.kind != MeetingKind.SUPERVISION
    ]
    return render(
        request,
        "plans/meetings.html",
        {
            "case": case,
            "today": timezone.localdate(),
            "note": TIMESCALE_NOTE,
            "waiting": [m for m in all_meetings if not m.is_held],
            "held": sorted((m for m in all_meetings if m.is_held), key=lambda m: m.held_on, reverse=True),
        },
    )


@access.case_view(methods=("GET",))
def meeting_detail(request: HttpRequest, case: Case, meeting_id) -> HttpResponse:
    meeting = get_object_or_404(plan_selectors.meetings_for(case), pk=meeting_id)
    # Supervision is the manager's reflective space with the lead: not for the wider team.
    if meeting.kind == MeetingKind.SUPERVISION and not case.access.can_oversee:
        raise Http404("No meeting found")
    return render(
        request,
        "plans/meeting_detail.html",
        {
            "case": case,
            "meeting": meeting,
            "today": timezone.localdate(),
            "ratings": meeting.ratings.select_related("outcome"),
            "scheduled_next": meeting.scheduled_next.all(),
            "health_invited": any(a.kind == "health" for a in meeting.invited_agencies.all()),
        },
    )


@access.case_view(methods=("GET", "POST"), write=True)
def meeting_schedule(request: HttpRequest, case: Case) -> HttpResponse:
    form = MeetingScheduleForm(request.POST or None, case=case, initial={"kind": request.GET.get("kind")})
    page = {
        "title": "Schedule a meeting",
        "submit_label": "Schedule",
        "intro": "For a meeting no timescale schedules, such as the first strategy discussion. Meetings that "
        "follow one another are scheduled when the earlier one is recorded.",
    }
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                plan_services.meeting_schedule(case=case, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, ALREADY_SAVED)
            return _to_meetings(case)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Meeting scheduled.")
            return _to_meetings(case)
    return form_page(request, page, form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def meeting_record(request: HttpRequest, case: Case) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in MeetingKind.values or kind == MeetingKind.SUPERVISION:
        # First step: which meeting? (a link per kind, so the form can ask only what that meeting needs)
        kinds = [(value, label) for value, label in MeetingKind.choices if value != MeetingKind.SUPERVISION]
        return render(request, "plans/meeting_choose.html", {"case": case, "kinds": kinds})
    plan = plan_selectors.current_plan(case)
    form = MeetingRecordForm(request.POST or None, case=case, kind=kind, plan=plan)
    label = MeetingKind(kind).label
    intro = "Recording it schedules the next meeting, with its due date worked out from the local timescales."
    if kind in REVIEW_KINDS and plan is not None:
        intro += " Rate progress on every outcome of the plan."
    page = {
        "title": f"Record a {label[0].lower()}{label[1:]}",
        "submit_label": "Save",
        "intro": intro,
        "keep_draft": drafts.key("meeting", case.reference, kind),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with saved_once(form, by=request.user):
                plan_services.meeting_record(
                    case=case,
                    by=request.user,
                    kind=kind,
                    held_on=data["held_on"],
                    attendees=data["attendees"],
                    invited_agencies=list(data["invited_agencies"]),
                    decisions=data["decisions"],
                    actions_agreed=data["actions_agreed"],
                    is_closing_review=data.get("is_closing_review", False),
                    schedule_next=data["schedule_next"],
                    ratings={pk: plan_services.Rating(*r) for pk, r in form.ratings().items()},
                )
        except DuplicateSubmission:
            drafts.saved(request, page["keep_draft"])
            messages.info(request, ALREADY_SAVED)
            return _to_meetings(case)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            drafts.saved(request, page["keep_draft"])
            messages.success(request, f"{label} recorded.")
            return _to_meetings(case)
    return form_page(request, page, form, case)


@access.case_view(methods=("GET", "POST"), supervise=True)
def supervision_record(request: HttpRequest, case: Case) -> HttpResponse:
    form = SupervisionForm(request.POST or None, case=case)
    page = {
        "title": "Record case supervision",
        "submit_label": "Save",
        "intro": f"Reflective supervision with {case.lead_professional.get_full_name()}, the lead professional. "
        f"Only the lead professional and their managers can read it.",
        "keep_draft": drafts.key("supervision", case.reference),
    }
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                plan_services.meeting_record(
                    case=case,
                    by=request.user,
                    kind=MeetingKind.SUPERVISION,
                    attendees=case.lead_professional.get_full_name(),
                    **form.values(),
                )
        except DuplicateSubmission:
            drafts.saved(request, page["keep_draft"])
            messages.info(request, ALREADY_SAVED)
            return _to_meetings(case)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            drafts.saved(request, page["keep_draft"])
            messages.success(request, "Supervision recorded. The next one has been scheduled.")
            return _to_meetings(case)
    return form_page(request, page, form, case)


@require_http_methods(["GET"])
def timescales(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "plans/timescales.html",
        {
            "timescales": Timescale.objects.order_by("source", "key"),
            "note": TIMESCALE_NOTE,
        },
    )


@access.case_view(methods=("GET", "POST"), manage=True)
def case_close(request: HttpRequest, case: Case) -> HttpResponse:
    # A closed case never gets here: `manage` is refused on it (cases/access.py), with a page saying it is closed.
    form = CaseCloseForm(request.POST or None, case=case, initial={"version": case.version})
    if request.method == "GET" and (
        problem := plan_selectors.closing_review_problem(case=case, on=timezone.localdate())
    ):
        messages.warning(request, f"The case cannot close yet. {problem}")
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["close"], form, case)
        data = form.cleaned_data
        try:
            plan_services.case_close(
                case=case,
                by=request.user,
                seen_version=data["version"],
                closed_on=data["closed_on"],
                reasons=form.reasons(),
            )
        except VersionConflict as conflict:
            return case_conflict_page(
                request,
                case,
                conflict.current,
                {
                    "Date closed": data["closed_on"],
                    "Reasons": ", ".join(sorted(set(form.reasons().values()))) or "None (early help)",
                },
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["close"], form, case)
        messages.success(request, f"Case {case.reference} closed.")
        return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["close"], form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def lead_change(request: HttpRequest, case: Case) -> HttpResponse:
    form = LeadChangeForm(request.POST or None, case=case, initial={"version": case.version})
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, PAGES["lead"], form, case)
        data = form.cleaned_data
        try:
            plan_services.lead_change(
                case=case,
                by=request.user,
                seen_version=data["version"],
                new_lead=data["new_lead"],
                on=timezone.localdate(),
                keep_previous_on_team=data["keep_previous_on_team"],
            )
        except VersionConflict as conflict:
            return case_conflict_page(
                request, case, conflict.current, {"New lead professional": data["new_lead"].get_full_name()}
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, PAGES["lead"], form, case)
        messages.success(request, "Lead professional changed. The previous lead stays in the team history.")
        return redirect("dashboards:detail", reference=case.reference)
    return form_page(request, PAGES["lead"], form, case)
