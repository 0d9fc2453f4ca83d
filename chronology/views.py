"""Chronology pages: the merged timeline and its views, entries and amendments, log a concern,
appointments and outcomes, a child's page, PDF/CSV export (and the court version of the PDF) and
the partner import.

Every view gets its case from cases.access (404 to outsiders, audited); entries and
appointments are fetched through that case.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import stepup
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases.models import Case
from cases.views import conflict_page
from chronology import exports, import_jobs, imports, selectors, services
from chronology.forms import (
    AppointmentForm,
    ConcernForm,
    CorrectionForm,
    EntryForm,
    ImportForm,
    OtherViewForm,
    OutcomeCorrectionForm,
    OutcomeForm,
    TimelineFilterForm,
)
from chronology.models import Amendment, Appointment, Entry, EventType, ImportJob
from common import drafts
from common.conflicts import VersionConflict
from common.dates import in_words
from common.views import INVALID, DuplicateSubmission, apply_service_errors, form_page, saved_once
from workdays import calendar

ENTRIES_PER_PAGE = 50
COURT_VERSION_MONTHS = 24  # the court version: high-significance entries of the last 2 years
DUPLICATE_GROUPS_PER_PAGE = 50  # the list of every possible duplicate group
GAPS_SHOWN = 10  # in the panel above the timeline; every gap also shows as a band where it falls

PAGES = {
    "concern": {
        "title": "Log a concern",
        "submit_label": "Add to the chronology",
        "intro": "Record what you saw or heard, when, and which children it is about. "
        "It goes on the shared multi-agency chronology straight away and cannot be "
        "edited afterwards, only corrected with an amendment. For a child who was not brought to an "
        "appointment, choose “Missed appointment”: the appointment and what happened are recorded together.",
    },
    "entry": {
        "title": "Add a chronology entry",
        "submit_label": "Add to the chronology",
        "intro": "For a full record: periods, times, A&E attendances. For a quick note use 'Log a concern'.",
    },
    "amend": {
        "title": "Correct an entry",
        "submit_label": "Add the correction",
        "intro": "Correct anything that is wrong: the date, the children, the type, the significance, the "
        "forms of neglect or the account. The original stays readable with the entry, and the correction "
        "shows your name, the date and your reason.",
    },
    "other_view": {
        "title": "Add another view",
        "submit_label": "Add your view",
        "intro": "Only the author, their manager or the lead professional can correct an entry. If your "
        "agency sees it differently, say so here: your view is shown beside the entry.",
    },
    "appointment": {
        "title": "Add an appointment",
        "submit_label": "Add the appointment",
        "intro": "If the appointment has already happened, say what happened: it goes on the chronology with it.",
    },
    "outcome_correct": {
        "title": "Correct the outcome",
        "submit_label": "Add the correction",
    },
    "outcome": {
        "title": "Record the appointment's outcome",
        "submit_label": "Record outcome",
        "intro": "The outcome is added to the chronology. Use 'Was not brought' when a child "
        "missed an appointment their carer should have taken them to.",
    },
}


def _form_page(request, page: str, form, case: Case, *, template: str | None = None, **extra) -> HttpResponse:
    if template:
        return form_page(request, {**PAGES[page], **extra}, form, case, template=template)
    return form_page(request, {**PAGES[page], **extra}, form, case)


def _filters(request: HttpRequest, case: Case) -> tuple[TimelineFilterForm, selectors.TimelineFilters]:
    form = TimelineFilterForm(request.GET or None, case=case)
    if not form.is_valid():
        return form, selectors.TimelineFilters()
    data = form.cleaned_data
    return form, selectors.TimelineFilters(
        child=data["child"].pk if data["child"] else None,
        agency=data["agency"].pk if data["agency"] else None,
        event_type=data["event_type"],
        neglect_form=data["neglect_form"],
        significance=data["significance"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )


def _rows_with_gaps(entries, gaps, *, oldest_first: bool, at_newest: bool) -> list[tuple[str, object]]:
    """Interleave gap bands with a page of entries: a gap shows next to the entry that ends it (before it
    oldest first, after it newest first), and the silence since the last entry at the newest end."""
    by_end = {gap.before: gap for gap in gaps}
    silence = gaps[-1] if gaps and gaps[-1].before == timezone.localdate() else None
    rows, shown = [], set()
    if silence and at_newest and not oldest_first:
        rows.append(("gap", silence))
    for entry in entries:
        gap = by_end.get(entry.effective.occurred_on)
        band = gap and gap.before not in shown
        if band and oldest_first:
            rows.append(("gap", gap))
        rows.append(("entry", entry))
        if band and not oldest_first:
            rows.append(("gap", gap))
        if band:
            shown.add(gap.before)
    if silence and at_newest and oldest_first:
        rows.append(("gap", silence))
    return rows


def _timeline_page(
    request: HttpRequest, case: Case, *, title: str, active: str, preset: dict, intro: str = ""
) -> HttpResponse:
    form, filters = _filters(request, case)
    if preset:
        filters = selectors.TimelineFilters(**{**filters.__dict__, **preset})
    timeline = selectors.timeline_for(case, filters)
    oldest_first = request.GET.get("order") == "oldest"
    page = selectors.timeline_page(
        timeline,
        oldest_first=oldest_first,
        after=_entry_id(request.GET.get("after")),
        before=_entry_id(request.GET.get("before")),
        size=ENTRIES_PER_PAGE,
    )
    selectors.mark_recorded_late(page.entries, limit=timeline.settings.late_after_working_days)
    _audit_history_read(request, case, page.entries)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    other_order = query.copy()
    other_order.pop("order", None)
    if not oldest_first:
        other_order["order"] = "oldest"
    # The panels show what concerns the rows on this page; the rest is counted and listed elsewhere
    # (every gap is a band where it falls; every duplicate group on the duplicates page), so that a
    # page of a long chronology costs what its 50 rows cost.
    shown = {entry.pk for entry in page.entries}
    every_duplicate = query.copy()  # the full list keeps this page's filters, its preset included
    for key, value in preset.items():
        every_duplicate[key] = value
    page_groups = [group for group in timeline.duplicates if shown.intersection(group.entry_ids)]
    events = {entry_id: group for group in timeline.same_events for entry_id in group.entry_ids}
    return render(
        request,
        "chronology/timeline.html",
        {
            "case": case,
            "form": form,
            "page": page,
            "count": timeline.filtered.count(),
            "query": query.urlencode(),
            "other_order_query": other_order.urlencode(),
            "title": title,
            "active": active,
            "intro": intro,
            "rows": _rows_with_gaps(page.entries, timeline.gaps, oldest_first=oldest_first, at_newest=page.at_newest),
            "gaps": timeline.gaps[:GAPS_SHOWN],
            "more_gaps": max(0, len(timeline.gaps) - GAPS_SHOWN),
            "duplicates": page_groups,
            "more_duplicates": len(timeline.duplicates) - len(page_groups),
            "duplicate_numbers": {entry_id: group.number for group in page_groups for entry_id in group.entry_ids},
            "same_event_numbers": {pk: events[pk].number for pk in shown if pk in events},
            "every_duplicate_query": every_duplicate.urlencode(),
            "has_history": bool(timeline.history_ids),
            "gap_days": timeline.gap_days,
        },
    )


def _entry_id(value):
    """An entry id from the query string, or None for anything that is not one (a bad link pages from the top)."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@access.case_view(methods=("GET",))
