"""Case pages: the case list, open a case, change its details, household (search first, link, leave, correct,
a child's census details, addresses, the same person), team, temporary access, who viewed, reopen a closed
case; a manager's cases to allocate and allocating one; recording the assessment completed.

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

from accounts.models import Capability
from audit import selectors as audit_selectors
from audit import services as audit
from audit.models import AuditEvent
from cases import access, matching, selectors, services
from cases.forms import (
    AccessGrantForm,
    AllocationForm,
    AssessmentCompletedForm,
    BirthForm,
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
    CaseMemberAddForm,
    CaseMemberEndForm,
    CaseReopenForm,
    CensusDetailsForm,
    HouseholdAddressEndForm,
    HouseholdAddressForm,
    HouseholdLeaveForm,
    HouseholdLinkForm,
    HouseholdMemberForm,
    PersonCorrectForm,
    PersonSearchForm,
    SamePersonForm,
    UndoMergeForm,
)
from cases.models import Case, HouseholdMember, Person
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
    "household_search": {
        "title": "Add someone to the household",
        "submit_label": "Search",
        "intro": "First look for them: a person already known to the portal (a returning family, a child "
        "from another household) is linked, so their history comes with them.",
    },
    "household_link": {"title": "Link a person already known", "submit_label": "Link this person"},
    "household_leave": {
        "title": "Leaves the household",
        "submit_label": "Save",
        "intro": "They keep their place in the household's history.",
    },
    "person_correct": {
        "title": "Correct details",
        "submit_label": "Save the correction",
        "intro": "For a mistake in how a person was recorded. What it said before is kept, with your name and reason.",
    },
    "person_born": {
        "title": "Record the birth",
        "submit_label": "Record the birth",
        "intro": "The baby was born: their date of birth replaces the expected date, which is kept.",
    },
    "person_census": {
        "title": "Census details",
        "submit_label": "Save census details",
        "intro": "What the children in need census needs about this child, recorded once here. Changing a "
        "detail already recorded needs a reason; what it said before is kept.",
    },
    "address_add": {"title": "Add an address", "submit_label": "Add the address"},
    "address_end": {"title": "End an address", "submit_label": "Save"},
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


@access.case_view(methods=("GET",))
def household(request: HttpRequest, case: Case) -> HttpResponse:
    """Everyone who lives or lived in the home, with who corrected whose details, and links to the household's
    changes."""
    members = selectors.household_for(case)
    corrections = selectors.corrections_for(case)
    for member in members:
        member.corrections_shown = corrections.get(member.person_id, [])
    return render(
        request,
        "cases/household.html",
        {"case": case, "household": members, "may_merge": request.user.can(Capability.Key.MERGE_PEOPLE)},
    )


@access.case_view(methods=("GET", "POST"), write=True)
def household_add(request: HttpRequest, case: Case) -> HttpResponse:
    """Search first: the search (a POST, so names never reach a URL) shows the people already known in cases
    the user may open, each to link, and "none of these: add new" with what was searched filled in. A POST
    of the new person's details adds them (step "new")."""
    if request.method == "POST" and request.POST.get("step") == "search":
        return _household_search(request, case)
    if request.method == "GET":
        return form_page(
            request, PAGES["household_search"], _search_form(), case, template="cases/household_search.html"
        )
    form = HouseholdMemberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        details = services.PersonDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            is_unborn=data["is_unborn"],
            expected_on=data["expected_on"],
            sex=data["sex"],
            nhs_number=data["nhs_number"],
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


def _search_form(data=None) -> PersonSearchForm:
    return PersonSearchForm(data, prefix="search")


