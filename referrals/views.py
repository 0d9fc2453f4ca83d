"""The front door's pages: making a referral, the referrer's own referrals, and the MASH inbox, a referral's
MASH page, recording a partner check and the decision.

Access: anyone signed in may refer and see their own referrals (anyone else's is a 404); the MASH pages are
for people whose roles grant `triage_referrals` (deciding: `decide_referrals`), and a 404 for everyone else
on every method. Every read is audited on the audit connection, every refusal too.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import Capability
from audit import services as audit
from audit.models import AuditEvent
from cases.models import Person
from common.views import INVALID, DuplicateSubmission, apply_service_errors, saved_once

from . import selectors, services
from .forms import AdultFormSet, ChildFormSet, DecisionForm, LinkPersonForm, PartnerCheckForm, ReferralForm
from .models import Referral

FORM_TEMPLATE = "referrals/new.html"
ALREADY_SENT = "This referral was already sent; it was not sent twice."


def _audit_read(request: HttpRequest, referral: Referral | None = None) -> None:
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.REFERRAL_VIEWED,
        target=referral,
        request=request,
        data={"path": request.path},
        using=settings.AUDIT_DB_ALIAS,
    )


def _refused(request: HttpRequest, asked_for: str) -> Http404:
    audit.record_denied(request, requested_case=asked_for, action=AuditEvent.Action.REFERRAL_DENIED)
    return Http404("No such page.")


def mash_view(*, methods: tuple[str, ...], capability: str = Capability.Key.TRIAGE_REFERRALS, with_referral=True):
    """A MASH page: refuse with 404 (audited) whoever lacks `capability` or asks for a referral that does not
    exist, whatever the method; only then refuse a method the page does not take (405)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, ref: str = "", **kwargs):
            if not request.user.can(capability):
                raise _refused(request, ref or request.path)
            referral = None
            if with_referral:
                referral = selectors.for_mash(ref)
                if referral is None:
                    raise _refused(request, ref)
            if request.method not in methods:
                _audit_read(request, referral)
                return HttpResponseNotAllowed(methods)
            if request.method == "GET":
                _audit_read(request, referral)
            return view(request, referral, **kwargs) if with_referral else view(request, **kwargs)

        return wrapper

    return decorate