def timeline(request: HttpRequest, case: Case) -> HttpResponse:
    return _timeline_page(request, case, title="Multi-agency chronology", active="timeline", preset={})


@access.case_view(methods=("GET",))
def duplicates(request: HttpRequest, case: Case) -> HttpResponse:
    """Every possible duplicate group of the (filtered) chronology, a page of groups at a time."""
    _, filters = _filters(request, case)
    timeline = selectors.timeline_for(case, filters)
    groups = timeline.duplicates
    page = Paginator(groups, DUPLICATE_GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "chronology/duplicates.html",
        {
            "case": case,
            "page": page,
            "query": query.urlencode(),
            "active": "timeline",
        },
    )


@access.case_view(methods=("GET",))
def significant(request: HttpRequest, case: Case) -> HttpResponse:
    return _timeline_page(
        request,
        case,
        title="Significant events",
        active="significant",
        preset={"significance": Entry.Significance.HIGH},
        intro="Entries every agency marked as highly significant: the chronology a conference reads.",
    )


@access.case_view(methods=("GET",))
def emotional(request: HttpRequest, case: Case) -> HttpResponse:
    """Every observation tagged emotional neglect, collated per child: single observations mean
    little until they are read together."""
    entries = list(selectors.emotional_observations(case))
    _audit_history_read(request, case, entries)
    by_child = {}
    for entry in entries:
        for child in entry.effective.children:
            by_child.setdefault(child, []).append(entry)
    return render(
        request,
        "chronology/emotional.html",
        {
            "case": case,
            "entries": entries,
            "active": "emotional",
            "by_child": sorted(by_child.items(), key=lambda item: (item[0].first_name, str(item[0].pk))),
        },
    )