def _household_search(request: HttpRequest, case: Case) -> HttpResponse:
    search = _search_form(request.POST)
    if not search.is_valid():
        return form_page(request, PAGES["household_search"], search, case, template="cases/household_search.html")
    data = search.cleaned_data
    already = HouseholdMember.objects.filter(case=case).values_list("person_id", flat=True)
    candidates = matching.find_people(
        data["first_name"],
        data["last_name"],
        data["date_of_birth"],
        data["nhs_number"],
        month_only=data["month_only"],
        among_cases=access.cases_visible_to(request.user),
        exclude_ids=selectors.canonical_person_ids(list(already)).values(),
    )
    # The search is audited by what it was and found in numbers only: names are personal data.
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.CASE_PEOPLE_SEARCHED,
        case=case,
        request=request,
        data={"found": len(candidates), "with_nhs_number": bool(data["nhs_number"])},
    )
    history = selectors.people_history([c.person.pk for c in candidates]) if candidates else {}
    visible = set(access.cases_visible_to(request.user).filter(pk__in=_case_ids(history)).values_list("pk", flat=True))
    rows = [
        {
            "candidate": c,
            "cases": [m.case for m in history[c.person.pk].memberships if m.case_id in visible],
            "form": HouseholdLinkForm(initial={"person": c.person.pk}, prefix=f"link-{n}"),
        }
        for n, c in enumerate(candidates)
    ]
    new_person = HouseholdMemberForm(
        initial={
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "date_of_birth": None if data["month_only"] else data["date_of_birth"],
            "nhs_number": data["nhs_number"],
        }
    )
    return render(
        request,
        "cases/household_candidates.html",
        {"case": case, "rows": rows, "new_person": new_person, "title": PAGES["household"]["title"]},
    )


def _case_ids(history: dict) -> set:
    return {m.case_id for h in history.values() for m in h.memberships}


