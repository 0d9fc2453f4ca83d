"""The data officer's census pages: the census home with the return to download, and the readiness page that
lists every error and query per child with the page that fixes it (docs/census.md).

Access: people whose roles grant `make_census_return`, and a 404 (audited) for everyone else on every method.
Every page read is audited; so is every return made, with its count of children.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import stepup
from audit import services as audit
from audit.models import AuditEvent

from . import selectors, services
from .census import FIRST_YEAR, CensusYear
from .models import CensusProblem

# Census years offered: the current one and the two before it (a return is corrected after it is sent).
YEARS_SHOWN = 3


def reporting_view(*, methods: tuple[str, ...]):
    """A reporting page: 404 (audited) for whoever may not make the census return, whatever the method;
    then 405 for a method the page does not take. GET reads are audited."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs):
            if not services.may_make_return(request.user):
                audit.record_denied(request, requested_case=request.path, action=AuditEvent.Action.CENSUS_DENIED)
                raise Http404("No such page.")
            if request.method == "GET":
                audit.record(
                    actor=request.user,
                    action=AuditEvent.Action.CENSUS_VIEWED,
                    request=request,
                    data={"path": request.path},
                    using=settings.AUDIT_DB_ALIAS,
                )
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, **kwargs)

        return wrapper

    return decorate


def _years(today) -> list[int]:
    current = CensusYear.current(today).year
    return [current - n for n in range(YEARS_SHOWN)]


def _year(request: HttpRequest, years: list[int]) -> int | None:
    """The year asked for, or the latest complete one (the return season) when none was; None if not offered."""
    asked = request.GET.get("year") or request.POST.get("year")
    if not asked:
        return years[1]
    try:
        year = int(asked)
    except ValueError:
        return None
    return year if year in years else None


@reporting_view(methods=("GET",))
def census_home(request: HttpRequest) -> HttpResponse:
    years = _years(timezone.localdate())
    summaries = [(year, selectors.latest_check(year), selectors.waiting_check(year)) for year in years]
    return render(request, "reporting/census.html", {"summaries": summaries, "la_code": settings.CENSUS_LA_CODE})


@reporting_view(methods=("GET",))
@stepup.export_view
def census_return(request: HttpRequest, year: int) -> HttpResponse:
    if not FIRST_YEAR <= year <= _years(timezone.localdate())[0]:
        raise Http404("No such census year.")
    made = services.census_return(year=year, la_code=settings.CENSUS_LA_CODE, by=request.user, request=request)
    response = StreamingHttpResponse(part.encode() for part in made.parts)
    response["Content-Type"] = "application/xml; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="cin-census-{year}-{settings.CENSUS_LA_CODE}.xml"'
    return response


@reporting_view(methods=("GET", "POST"))
def readiness(request: HttpRequest) -> HttpResponse:
    years = _years(timezone.localdate())
    year = _year(request, years)
    if year is None:
        return render(request, "reporting/bad_year.html", {"years": years}, status=400)
    if request.method == "POST":
        check = services.readiness_check_request(year=year, by=request.user)
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.CENSUS_CHECK_REQUESTED,
            request=request,
            data={"year": year, "check": check.pk},
            using=settings.AUDIT_DB_ALIAS,
        )
        messages.success(request, "The checks are running. This page shows the results when they finish.")
        return redirect(f"{reverse('reporting:census_readiness')}?year={year}")
    kind = request.GET.get("kind", "")
    if kind not in ("", *CensusProblem.Kind.values):
        kind = ""
    check = selectors.latest_check(year)
    page, rows = selectors.problems_page(check, kind=kind, number=request.GET.get("page")) if check else (None, [])
    return render(
        request,
        "reporting/readiness.html",
        {
            "year": year,
            "years": years,
            "kind": kind,
            "check": check,
            "waiting": selectors.waiting_check(year),
            "page": page,
            "rows": rows,
            "by_rule": selectors.problems_by_rule(check) if check else [],
            "query": urlencode({"year": year, **({"kind": kind} if kind else {})}),
        },
    )