def _entry_in_scope(case: Case, entry_id) -> Entry:
    """An entry of this case, or of one of its earlier closed cases (family history, read-only)."""
    history_ids = selectors.history_case_ids(case)
    scope = Q(case=case) | Q(pk__in=selectors.shared_history_entry_ids(case, history_ids) if history_ids else [])
    entries = selectors.with_details(Entry.objects.filter(scope).select_related("recorded_by__team"))
    return get_object_or_404(entries, pk=entry_id)


def _audit_history_read(request: HttpRequest, case: Case, entries) -> None:
    """A page showing entries of earlier closed cases is a read of those cases too: one audit row against
    each, naming the case it was read through (docs/security.md, R24)."""
    earlier = {entry.case_id: entry.case for entry in entries if entry.case_id != case.pk}
    for old in earlier.values():
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.CASE_HISTORY_VIEWED,
            case=old,
            request=request,
            data={"path": request.path, "through_case": str(case.pk)},
            using=settings.AUDIT_DB_ALIAS,
        )


@access.case_view(methods=("GET",))
def entry_detail(request: HttpRequest, case: Case, entry_id) -> HttpResponse:
    entry = _entry_in_scope(case, entry_id)
    _audit_history_read(request, case, [entry])
    selectors.mark_recorded_late([entry])
    return render(
        request,
        "chronology/entry_detail.html",
        {
            "case": case,
            "entry": entry,
            "is_history": entry.case_id != case.pk,
            "history": selectors.entry_versions(entry) if entry.effective.amendment_id else [],
            "may_correct": services.correction_basis(entry, request.user) is not None,
            "late_after": selectors.late_after_working_days(),
        },
    )