@access.case_view(methods=("POST",), write=True)
def household_link(request: HttpRequest, case: Case) -> HttpResponse:
    """Link a person found by the search (any of the candidates' forms posts here with its own prefix)."""
    prefix = next((key[: -len("-person")] for key in request.POST if key.endswith("-person")), None)
    form = HouseholdLinkForm(request.POST, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        person = Person.objects.filter(pk=data["person"]).first()
        try:
            if person is None:
                raise ValidationError("This person could not be found: search again.")
            with saved_once(form, by=request.user):
                services.household_member_add(
                    case=case,
                    by=request.user,
                    existing=person,
                    relationship=data["relationship"],
                    relationship_detail=data["relationship_detail"],
                    joined_on=data["joined_on"],
                )
        except DuplicateSubmission:
            messages.info(request, "This person was already linked; they were not linked twice.")
            return redirect("cases:household", reference=case.reference)
        except PermissionDenied:
            form.add_error(None, "This person could not be found: search again.")
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Linked to the household, with their earlier history.")
            return redirect("cases:household", reference=case.reference)
    return form_page(request, PAGES["household_link"], form, case)


def _member(case: Case, member_id: int) -> HouseholdMember:
    return get_object_or_404(case.household.select_related("person", "case"), pk=member_id)


@access.case_view(methods=("GET", "POST"), write=True)
def household_leave(request: HttpRequest, case: Case, member_id: int) -> HttpResponse:
    member = _member(case, member_id)
    form = HouseholdLeaveForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_member_leave(by=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{member.person.first_name} has left the household.")
            return redirect("cases:household", reference=case.reference)
    return form_page(request, PAGES["household_leave"], form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def person_correct(request: HttpRequest, case: Case, member_id: int) -> HttpResponse:
    member = _member(case, member_id)
    form = PersonCorrectForm(request.POST or None, person=member.person)

    def save(data):
        services.person_correct(
            by=request.user, case=case, person=member.person, changes=form.changes(), reason=data["reason"]
        )

    return _person_form(
        request, case, form, PAGES["person_correct"], save, "Details corrected. What they said before is kept."
    )


def _person_form(request: HttpRequest, case: Case, form, page: dict, save, done: str) -> HttpResponse:
    """A form about one person of the household: shown, refused with what was typed kept, or saved and back to
    the household page."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("cases:household", reference=case.reference)
    return form_page(request, page, form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def person_born(request: HttpRequest, case: Case, member_id: int) -> HttpResponse:
    """An unborn baby of this household was born. Anyone else in the household, or a member of another case,
    is not found."""
    member = _member(case, member_id)
    if not member.person.is_unborn:
        raise Http404
    form = BirthForm(request.POST or None, initial={"sex": member.person.sex})

    def save(data):
        services.record_birth(
            by=request.user, case=case, person=member.person, born_on=data["born_on"], sex=data["sex"]
        )

    return _person_form(
        request, case, form, PAGES["person_born"], save, f"{member.person.first_name}'s birth is recorded."
    )


@access.case_view(methods=("GET", "POST"), write=True)
def person_census(request: HttpRequest, case: Case, member_id: int) -> HttpResponse:
    """A child's census details: ethnicity, disabilities, UPN or why it is unknown. Only for a child of this
    household; an adult, or a member of another case, is not found."""
    member = _member(case, member_id)
    if not member.is_child:
        raise Http404
    form = CensusDetailsForm(request.POST or None, person=member.person)
    page = {**PAGES["person_census"], "intro": f"For {member.person.first_name}. {PAGES['person_census']['intro']}"}

    def save(data):
        services.person_census_details(
            by=request.user, case=case, person=member.person, changes=form.changes(), reason=data["reason"]
        )

    return _person_form(request, case, form, page, save, f"Census details saved for {member.person.first_name}.")


@access.case_view(methods=("GET",))
def addresses(request: HttpRequest, case: Case) -> HttpResponse:
    return render(request, "cases/addresses.html", {"case": case, "addresses": selectors.addresses_for(case)})


@access.case_view(methods=("GET", "POST"), write=True)
def address_add(request: HttpRequest, case: Case) -> HttpResponse:
    form = HouseholdAddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.household_address_add(by=request.user, case=case, **form.values())
        except DuplicateSubmission:
            messages.info(request, "This address was already added; it was not added twice.")
            return redirect("cases:addresses", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Address added.")
            return redirect("cases:addresses", reference=case.reference)
    return form_page(request, PAGES["address_add"], form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def address_end(request: HttpRequest, case: Case, address_id: int) -> HttpResponse:
    address = get_object_or_404(case.addresses, pk=address_id, to_on__isnull=True)
    form = HouseholdAddressEndForm(request.POST or None, address=address)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_address_end(by=request.user, case=case, address=address, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Address ended.")
            return redirect("cases:addresses", reference=case.reference)
    return form_page(request, PAGES["address_end"], form, case)


@access.case_view(methods=("GET", "POST"), write=True)
def same_person(request: HttpRequest, case: Case) -> HttpResponse:
    """For those who may merge people (team and MASH managers): mark a record of a person on this case and
    another record in a case they can open as the same person, or undo such a merge. The member whose other
    records are looked for is named by its household row's number, never by a name."""
    if not request.user.can(Capability.Key.MERGE_PEOPLE):
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.ACCESS_REFUSED_MERGE,
            case=case,
            request=request,
            outcome="denied",
            data={"path": request.path},
            using=settings.AUDIT_DB_ALIAS,
        )
        raise PermissionDenied("Only team managers and MASH managers can mark two records as the same person.")
    household = selectors.household_for(case)
    chosen_id = request.POST.get("member") or request.GET.get("member")
    chosen = next((m for m in household if str(m.pk) == chosen_id), None)
    candidates = []
    if chosen is not None:
        person = chosen.person
        candidates = matching.find_people(
            person.first_name,
            person.last_name,
            person.date_of_birth,
            person.nhs_number,
            among_cases=access.cases_visible_to(request.user),
            exclude_ids=selectors.same_person_ids(person),
        )
    merge_form = SamePersonForm(request.POST if request.POST.get("action") == "merge" else None, candidates=candidates)
    undo_form = UndoMergeForm(request.POST if request.POST.get("action") == "undo" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "merge" and chosen is not None and merge_form.is_valid():
                data = merge_form.cleaned_data
                other = get_object_or_404(Person, pk=data["other"])
                this = Person.objects.get(pk=chosen.person.merged_into_id or chosen.person_id)
                person, into = (other, this) if data["keep"] == "this" else (this, other)
                services.merge_people(by=request.user, person=person, into=into, reason=data["reason"], case=case)
                messages.success(request, "The two records are now one person. This can be undone below.")
                return redirect("cases:same_person", reference=case.reference)
            if request.POST.get("action") == "undo" and undo_form.is_valid():
                merges = {m.pk: m for m in selectors.merges_for(case)}
                merge = merges.get(undo_form.cleaned_data["merge"])
                if merge is None:
                    raise ValidationError("This merge is not one of this case's people.")
                services.unmerge_people(
                    by=request.user, merge=merge, reason=undo_form.cleaned_data["reason"], case=case
                )
                messages.success(request, "The merge was undone: the records are two people again.")
                return redirect("cases:same_person", reference=case.reference)
        except ValidationError as error:
            apply_service_errors(undo_form if request.POST.get("action") == "undo" else merge_form, error)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "cases/same_person.html",
        {
            "case": case,
            "household": household,
            "chosen": chosen,
            "merge_form": merge_form,
            "undo_form": undo_form,
            "merges": selectors.merges_for(case),
        },
        status=status,
    )


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