def _with_one_more(data: QueryDict, prefix: str) -> QueryDict:
    """The posted data with one more empty row in a formset: "Add another child" without JavaScript."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        data[key] = str(min(int(data.get(key, "1")) + 1, 20))
    except ValueError:
        data[key] = "1"
    return data


def referral_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    data = request.POST if request.method == "POST" else None
    adding = data is not None and ("add_child" in data or "add_adult" in data)
    if adding:
        data = _with_one_more(data, "children" if "add_child" in data else "adults")
    form = ReferralForm(data, initial={"source": services.suggested_source(user)})
    children = ChildFormSet(data, prefix="children")
    adults = AdultFormSet(data, prefix="adults")
    page = {"form": form, "children": children, "adults": adults, "referrer": user}
    if data is None:
        return render(request, FORM_TEMPLATE, page)
    if adding:
        # Not a save: the same form back with one more empty row, and no errors yet.
        for bound in (form, *children.forms, *adults.forms):
            bound._errors = {}
        children._non_form_errors = adults._non_form_errors = form.error_class()
        return render(request, FORM_TEMPLATE, page)
    if not (form.is_valid() and children.is_valid() and adults.is_valid()):
        return render(request, FORM_TEMPLATE, page, status=INVALID)
    values = form.values()
    try:
        with saved_once(form, by=user):
            referral = services.referral_create(
                by=user,
                children=[f.details() for f in children.filled()],
                adults=[f.details() for f in adults.filled()],
                **values,
            )
    except DuplicateSubmission:
        messages.info(request, ALREADY_SENT)
        return redirect("referrals:mine")
    except ValidationError as error:
        apply_service_errors(form, error)
        return render(request, FORM_TEMPLATE, page, status=INVALID)
    messages.success(request, f"Referral sent. Your reference is {referral.reference}.")
    return redirect("referrals:mine_detail", ref=referral.reference)


def mine(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    _audit_read(request)
    referrals = list(selectors.made_by(request.user))
    for referral in referrals:
        referral.received_words = selectors.time_in_words(referral.received_at)
    return render(request, "referrals/mine.html", {"referrals": referrals})


def mine_detail(request: HttpRequest, ref: str) -> HttpResponse:
    referral = selectors.own(request.user, ref)
    if referral is None:
        raise _refused(request, ref)
    _audit_read(request, referral)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    referral.received_words = selectors.time_in_words(referral.received_at)
    return render(request, "referrals/mine_detail.html", {"referral": referral})


@mash_view(methods=("GET",), with_referral=False)
def inbox(request: HttpRequest) -> HttpResponse:
    waiting, decided = selectors.inbox()
    now = timezone.now()
    for referral in (*waiting, *decided):
        referral.received_words = selectors.time_in_words(referral.received_at)
        referral.due_words = selectors.due_in_words(referral)
        referral.overdue = referral.is_overdue(now)
    return render(request, "referrals/inbox.html", {"waiting": waiting, "decided": decided})


def _detail_page(request, referral, *, check_form=None, decision_form=None, status=200) -> HttpResponse:
    user = request.user
    undecided = referral.status != Referral.Status.DECIDED
    referral.received_words = selectors.time_in_words(referral.received_at)
    referral.due_words = selectors.due_in_words(referral)
    context = {
        "referral": referral,
        "overdue": referral.is_overdue(),
        "check_form": (check_form or PartnerCheckForm(initial={"asked_on": timezone.localdate()}))
        if undecided
        else None,
        "decision_form": (decision_form or DecisionForm())
        if undecided and user.can(Capability.Key.DECIDE_REFERRALS)
        else None,
        "people": selectors.known_people(referral),
        "may_link": undecided,
    }
    return render(request, "referrals/detail.html", context, status=status)


@mash_view(methods=("GET",))
def detail(request: HttpRequest, referral: Referral) -> HttpResponse:
    return _detail_page(request, referral)


@mash_view(methods=("POST",))
def check_record(request: HttpRequest, referral: Referral) -> HttpResponse:
    form = PartnerCheckForm(request.POST)
    if form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.partner_check_record(referral=referral, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "That check was already saved; it was not saved twice.")
            return redirect("referrals:detail", ref=referral.reference)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Check recorded.")
            return redirect("referrals:detail", ref=referral.reference)
    return _detail_page(request, referral, check_form=form, status=INVALID)


@mash_view(methods=("POST",), capability=Capability.Key.DECIDE_REFERRALS)
def decide(request: HttpRequest, referral: Referral) -> HttpResponse:
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            with saved_once(form, by=request.user):
                services.decide(referral=referral, by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "That decision was already saved; it was not saved twice.")
            return redirect("referrals:detail", ref=referral.reference)
        except PermissionDenied:
            raise _refused(request, referral.reference) from None
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Decision recorded. The referrer has been told there is a decision.")
            return redirect("referrals:inbox")
    return _detail_page(request, referral, decision_form=form, status=INVALID)


@mash_view(methods=("POST",))
def link_person(request: HttpRequest, referral: Referral) -> HttpResponse:
    """Link a child or adult of the referral to a person already known (one of the candidates shown)."""
    form = LinkPersonForm(request.POST)
    if form.is_valid():
        kind, position = form.cleaned_data["row"].split("-")
        rows = referral.children if kind == "child" else referral.adults
        row = rows.filter(position=int(position)).first()
        person = Person.objects.filter(pk=form.cleaned_data["person"]).first()
        try:
            if row is None or person is None:
                raise ValidationError("This person could not be found: reload the page and try again.")
            services.link_person(referral=referral, by=request.user, row=row, person=person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _detail_page(request, referral, status=INVALID)
        messages.success(request, "Linked to the person already known: their cases come with them.")
        return redirect("referrals:detail", ref=referral.reference)
    messages.error(request, "Choose a person to link from the list.")
    return _detail_page(request, referral, status=INVALID)