def _save_entry(request: HttpRequest, case: Case, page: str, form_class) -> HttpResponse:
    form = form_class(request.POST or None, case=case)
    draft_key = drafts.key(page, case.reference)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                entry = services.entry_create(case=case, by=request.user, **form.values())
        except DuplicateSubmission:
            drafts.saved(request, draft_key)
            messages.info(request, "This was already added to the chronology; it was not added twice.")
            return redirect("chronology:timeline", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            drafts.saved(request, draft_key)
            messages.success(request, "Added to the chronology.")
            return redirect("chronology:entry", reference=case.reference, entry_id=entry.pk)
    return _form_page(request, page, form, case, keep_draft=draft_key)


@access.case_view(methods=("GET", "POST"), write=True)
def concern(request: HttpRequest, case: Case) -> HttpResponse:
    """Log a concern, or a missed appointment in one step (the appointment, its outcome and the entry)."""
    form = ConcernForm(request.POST or None, case=case, initial={"appointment_agency": request.user.agency_id})
    draft_key = drafts.key("concern", case.reference)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                if form.missed_appointment:
                    entry = services.missed_appointment_record(
                        case=case, by=request.user, **form.missed_appointment_values()
                    )
                else:
                    entry = services.entry_create(case=case, by=request.user, **form.values())
        except DuplicateSubmission:
            drafts.saved(request, draft_key)
            messages.info(request, "This was already added to the chronology; it was not added twice.")
            return redirect("chronology:timeline", reference=case.reference)
        except ValidationError as error:
            _missed_appointment_errors(form, error)
        else:
            drafts.saved(request, draft_key)
            messages.success(
                request,
                "Missed appointment added to the chronology and to the appointments."
                if form.missed_appointment
                else "Added to the chronology.",
            )
            return redirect("chronology:entry", reference=case.reference, entry_id=entry.pk)
    return _form_page(request, "concern", form, case, template="chronology/concern.html", keep_draft=draft_key)


# missed_appointment_record's argument names, as the fields of "Log a concern" that carry them.
MISSED_ARGUMENT_FIELDS = {
    "child": "children",
    "kind": "appointment_kind",
    "agency": "appointment_agency",
    "scheduled_on": "occurred_on",
    "outcome": "missed_outcome",
    "note": "what_happened",
}


def _missed_appointment_errors(form: ConcernForm, error: ValidationError) -> None:
    if form.missed_appointment and hasattr(error, "error_dict"):
        error = ValidationError(
            {MISSED_ARGUMENT_FIELDS.get(name, name): errors for name, errors in error.error_dict.items()}
        )
    apply_service_errors(form, error)


@access.case_view(methods=("GET", "POST"), write=True)
def entry_new(request: HttpRequest, case: Case) -> HttpResponse:
    return _save_entry(request, case, "entry", EntryForm)


def _correction_refused(
    request: HttpRequest, case: Case, *, target, action: str, template: str, context: dict
) -> HttpResponse:
    """The 403 for someone on the case who may not correct this record, audited; the page says who may."""
    audit.record(
        actor=request.user, action=action, case=case, target=target, request=request, outcome=AuditEvent.Outcome.DENIED
    )
    return render(request, template, {"case": case, **context}, status=403)


def _own_entry(case: Case, entry_id) -> Entry:
    """An entry of this case (an earlier case's history is read-only here), with what it says now."""
    entries = selectors.with_details(case.entries.select_related("recorded_by__team"))
    return get_object_or_404(entries, pk=entry_id)


@access.case_view(methods=("GET", "POST"), write=True)
def entry_amend(request: HttpRequest, case: Case, entry_id) -> HttpResponse:
    """Correct an entry: its author, the author's manager or the lead professional (docs/practice.md,
    "Corrections"). Anyone else is refused with a 403 that offers another view instead."""
    entry = _own_entry(case, entry_id)
    basis = services.correction_basis(entry, request.user)
    if basis is None:
        return _correction_refused(
            request,
            case,
            target=entry,
            action=AuditEvent.Action.CHRONOLOGY_CORRECTION_REFUSED,
            template="chronology/correction_refused.html",
            context={"entry": entry},
        )
    now = entry.effective
    form = CorrectionForm(request.POST or None, case=case, initial=CorrectionForm.initial_for(now, now.children))
    if basis != Amendment.Basis.AUTHOR:
        form.fields["reason"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.entry_correct(entry=entry, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "This correction was already added; it was not added twice.")
        except VersionConflict as conflict:
            return _correction_conflict(request, case, entry, conflict.current, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
            return _form_page(request, "amend", form, case)
        else:
            messages.success(request, "Correction added. The original is still shown with it.")
        return redirect("chronology:entry", reference=case.reference, entry_id=entry.pk)
    return _form_page(request, "amend", form, case)


def _correction_conflict(request: HttpRequest, case: Case, entry: Entry, current, data: dict) -> HttpResponse:
    current_entry = selectors.with_details(case.entries.all()).get(pk=entry.pk)
    return conflict_page(
        request,
        case,
        target=entry,
        action=AuditEvent.Action.CHRONOLOGY_CORRECTION_CONFLICT,
        explanation="Someone else corrected this entry after you opened it.",
        now_heading="The entry now",
        now_template="chronology/_entry_now.html",
        now={"entry": current_entry},
        submitted={
            "Date of the event": data["occurred_on"],
            "Children": ", ".join(child.first_name for child in data["children"]),
            "What kind of event": EventType(data["event_type"]).label,
            "Significance": Entry.Significance(data["significance"]).label,
            "What happened": data["text"],
            "Reason": data["reason"],
        },
        back_url=reverse("chronology:amend", args=[case.reference, entry.pk]),
        back_label="Correct the entry again",
    )


@access.case_view(methods=("GET", "POST"), write=True)
def other_view(request: HttpRequest, case: Case, entry_id) -> HttpResponse:
    """Another agency's view of an entry, shown beside it: open to everyone who may add to the case."""
    entry = _own_entry(case, entry_id)
    form = OtherViewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.other_view_add(entry=entry, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "Your view was already added; it was not added twice.")
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Your view was added beside the entry.")
            return redirect("chronology:entry", reference=case.reference, entry_id=entry.pk)
    return _form_page(request, "other_view", form, case)


@access.case_view(methods=("POST",), write=True)
def same_event(request: HttpRequest, case: Case) -> HttpResponse:
    """Link possible duplicates as one event with several sources (a person's decision; nothing merges)."""
    ids = [entry_id for entry_id in map(_entry_id, request.POST.getlist("entry")) if entry_id]
    entries = list(case.entries.filter(pk__in=ids))
    try:
        services.same_event_link(case=case, entries=entries, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("chronology:duplicates", reference=case.reference)
    messages.success(request, f"{len(entries)} entries linked as one event. Each is still shown, marked as such.")
    return redirect("chronology:duplicates", reference=case.reference)


@access.case_view(methods=("GET",))
def appointments(request: HttpRequest, case: Case) -> HttpResponse:
    page = Paginator(selectors.appointments_for(case), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "chronology/appointments.html",
        {
            "case": case,
            "page": page,
            "active": "appointments",
            "correctable": _correctable(case, page.object_list, request.user),
        },
    )


def _correctable(case: Case, appointments, user) -> set:
    """The appointments whose outcome this person may correct (the table offers them the link)."""
    return services.outcome_correctable_ids(appointments, user) if case.access.can_write else set()


@access.case_view(methods=("GET", "POST"), write=True)
def appointment_new(request: HttpRequest, case: Case) -> HttpResponse:
    form = AppointmentForm(request.POST or None, case=case, initial={"agency": request.user.agency_id})
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.appointment_create(case=case, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "This appointment was already added; it was not added twice.")
        except ValidationError as error:
            apply_service_errors(form, error)
            return _form_page(request, "appointment", form, case)
        else:
            if form.cleaned_data["outcome"]:
                messages.success(request, "Appointment added, and what happened added to the chronology.")
            else:
                messages.success(request, "Appointment added. Record its outcome once it has happened.")
        return redirect("chronology:appointments", reference=case.reference)
    return _form_page(request, "appointment", form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def appointment_outcome(request: HttpRequest, case: Case, appointment_id) -> HttpResponse:
    appointment = get_object_or_404(
        case.appointments.with_outcome().select_related("child", "agency"), pk=appointment_id
    )
    if appointment.outcome:
        messages.info(request, f"The outcome was already recorded: {appointment.outcome_label}.")
        return redirect("chronology:appointments", reference=case.reference)
    form = OutcomeForm(request.POST or None)
    about = (
        f"{appointment.child.first_name}: {appointment.get_kind_display()} with "
        f"{appointment.agency.name}, {in_words(appointment.scheduled_on)}. {PAGES['outcome']['intro']}"
    )
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, "outcome", form, case, intro=about)
        try:
            services.appointment_record_outcome(appointment=appointment, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
            return _form_page(request, "outcome", form, case, intro=about)
        messages.success(request, "Outcome recorded and added to the chronology.")
        return redirect("chronology:appointments", reference=case.reference)
    return _form_page(request, "outcome", form, case, intro=about)


def _appointment_words(appointment: Appointment) -> str:
    return (
        f"{appointment.child.first_name}: {appointment.get_kind_display()} with {appointment.agency.name}, "
        f"{appointment.scheduled_on.day} {appointment.scheduled_on:%B %Y}"
    )


@access.case_view(methods=("GET", "POST"), write=True)
def appointment_outcome_correct(request: HttpRequest, case: Case, appointment_id) -> HttpResponse:
    """Correct an appointment's outcome: a new outcome row with a reason, never a change to the old one.
    The person who recorded it, their manager or the lead professional (as for the outcome's entry);
    anyone else is refused with a 403."""
    appointment = get_object_or_404(
        case.appointments.with_outcome().select_related("child", "agency"), pk=appointment_id
    )
    if not appointment.outcome:
        messages.info(request, "No outcome has been recorded for this appointment yet.")
        return redirect("chronology:appointment_outcome", reference=case.reference, appointment_id=appointment.pk)
    entry = services.outcome_entry(appointment)
    if services.outcome_correction_basis(appointment, request.user, entry) is None:
        return _correction_refused(
            request,
            case,
            target=appointment,
            action=AuditEvent.Action.CHRONOLOGY_OUTCOME_CORRECTION_REFUSED,
            template="chronology/outcome_correction_refused.html",
            context={"appointment": appointment, "entry": entry, "about": _appointment_words(appointment)},
        )
    form = OutcomeCorrectionForm(request.POST or None, initial={"based_on": str(appointment.outcome_row_id)})
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.appointment_outcome_correct(appointment=appointment, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "This correction was already added; it was not added twice.")
        except VersionConflict as conflict:
            return _outcome_conflict(request, case, appointment, conflict.current, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
            return _outcome_correct_page(request, case, appointment, form)
        else:
            messages.success(request, "Outcome corrected. The outcome first recorded is still shown with it.")
        return redirect("chronology:appointments", reference=case.reference)
    return _outcome_correct_page(request, case, appointment, form)


def _outcome_history(appointment: Appointment) -> list:
    return list(appointment.outcomes.select_related("recorded_by").order_by("recorded_at", "id"))


def _outcome_correct_page(request: HttpRequest, case: Case, appointment: Appointment, form) -> HttpResponse:
    intro = (
        f"{_appointment_words(appointment)}. Recorded now as “{appointment.outcome_label}”. Your correction is "
        "added as a new record with your name, the date and your reason; the chronology entry is corrected to "
        "match, and what was recorded before stays readable."
    )
    return _form_page(
        request,
        "outcome_correct",
        form,
        case,
        template="chronology/outcome_correct.html",
        intro=intro,
        history=_outcome_history(appointment),
    )


def _outcome_conflict(request: HttpRequest, case: Case, appointment: Appointment, current, data: dict) -> HttpResponse:
    return conflict_page(
        request,
        case,
        target=appointment,
        action=AuditEvent.Action.CHRONOLOGY_OUTCOME_CORRECTION_CONFLICT,
        explanation="Someone else corrected this appointment's outcome after you opened it.",
        now_heading="The outcome now",
        now_template="chronology/_outcome_now.html",
        now={"history": _outcome_history(appointment), "about": _appointment_words(appointment)},
        submitted={
            "What really happened": Appointment.Outcome(data["outcome"]).label,
            "Reason": data["reason"],
        },
        back_url=reverse("chronology:appointment_outcome_correct", args=[case.reference, appointment.pk]),
        back_label="Correct the outcome again",
    )


@access.case_view(methods=("GET",))
def child(request: HttpRequest, case: Case, person_id) -> HttpResponse:
    member = selectors.child_for_case(case, person_id)
    if member is None:
        raise Http404("No such child in this household")
    today = timezone.localdate()
    timeline = selectors.timeline_for(case, selectors.TimelineFilters(child=member.person_id), today=today)
    page = selectors.timeline_page(
        timeline,
        after=_entry_id(request.GET.get("after")),
        before=_entry_id(request.GET.get("before")),
        size=ENTRIES_PER_PAGE,
    )
    selectors.mark_recorded_late(page.entries, limit=timeline.settings.late_after_working_days)
    _audit_history_read(request, case, page.entries)
    appointments = list(selectors.appointments_for(case, child=member.person))
    return render(
        request,
        "chronology/child.html",
        {
            "case": case,
            "member": member,
            "person": member.person,
            "today": today,
            "counts": selectors.child_counts(case, member.person, today=today),
            "appointments": appointments,
            "correctable": _correctable(case, appointments, request.user),
            "page": page,
        },
    )


def _record_export(request: HttpRequest, case: Case, kind: str, filters, entries, **extra) -> AuditEvent:
    # The audit row comes first so that its ID can be printed on the export as its watermark.
    return audit.record(
        actor=request.user,
        action=AuditEvent.Action.CHRONOLOGY_EXPORTED,
        case=case,
        request=request,
        data={
            "format": kind,
            "entry_ids": [str(e.pk) for e in entries],
            "filters": sorted(k for k, v in filters.__dict__.items() if v),
            **extra,
        },
        using=settings.AUDIT_DB_ALIAS,
    )


def _entries_for_export(case: Case, filters: selectors.TimelineFilters) -> list[Entry]:
    timeline = selectors.timeline_for(case, filters)
    return selectors.mark_recorded_late(list(timeline.entries), limit=timeline.settings.late_after_working_days)


def _export(request: HttpRequest, case: Case, kind: str) -> HttpResponse:
    _, filters = _filters(request, case)
    entries = _entries_for_export(case, filters)
    event = _record_export(request, case, kind, filters, entries)
    _audit_history_read(request, case, entries)
    if kind == "pdf":
        return exports.pdf_response(request, case, entries, export_id=event.pk)
    return exports.csv_response(case, entries, user=request.user, export_id=event.pk)


@access.case_view(methods=("GET",), export=True)
@stepup.export_view
def export_pdf(request: HttpRequest, case: Case) -> HttpResponse:
    return _export(request, case, "pdf")


@access.case_view(methods=("GET",), export=True)
@stepup.export_view
def export_csv(request: HttpRequest, case: Case) -> HttpResponse:
    return _export(request, case, "csv")


@access.case_view(methods=("GET",), export=True)
@stepup.export_view
def export_court_pdf(request: HttpRequest, case: Case) -> HttpResponse:
    """The court version: high-significance entries of the last 2 years, whatever the timeline's filters
    are (a court bundle must not depend on what someone happened to be looking at)."""
    since = calendar.months_later(timezone.localdate(), -COURT_VERSION_MONTHS)
    filters = selectors.TimelineFilters(significance=Entry.Significance.HIGH, date_from=since)
    entries = _entries_for_export(case, filters)
    event = _record_export(request, case, "pdf", filters, entries, version="court")
    _audit_history_read(request, case, entries)
    return exports.pdf_response(request, case, entries, export_id=event.pk, court_since=since)


@access.case_view(methods=("GET", "POST"), write=True)
def import_csv(request: HttpRequest, case: Case) -> HttpResponse:
    """Check the file as a whole (size, type, columns, row count) and hand it to a background job."""
    if request.user.agency_id is None:
        raise PermissionDenied("Only staff of a partner agency can import into the chronology.")
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {
        "case": case,
        "form": form,
        "columns": imports.COLUMNS,
        "active": "import",
        "max_mb": settings.CHRONOLOGY_IMPORT_MAX_BYTES / 1_048_576,
        "recent_jobs": ImportJob.objects.filter(case=case, uploaded_by=request.user)
        .defer("upload", "result")
        .order_by("-created_at")[:5],
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "chronology/import.html", context, status=INVALID)
        try:
            job = import_jobs.start(case=case, by=request.user, upload=form.cleaned_data["file"])
        except imports.UploadRefused as refusal:
            form.add_error("file", str(refusal))
            messages.error(request, "The file was not imported. Nothing has been added.")
            return render(request, "chronology/import.html", context, status=refusal.status)
        except ValidationError as error:  # the case closed since the page was opened
            apply_service_errors(form, error)
            return render(request, "chronology/import.html", context, status=INVALID)
        return redirect("chronology:import_job", case.reference, job.pk)
    return render(request, "chronology/import.html", context)


# Seconds between reloads of a job page while its job runs: the HTML "Refresh" header, which needs no
# script (so the page works with JavaScript off and under the CSP) and stops once the job has ended.
IMPORT_REFRESH_SECONDS = 2


@access.case_view(methods=("GET",), write=True)
def import_job(request: HttpRequest, case: Case, job_id) -> HttpResponse:
    """How far a background import has got, then what happened to each row. Same access as the import."""
    if request.user.agency_id is None:
        raise PermissionDenied("Only staff of a partner agency can import into the chronology.")
    job = get_object_or_404(ImportJob.objects.defer("upload"), pk=job_id, case=case)
    context = {"case": case, "job": job, "active": "import"}
    if job.status == ImportJob.Status.DONE:
        context["report"] = import_jobs.report(job)
    response = render(request, "chronology/import_job.html", context)
    if not job.finished:
        response["Refresh"] = str(IMPORT_REFRESH_SECONDS)
    return response
