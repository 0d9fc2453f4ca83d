"""GCP2 pages under /cases/<reference>/gcp2/: the household overview, one assessment (read, edit per
part, complete, correct, PDF) and one child's comparison over time (page and PDF).

Reading needs only access to the case. Starting, saving and completing need write access to the
case and a current GCP2 licence (checked here for a clear 403, and again in the services).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import stepup
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases.models import Case
from cases.views import conflict_page
from common import drafts
from common.conflicts import VersionConflict
from common.views import INVALID, apply_service_errors
from gcp2 import pdf, selectors, services
from gcp2.forms import AreaForm, CompleteForm, CorrectionForm, DetailsForm, StartForm
from gcp2.models import Assessment
from gcp2.structure import AREA_BY_CODE, AREAS, GRADES

# The assessor's path through a draft: details, one page per area, then check and complete.
STEPS = [("details", "Visits and views"), *((a.code, a.label) for a in AREAS), ("complete", "Check and complete")]
DETAIL_FIELDS = ["observation_started_on", "observation_ended_on", "visits", "strengths", "child_views"]


def assessor_view(view):
    """A page that changes a GCP2: case write access (404 or 403 as usual), then a current licence."""

    @access.case_view(methods=("GET", "POST"), write=True)
    @wraps(view)
    def wrapper(request: HttpRequest, case: Case, **kwargs):
        if not can_assess(request.user, case):
            audit.record(
                actor=request.user,
                action=AuditEvent.Action.GCP2_LICENCE_REFUSED,
                case=case,
                request=request,
                outcome="denied",
                data={"path": request.path},
                using=settings.AUDIT_DB_ALIAS,
            )
            raise PermissionDenied(services.LICENCE_REQUIRED)
        return view(request, case, **kwargs)

    return wrapper


def can_assess(user, case: Case) -> bool:
    return user.holds_gcp2_licence(timezone.localdate()) and access.decision(user, case).can_write


def _invalid(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, context, status=INVALID)


def _submitted(form) -> dict[str, str]:
    """What the user typed, labelled, for the conflict page: the raw values, so nothing is lost."""
    shown = {}
    for name, field in form.fields.items():
        if name == "version":
            continue
        value = form.data.get(name, "")
        if name.startswith("grade_") or name == "area_grade":
            value = f"{value} {GRADES[int(value)][0]}" if value.isdigit() and int(value) in GRADES else value
        shown[field.label] = value
    return shown


def _conflict(request: HttpRequest, case: Case, assessment: Assessment, submitted: dict, back: str) -> HttpResponse:
    current = selectors.assessment_in_case(case, assessment.pk)
    sub_grades, area_grades = selectors.grades_of(current)
    if current.is_completed:
        explanation = (
            "This GCP2 has been completed and is locked, so it cannot be changed. To change it, record a correction."
        )
        back_url, back_label = reverse("gcp2:detail", args=[case.reference, current.pk]), "See the completed GCP2"
    else:
        explanation = "Someone else saved this GCP2 draft after you opened it."
        back_url, back_label = back, "Back to the form, with the latest version"
    return conflict_page(
        request,
        case,
        target=assessment,
        action=AuditEvent.Action.GCP2_ASSESSMENT_SAVE_CONFLICT,
        explanation=explanation,
        now_heading=f"The GCP2 now (version {current.version})",
        now_template="gcp2/_conflict_assessment.html",
        now={"assessment": current, "sub_grades": sub_grades, "area_grades": area_grades, "areas": AREAS},
        submitted=submitted,
        back_url=back_url,
        back_label=back_label,
        nothing_entered="You asked to complete the assessment.",
    )


def _step_url(case: Case, assessment: Assessment, step: str) -> str:
    if step == "details":
        return reverse("gcp2:details", args=[case.reference, assessment.pk])
    if step == "complete":
        return reverse("gcp2:complete", args=[case.reference, assessment.pk])
    return reverse("gcp2:area", args=[case.reference, assessment.pk, step])


def _after_save(request: HttpRequest, case: Case, assessment: Assessment, step: str) -> HttpResponse:
    codes = [code for code, _ in STEPS]
    drafts.saved(request, drafts.key("gcp2", assessment.pk, step))
    if "stay" in request.POST:
        messages.success(request, "Saved. You can carry on later: the draft is kept.")
        return redirect(_step_url(case, assessment, step))
    messages.success(request, "Saved.")
    return redirect(_step_url(case, assessment, codes[codes.index(step) + 1]))


def _draft_context(case: Case, assessment: Assessment, step: str) -> dict:
    return {
        "case": case,
        "assessment": assessment,
        "child": assessment.child,
        "step": step,
        "steps": [(code, label, _step_url(case, assessment, code)) for code, label in STEPS],
    }


def _locked(request: HttpRequest, case: Case, assessment: Assessment) -> HttpResponse:
    messages.info(request, "This assessment is completed and cannot be changed. To change it, record a correction.")
    return redirect("gcp2:detail", reference=case.reference, assessment_id=assessment.pk)


@access.case_view(methods=("GET",))
def overview(request: HttpRequest, case: Case) -> HttpResponse:
    due_on, unassessed = selectors.repeat_due(case)
    return render(
        request,
        "gcp2/overview.html",
        {
            "case": case,
            "children": selectors.household_summary(case),
            "areas": AREAS,
            "can_assess": can_assess(request.user, case),
            "repeat_due_on": due_on,
            "unassessed": unassessed,
            "today": timezone.localdate(),
        },
    )


@assessor_view
def start(request: HttpRequest, case: Case) -> HttpResponse:
    form = StartForm(request.POST or None, case=case, initial={"child": request.GET.get("child")})
    context = {"case": case, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return _invalid(request, "gcp2/start.html", context)
        try:
            assessment = services.assessment_start(case=case, child=form.cleaned_data["child"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
            return _invalid(request, "gcp2/start.html", context)
        messages.success(
            request, f"{assessment.get_kind_display()} GCP2 started. Each part is saved when you press Save."
        )
        return redirect("gcp2:details", reference=case.reference, assessment_id=assessment.pk)
    return render(request, "gcp2/start.html", context)


@access.case_view(methods=("GET",))
def detail(request: HttpRequest, case: Case, assessment_id) -> HttpResponse:
    assessment = selectors.assessment_in_case(case, assessment_id)
    subs, areas = selectors.grades_of(assessment)
    return render(
        request,
        "gcp2/detail.html",
        {
            "case": case,
            "assessment": assessment,
            "child": assessment.child,
            "areas": AREAS,
            "sub_grades": subs,
            "area_grades": areas,
            "can_assess": can_assess(request.user, case),
            "correction": assessment.corrections.first(),
            "warnings": selectors.window_warnings(assessment),
        },
    )


@assessor_view
def details(request: HttpRequest, case: Case, assessment_id) -> HttpResponse:
    assessment = selectors.assessment_in_case(case, assessment_id)
    if not assessment.is_draft and request.method == "GET":
        return _locked(request, case, assessment)
    initial = {name: getattr(assessment, name) for name in DETAIL_FIELDS} | {"version": assessment.version}
    form = DetailsForm(request.POST or None, initial=initial)
    context = _draft_context(case, assessment, "details") | {
        "form": form,
        "warnings": selectors.window_warnings(assessment),
    }
    if request.method == "POST":
        if not form.is_valid():
            return _invalid(request, "gcp2/edit_details.html", context)
        data = form.cleaned_data
        try:
            services.assessment_details_save(
                assessment=assessment,
                by=request.user,
                seen_version=data["version"],
                details=services.Details(**{name: data[name] for name in DETAIL_FIELDS}),
            )
        except VersionConflict:
            return _conflict(request, case, assessment, _submitted(form), _step_url(case, assessment, "details"))
        return _after_save(request, case, assessment, "details")
    return render(request, "gcp2/edit_details.html", context)


@assessor_view
def area(request: HttpRequest, case: Case, assessment_id, area: str) -> HttpResponse:
    if area not in AREA_BY_CODE:
        raise Http404("No such GCP2 area")
    assessment = selectors.assessment_in_case(case, assessment_id)
    if not assessment.is_draft and request.method == "GET":
        return _locked(request, case, assessment)
    the_area = AREA_BY_CODE[area]
    subs, areas = selectors.grades_of(assessment)
    initial = {"version": assessment.version, "area_grade": areas[area].grade, "rationale": areas[area].rationale}
    for sub in the_area.sub_areas:
        initial[f"grade_{sub.code}"] = subs[sub.code].grade
        initial[f"evidence_{sub.code}"] = subs[sub.code].evidence
    form = AreaForm(request.POST or None, area=the_area, initial=initial)
    context = _draft_context(case, assessment, area) | {
        "form": form,
        "area": the_area,
        "descriptors": selectors.descriptors_by_sub_area(),
    }
    if request.method == "POST":
        if not form.is_valid():
            return _invalid(request, "gcp2/edit_area.html", context)
        data = form.cleaned_data
        try:
            services.assessment_area_save(
                assessment=assessment,
                by=request.user,
                seen_version=data["version"],
                area=area,
                sub_areas=form.sub_area_data(),
                area_grade=data["area_grade"],
                rationale=data["rationale"],
            )
        except VersionConflict:
            return _conflict(request, case, assessment, _submitted(form), _step_url(case, assessment, area))
        except ValidationError as error:
            apply_service_errors(form, error)
            return _invalid(request, "gcp2/edit_area.html", context)
        return _after_save(request, case, assessment, area)
    return render(request, "gcp2/edit_area.html", context)


@assessor_view
def complete(request: HttpRequest, case: Case, assessment_id) -> HttpResponse:
    assessment = selectors.assessment_in_case(case, assessment_id)
    if not assessment.is_draft and request.method == "GET":
        return _locked(request, case, assessment)
    form = CompleteForm(request.POST or None, initial={"version": assessment.version})
    subs, areas = selectors.grades_of(assessment)
    context = _draft_context(case, assessment, "complete") | {
        "form": form,
        "missing": services.missing_for_completion(assessment),
        "areas": AREAS,
        "sub_grades": subs,
        "area_grades": areas,
        "warnings": selectors.window_warnings(assessment),
    }
    if request.method == "POST":
        if not form.is_valid():
            return _invalid(request, "gcp2/complete.html", context)
        try:
            services.assessment_complete(
                assessment=assessment, by=request.user, seen_version=form.cleaned_data["version"]
            )
        except VersionConflict:
            return _conflict(request, case, assessment, {}, _step_url(case, assessment, "complete"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return render(request, "gcp2/complete.html", context, status=INVALID)
        messages.success(request, "GCP2 completed. It is now locked; a change needs a correction.")
        return redirect("gcp2:detail", reference=case.reference, assessment_id=assessment.pk)
    return render(request, "gcp2/complete.html", context)


@assessor_view
def correct(request: HttpRequest, case: Case, assessment_id) -> HttpResponse:
    assessment = selectors.assessment_in_case(case, assessment_id)
    if not assessment.is_completed:
        messages.info(request, "This assessment is still a draft: change it directly.")
        return redirect("gcp2:detail", reference=case.reference, assessment_id=assessment.pk)
    form = CorrectionForm(request.POST or None)
    context = {"case": case, "assessment": assessment, "child": assessment.child, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return _invalid(request, "gcp2/correct.html", context)
        try:
            correction = services.assessment_correct(
                assessment=assessment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
            return _invalid(request, "gcp2/correct.html", context)
        messages.success(request, "Correction started as a new draft, copied from the completed assessment.")
        return redirect("gcp2:details", reference=case.reference, assessment_id=correction.pk)
    return render(request, "gcp2/correct.html", context)


@access.case_view(methods=("GET",))
def comparison(request: HttpRequest, case: Case, person_id) -> HttpResponse:
    child = selectors.child_of_case(case, person_id)
    return render(
        request,
        "gcp2/comparison.html",
        {
            "case": case,
            "child": child,
            "comparison": selectors.comparison_for_child(case, child),
            "chart": selectors.CHART,
            "grade_lines": selectors.chart_grade_lines(),
            "can_assess": can_assess(request.user, case),
        },
    )


@access.case_view(methods=("GET",))
@stepup.export_view
def assessment_pdf(request: HttpRequest, case: Case, assessment_id) -> HttpResponse:
    assessment = selectors.assessment_in_case(case, assessment_id)
    subs, areas = selectors.grades_of(assessment)
    event = services.assessment_printed(
        case=case, by=request.user, what="assessment", assessment_ids=[str(assessment.pk)], request=request
    )
    return pdf.render_pdf(
        request,
        "gcp2/pdf_assessment.html",
        {
            "case": case,
            "assessment": assessment,
            "child": assessment.child,
            "areas": AREAS,
            "sub_grades": subs,
            "area_grades": areas,
            "correction": assessment.corrections.first(),
        },
        case=case,
        name="assessment",
        export_id=event.pk,
    )


@access.case_view(methods=("GET",))
@stepup.export_view
def comparison_pdf(request: HttpRequest, case: Case, person_id) -> HttpResponse:
    child = selectors.child_of_case(case, person_id)
    result = selectors.comparison_for_child(case, child)
    event = services.assessment_printed(
        case=case,
        by=request.user,
        what="comparison",
        assessment_ids=[str(a.pk) for a in result.assessments],
        request=request,
    )
    return pdf.render_pdf(
        request,
        "gcp2/pdf_comparison.html",
        {
            "case": case,
            "child": child,
            "comparison": result,
            "chart": selectors.CHART,
            "grade_lines": selectors.chart_grade_lines(),
        },
        case=case,
        name="comparison",
        export_id=event.pk,
    )
