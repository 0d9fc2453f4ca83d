"""Each child's statutory record on a case: the record page, and the forms that change it (the episode's
details, assessments, section 47 enquiries, closing the episode, a death, and the child's plan).

Every page gets its case through cases.access.case_view; the episode and the child's plan are fetched through
the case, so an address naming another case's row is a 404 like any other.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cases import access
from cases import services as case_services
from cases.models import Case, ChildEpisode
from common.conflicts import VersionConflict
from common.views import DuplicateSubmission, apply_service_errors, form_page, saved_once
from plans import children as child_services
from plans import selectors as plan_selectors
from plans.forms import (
    AssessmentAuthoriseForm,
    CategoryChangeForm,
    ChildAssessmentForm,
    ChildDeathForm,
    ChildPlanEndForm,
    EpisodeCloseForm,
    EpisodeForm,
    Section47Form,
)

RECORD = "plans/child_record.html"


def _episode(case: Case, episode_id: int) -> ChildEpisode:
    return get_object_or_404(case.episodes.select_related("child", "case"), pk=episode_id)


def _to_record(case: Case, episode: ChildEpisode) -> HttpResponse:
    return redirect("plans:child_record", reference=case.reference, episode_id=episode.pk)


def _page(episode: ChildEpisode, title: str, submit: str, intro: str = "") -> dict:
    return {
        "title": f"{title}: {episode.child.first_name}",
        "submit_label": submit,
        "intro": intro,
        "episode": episode,
    }


@access.case_view(methods=("GET",))
def child_record(request: HttpRequest, case: Case, episode_id: int) -> HttpResponse:
    episode = _episode(case, episode_id)
    return render(request, RECORD, {"case": case, "record": plan_selectors.child_record(case, episode)})


def _save(request, case, episode, form, page, save, *, done: str, what: str = "record") -> HttpResponse:
    """The common path of a form on a child's record: shown, invalid, refused, stale (a versioned form) or
    saved, then back to the record."""
    if request.method != "POST" or not form.is_valid():
        return form_page(request, page, form, case)
    try:
        save(form.cleaned_data)
    except VersionConflict:
        # Never an overwrite: what was typed stays in the form, and the page says why it was not saved.
        form.add_error(
            None,
            f"Someone else changed {episode.child.first_name}'s {what} after you opened this page. Nothing was "
            "saved: open the child's record to see what it says now, then try again.",
        )
        return form_page(request, page, form, case)
    except ValidationError as error:
        apply_service_errors(form, error)
        return form_page(request, page, form, case)
    messages.success(request, done)
    return _to_record(case, episode)


@access.case_view(methods=("GET", "POST"), manage=True)
def episode_edit(request: HttpRequest, case: Case, episode_id: int) -> HttpResponse:
    episode = _episode(case, episode_id)
    initial = {
        "started_on": episode.started_on,
        "referral_source": episode.referral_source,
        "primary_need": episode.primary_need,
        "version": episode.version,
    }
    form = EpisodeForm(request.POST or None, initial=initial)
    page = _page(episode, "Episode of need", "Save", "The referral, who made it and the child's primary need.")

    def save(data):
        case_services.episode_update(
            episode=episode,
            by=request.user,
            seen_version=data["version"],
            started_on=data["started_on"],
            referral_source=data["referral_source"],
            primary_need=data["primary_need"],
        )

    return _save(request, case, episode, form, page, save, done="Episode saved.", what="episode")


@access.case_view(methods=("GET", "POST"), manage=True)
def assessment_add(request: HttpRequest, case: Case, episode_id: int) -> HttpResponse:
    episode = _episode(case, episode_id)
    form = ChildAssessmentForm(request.POST or None)
    page = _page(episode, "Record an assessment", "Save the assessment")
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, page, form, case)
        try:
            with saved_once(form, by=request.user):
                case_services.child_assessment_record(episode=episode, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "This assessment was already saved; it was not saved twice.")
            return _to_record(case, episode)
        except ValidationError as error:
            apply_service_errors(form, error)
            return form_page(request, page, form, case)
        messages.success(request, "Assessment saved.")
        return _to_record(case, episode)
    return form_page(request, page, form, case)


@access.case_view(methods=("GET", "POST"), manage=True)
def assessment_authorise(request: HttpRequest, case: Case, episode_id: int, assessment_id: int) -> HttpResponse:
    episode = _episode(case, episode_id)
    assessment = get_object_or_404(episode.assessments, pk=assessment_id)
    form = AssessmentAuthoriseForm(request.POST or None)
    page = _page(episode, "Authorise the assessment", "Authorise", "Once authorised, the assessment stays as it is.")

    def save(data):
        case_services.child_assessment_authorise(
            assessment=assessment, by=request.user, authorised_on=data["authorised_on"], factors=data["factors"]
        )

    return _save(request, case, episode, form, page, save, done="Assessment authorised.")


@access.case_view(methods=("GET", "POST"), manage=True)
def section47(request: HttpRequest, case: Case, episode_id: int, enquiry_id: int | None = None) -> HttpResponse:
    episode = _episode(case, episode_id)
    enquiry = get_object_or_404(episode.enquiries, pk=enquiry_id) if enquiry_id else None
    initial = {}
    if enquiry is not None:
        finding = {True: "yes", False: "no"}.get(enquiry.conference_needed, "")
        initial = {
            "started_on": enquiry.started_on,
            "conference_needed": finding,
            "conference_on": enquiry.conference_on,
            "version": enquiry.version,
        }
    form = Section47Form(request.POST or None, initial=initial)
    page = _page(
        episode,
        "Section 47 enquiry",
        "Save the enquiry",
        "An enquiry into whether the child is suffering, "
        "or likely to suffer, significant harm; and whether it needs an initial conference.",
    )

    def save(data):
        case_services.section47_record(episode=episode, by=request.user, enquiry=enquiry, **form.values())

    return _save(request, case, episode, form, page, save, done="Enquiry saved.", what="enquiry")


@access.case_view(methods=("GET", "POST"), manage=True)
def episode_close(request: HttpRequest, case: Case, episode_id: int) -> HttpResponse:
    episode = _episode(case, episode_id)
    form = EpisodeCloseForm(request.POST or None, initial={"version": episode.version})
    page = _page(
        episode,
        "Close the episode of need",
        "Close the episode",
        "For one child whose episode closes while others stay open, for example an adoption or a move. The "
        "last child's episode closes with the case.",
    )

    def save(data):
        child_services.episode_close(
            episode=episode,
            by=request.user,
            seen_version=data["version"],
            closed_on=data["closed_on"],
            reason=data["reason"],
            continue_as_early_help=data["continue_as_early_help"],
        )

    return _save(request, case, episode, form, page, save, done="Episode closed.", what="episode")


@access.case_view(methods=("GET", "POST"), manage=True)
def child_death(request: HttpRequest, case: Case, episode_id: int) -> HttpResponse:
    episode = _episode(case, episode_id)
    form = ChildDeathForm(request.POST or None, initial={"version": episode.version})
    page = _page(
        episode,
        "Record a child's death",
        "Record the death",
        "Saving writes the chronology entry, closes the child's episode (RC2) and plans, and closes their record "
        "to change. The team manager is told that the serious incident notification is due within 5 working "
        "days and that the child death review partners must be told.",
    )

    def save(data):
        child_services.child_death_record(
            episode=episode,
            by=request.user,
            seen_version=data["version"],
            died_on=data["died_on"],
            who_was_told=data["who_was_told"],
        )

    return _save(request, case, episode, form, page, save, done="The death has been recorded.", what="episode")


def _child_plan(case: Case, child_plan_id):
    return get_object_or_404(case.child_plans.select_related("child", "episode", "case"), pk=child_plan_id)


@access.case_view(methods=("GET", "POST"), manage=True)
def child_plan_end(request: HttpRequest, case: Case, child_plan_id) -> HttpResponse:
    child_plan = _child_plan(case, child_plan_id)
    form = ChildPlanEndForm(request.POST or None, initial={"version": child_plan.version})
    page = _page(
        child_plan.episode, "End the child's plan", "End the plan", "The household plan ends with its last child."
    )

    def save(data):
        child_services.child_plan_end(
            child_plan=child_plan,
            by=request.user,
            seen_version=data["version"],
            ended_on=data["ended_on"],
            reason=data["reason"],
        )

    return _save(request, case, child_plan.episode, form, page, save, done="Plan ended.", what="plan")


@access.case_view(methods=("GET", "POST"), manage=True)
def child_plan_category(request: HttpRequest, case: Case, child_plan_id) -> HttpResponse:
    child_plan = _child_plan(case, child_plan_id)
    form = CategoryChangeForm(request.POST or None, initial={"version": child_plan.version})
    page = _page(
        child_plan.episode,
        "Change the category",
        "Change the category",
        "The category at the start stays as the initial conference decided; this sets the category now.",
    )

    def save(data):
        child_services.child_plan_change_category(
            child_plan=child_plan,
            by=request.user,
            seen_version=data["version"],
            category=data["category"],
            changed_on=data["changed_on"],
            reason=data["reason"],
        )

    return _save(request, case, child_plan.episode, form, page, save, done="Category changed.", what="plan")
