"""The benchmark: page times (as a ratio to a trivial page), the monitoring sweep, the chronology PDF
and the partner CSV import, on a database loaded by `manage.py bench_data` (see bench/README.md).

Run with `make bench`, or `python bench/run.py [--repeats 50]` with DATABASE_URL pointing at the
loaded database. Prints a table and writes bench/results/bench-<households>-<time>.json.
"""

import argparse
import json
import logging
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the project importable and set Django up
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neglect_portal.settings")
    import django

    django.setup()
    # Start up as a gunicorn worker does: neglect_portal/wsgi.py freezes the start-up objects.
    import neglect_portal.wsgi  # noqa: E402, F401

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from cases import services
from cases.models import Case, ChildEpisode, HouseholdMember  # noqa: E402
from chronology import imports  # noqa: E402
from chronology import selectors as chronology_selectors  # noqa: E402
from chronology import services as chronology_services  # noqa: E402
from chronology.views import ENTRIES_PER_PAGE  # noqa: E402
from demo.opening import opener_for, opening_reason  # noqa: E402
from gcp2.models import Assessment  # noqa: E402
from monitoring import escalations  # noqa: E402
from monitoring import rules as monitoring
from monitoring.models import Flag
from referrals.models import Referral  # noqa: E402
from reporting import census as census_return  # noqa: E402
from reporting import services as reporting  # noqa: E402
from reporting.models import CensusCheck  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PAGE_TARGET_RATIO = 10  # p95 of a page / p95 of the trivial page
PAGE_TARGET_QUERIES = 25
KEYSET_MARGIN = 0.10  # the oldest chronology page may cost at most 10% more than the first (p95)
SWEEP_TARGET_S = 30
PDF_TARGET_S = 5
IMPORT_TARGET_S = 30
CENSUS_TARGET_S = 60  # the whole census return for the partnership
CENSUS_TARGET_MB = 500  # peak memory of the process making it
IMPORT_SURNAME = "Benchmark"  # the children of the case the import makes
PARTS = frozenset({"pages", "sweep", "pdf", "import", "census"})  # what --only can select


@dataclass
class Context:
    """What the page URLs are built from: found in the loaded data, never hard-coded."""

    big_case: Case  # the case with 2,000 entries
    pdf_case: Case  # the case with 500 entries
    gcp2_case: Case
    gcp2_child_id: object
    oldest_cursor: object = None  # the entry whose "Older" link leads to the big case's oldest page
    entry_id: object = None  # an entry of the big case
    searched: object = None  # a child of another of the lead's cases, looked up from the big case's household
    episode: object = None  # a child's episode of need (the big case's if it is statutory): their record
    census_year: int = 0  # the last complete census year: the return and its readiness page


@dataclass(frozen=True)
class Page:
    name: str
    user: str  # "lead", "manager", "senior" or "mash" (bench_data's bench_lead, ..., bench_mash_manager)
    url: Callable[[Context], str]
    data: Callable[[Context], dict] | None = None  # a POST of this form data; a GET when None


def _search(ctx: Context) -> dict:
    """The household search form (cases.views._household_search) for a child already known."""
    person = ctx.searched
    return {
        "step": "search",
        "search-first_name": person.first_name,
        "search-last_name": person.last_name,
        "search-date_of_birth": person.date_of_birth.isoformat(),
    }


TRIVIAL = Page("trivial page (floor)", "lead", lambda c: reverse("bench_trivial"))
# The pages measured; a new page is one more line.
PAGES = [
    Page("home page (lead)", "lead", lambda c: reverse("home")),
    Page("glossary", "lead", lambda c: reverse("glossary")),
    Page("caseload dashboard: lead (25 cases)", "lead", lambda c: reverse("dashboards:caseload")),
    Page("manager's view (500 cases)", "manager", lambda c: reverse("dashboards:manager")),
    Page("senior manager's view (all teams)", "senior", lambda c: reverse("dashboards:manager")),
    Page(
        "reallocation: a leaver's 25 cases",
        "manager",
        lambda c: reverse("dashboards:reallocate") + f"?leaver={c.big_case.lead_professional_id}",
    ),
    Page("case list: lead (25 open cases)", "lead", lambda c: reverse("cases:list")),
    Page("case list: manager (500 open cases)", "manager", lambda c: reverse("cases:list")),
    Page("case list: senior manager (all)", "senior", lambda c: reverse("cases:list")),
    Page("case list: manager, page 10", "manager", lambda c: reverse("cases:list") + "?page=10"),
    Page("case overview", "lead", lambda c: reverse("dashboards:detail", args=[c.big_case.reference])),
    Page("chronology (2,000 entries)", "lead", lambda c: reverse("chronology:timeline", args=[c.big_case.reference])),
    Page(
        "chronology, oldest page (keyset)",
        "lead",
        lambda c: reverse("chronology:timeline", args=[c.big_case.reference]) + f"?after={c.oldest_cursor}",
    ),
    Page(
        "chronology, oldest first",
        "lead",
        lambda c: reverse("chronology:timeline", args=[c.big_case.reference]) + "?order=oldest",
    ),
    Page(
        "chronology entry",
        "lead",
        lambda c: reverse("chronology:entry", args=[c.big_case.reference, c.entry_id]),
    ),
    Page(
        "child's page (big case)",
        "lead",
        lambda c: reverse("chronology:child", args=[c.big_case.reference, c.gcp2_child_id]),
    ),
    Page(
        "possible duplicates (2,000 entries)",
        "lead",
        lambda c: reverse("chronology:duplicates", args=[c.big_case.reference]),
    ),
    Page(
        "GCP2 comparison", "lead", lambda c: reverse("gcp2:comparison", args=[c.gcp2_case.reference, c.gcp2_child_id])
    ),
    Page(
        "child's statutory record",
        "lead",
        lambda c: reverse("plans:child_record", args=[c.episode.case.reference, c.episode.pk]),
    ),
    Page("plan page (big case)", "lead", lambda c: reverse("plans:plan", args=[c.big_case.reference])),
    Page("MASH inbox (a year of referrals)", "mash", lambda c: reverse("referrals:inbox")),
    Page("census home (data officer)", "data_officer", lambda c: reverse("reporting:census")),
    Page(
        "census readiness (a year's problems)",
        "data_officer",
        lambda c: reverse("reporting:census_readiness") + f"?year={c.census_year}",
    ),
    Page(
        "person search (household add)",
        "lead",
        lambda c: reverse("cases:household_add", args=[c.big_case.reference]),
        data=_search,
    ),
]


USERS = {
    "lead": "bench_lead",
    "manager": "bench_manager",
    "senior": "bench_senior",
    "mash": "bench_mash_manager",
    "data_officer": "bench_data_officer",
}


def _users() -> dict[str, User]:
    found = {u.username: u for u in User.objects.filter(username__in=USERS.values())}
    return {key: found[username] for key, username in USERS.items()}


def _context(lead: User) -> Context:
    # Not the cases an earlier import run made (more entries than the big case, and no GCP2).
    cases = (
        Case.objects.open()
        .filter(lead_professional=lead)
        .exclude(household__person__last_name=IMPORT_SURNAME)
        .annotate(n=Count("entries"))
        .order_by("-n")
    )
    big, pdf = cases[0], cases[1]
    child = (
        Assessment.objects.filter(case=big, status=Assessment.Status.COMPLETED)
        .values("child_id")
        .annotate(n=Count("id"))
        .order_by("-n", "child_id")[0]["child_id"]
    )
    # "Older" from the last-but-one page, as someone following the links from the newest page would.
    timeline = chronology_selectors.timeline_for(big)
    newest_first = list(timeline.entries.reverse().values_list("pk", flat=True))
    last_page_starts = (len(newest_first) - 1) // ENTRIES_PER_PAGE * ENTRIES_PER_PAGE
    # Someone the lead may find: a child of another of their cases (a closed one when there is one).
    searched = (
        HouseholdMember.objects.filter(case__lead_professional=lead, relationship="child")
        .exclude(case=big)
        .exclude(person__date_of_birth__isnull=True)
        .select_related("person")
        .order_by("case__status", "case__reference", "person__date_of_birth")
        .first()
        .person
    )
    return Context(
        big_case=big,
        pdf_case=pdf,
        gcp2_case=big,
        gcp2_child_id=child,
        oldest_cursor=newest_first[last_page_starts - 1],
        entry_id=newest_first[0],
        searched=searched,
        census_year=census_return.CensusYear.current(timezone.localdate()).year - 1,
        episode=(
            big.episodes.filter(child=child).select_related("case").first()
            or ChildEpisode.objects.filter(case__lead_professional=lead, case__status=Case.Status.OPEN)
            .select_related("case")
            .first()
        ),
    )


def explain_oldest_page(ctx: Context) -> dict:
    """The plan of the oldest page's entries query: keyset, so no OFFSET in the SQL or the plan."""
    timeline = chronology_selectors.timeline_for(ctx.big_case)
    with CaptureQueriesContext(connections["default"]) as captured:
        page = chronology_selectors.timeline_page(timeline, after=ctx.oldest_cursor, size=ENTRIES_PER_PAGE)
    # The page's own query: it asks for one row more than a page, to know whether there is another.
    sql = next(q["sql"] for q in captured.captured_queries if f"LIMIT {ENTRIES_PER_PAGE + 1}" in q["sql"])
    plan = ""
    if connections["default"].vendor == "postgresql":
        with connections["default"].cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)  # nosec B608 - the SQL Django just ran, values inlined by it
            plan = "\n".join(row[0] for row in cursor.fetchall())
    return {
        "entries_on_page": len(page.entries),
        "is_oldest": page.older is None,
        "offset_in_sql": "OFFSET" in sql.upper(),
        "plan": plan,
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _request(client: Client, url: str, data: dict | None):
    return client.get(url) if data is None else client.post(url, data)


def _queries(client: Client, url: str, data: dict | None = None) -> int:
    """Queries one request runs, on the main and the audit connections together."""
    aliases = {"default", settings.AUDIT_DB_ALIAS}
    captures = [CaptureQueriesContext(connections[alias]) for alias in aliases]
    for capture in captures:
        capture.__enter__()
    try:
        _request(client, url, data)
    finally:
        for capture in captures:
            capture.__exit__(None, None, None)
    return sum(len(capture.captured_queries) for capture in captures)


def measure_pages(ctx: Context, users: dict[str, User], repeats: int, pages: list[Page] = PAGES) -> list[dict]:
    """Each page `repeats` times, round-robin with the trivial page so that noise hits them alike."""
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    every = [TRIVIAL, *pages]
    urls = {page.name: page.url(ctx) for page in every}
    data = {page.name: page.data(ctx) if page.data else None for page in every}
    times: dict[str, list[float]] = {page.name: [] for page in every}
    for page in every:  # warm up, and check every page answers
        for _ in range(2):
            response = _request(clients[page.user], urls[page.name], data[page.name])
            if response.status_code != 200:
                raise RuntimeError(f"{page.name}: {urls[page.name]} answered {response.status_code}")
    for _ in range(repeats):
        for page in every:
            started = time.perf_counter()
            _request(clients[page.user], urls[page.name], data[page.name])
            times[page.name].append(time.perf_counter() - started)
    floor = times[TRIVIAL.name]
    floor_median, floor_p95 = statistics.median(floor), _percentile(floor, 0.95)
    rows = []
    for page in every:
        median, p95 = statistics.median(times[page.name]), _percentile(times[page.name], 0.95)
        rows.append(
            {
                "page": page.name,
                "user": page.user,
                "requests": len(times[page.name]),
                "median_ms": round(median * 1000, 1),
                "p95_ms": round(p95 * 1000, 1),
                "ratio_median": round(median / floor_median, 1),
                "ratio_p95": round(p95 / floor_p95, 1),
                "queries": _queries(clients[page.user], urls[page.name], data[page.name]),
            }
        )
    return rows


def measure_sweep(today: date) -> dict:
    """Two sweeps over all open cases: the second must raise nothing. Then the escalation ladder."""
    result = {"open_cases": Case.objects.open().count()}
    for run in ("first", "second"):
        with CaptureQueriesContext(connections["default"]) as captured:
            started = time.perf_counter()
            outcome = monitoring.sweep(today)
            elapsed = time.perf_counter() - started
        result[run] = {
            "seconds": round(elapsed, 2),
            "queries": len(captured.captured_queries),
            "raised": outcome.raised,
            "resolved": outcome.resolved,
            "still_open": outcome.still_open,
        }
    started = time.perf_counter()
    ladder = escalations.run_ladder(today)
    result["ladder"] = {"seconds": round(time.perf_counter() - started, 2), **ladder}
    result["open_flags"] = Flag.objects.open().count()
    return result


def _pdf_once(reference: str, user_pk: int) -> tuple[float, int]:
    client = Client()
    client.force_login(User.objects.get(pk=user_pk))
    started = time.perf_counter()
    response = client.get(reverse("chronology:export_pdf", args=[reference]))
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        raise RuntimeError(f"The chronology PDF answered {response.status_code}")
    return elapsed, len(response.content)


def _pdf_child(reference: str, user_pk: int, queue) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    elapsed, size = _pdf_once(reference, user_pk)
    queue.put((elapsed, size, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def measure_pdf(ctx: Context, user: User, *, separate_process: bool = True) -> dict:
    """The chronology PDF of the 500-entry case through the real export view. In a forked process,
    so that its peak memory is its own (ru_maxrss, KiB on Linux)."""
    entries = ctx.pdf_case.entries.count()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # one progress line per page otherwise
    if not separate_process:  # inside a test transaction a new connection would not see the data
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        elapsed, size = _pdf_once(ctx.pdf_case.reference, user.pk)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    else:
        connections.close_all()
        fork = multiprocessing.get_context("fork")
        queue = fork.Queue()
        process = fork.Process(target=_pdf_child, args=(ctx.pdf_case.reference, user.pk, queue))
        process.start()
        elapsed, size, before, after = queue.get(timeout=600)
        process.join()
    return {
        "entries": entries,
        "seconds": round(elapsed, 2),
        "bytes": size,
        "peak_rss_mb": round(after / 1024, 1),
        "peak_rss_growth_mb": round((after - before) / 1024, 1),
    }


def _census_once(year: int, user_pk: int, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    made = reporting.census_return(year=year, la_code="123", by=User.objects.with_roles_loaded().get(pk=user_pk))
    with open(path, "w", encoding="utf-8") as out:
        for part in made.parts:
            out.write(part)
    return time.perf_counter() - started, made.children


def _census_child(year: int, user_pk: int, path: str, queue) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    elapsed, children = _census_once(year, user_pk, path)
    queue.put((elapsed, children, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def measure_census(user: User, today: date, *, separate_process: bool = True) -> dict:
    """The children in need return for the last complete census year, through the service the page and the
    command use, written to a file; in a forked process so its peak memory is its own. Then one run of the
    readiness checks over the same year, as the night job runs it."""
    year = census_return.CensusYear.current(today).year - 1
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "cin.xml")
        if not separate_process:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            elapsed, children = _census_once(year, user.pk, path)
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        else:
            connections.close_all()
            fork = multiprocessing.get_context("fork")
            queue = fork.Queue()
            process = fork.Process(target=_census_child, args=(year, user.pk, path, queue))
            process.start()
            elapsed, children, before, after = queue.get(timeout=1800)
            process.join()
        size = Path(path).stat().st_size
    started = time.perf_counter()
    check = reporting.readiness_check_run(reporting.readiness_check_request(year=year, by=user).pk)
    readiness_s = time.perf_counter() - started
    return {
        "year": year,
        "children": children,
        "seconds": round(elapsed, 2),
        "bytes": size,
        "peak_rss_mb": round(after / 1024, 1),
        "peak_rss_growth_mb": round((after - before) / 1024, 1),
        "readiness_seconds": round(readiness_s, 2),
        "readiness_errors": check.errors,
        "readiness_queries": check.queries,
    }


def _import_file(children: list, start: int, count: int, run_id: str, today: date) -> SimpleUploadedFile:
    lines = [
        ",".join(
            imports.REQUIRED_COLUMNS
            + ("event_type", "what_happened", "appointment_type", "appointment_outcome", "hospital")
        )
    ]
    for number in range(start, start + count):
        child = children[number % len(children)]
        day = (today - timedelta(days=1 + number % 700)).strftime("%d/%m/%Y")
        who = f"{child.first_name},{child.last_name},{child.date_of_birth:%d/%m/%Y}"
        kind = number % 10
        if kind < 7:
            row = f"event,bench-{run_id}-{number},{day},{who},home_visit,Seen at home by the partner agency.,,,"
        elif kind < 9:
            row = f"appointment,bench-{run_id}-{number},{day},{who},,Routine check.,gp,attended,"
        else:
            row = f"ae_attendance,bench-{run_id}-{number},{day},{who},,,,,Northbridge General Hospital"
        lines.append(row)
    return SimpleUploadedFile("partner.csv", ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def measure_import(rows: int, today: date) -> dict:
    """`rows` partner rows into a new case, in files of at most imports.MAX_ROWS (the upload limit), through
    read_upload, check_rows and services.import_rows: what the import page does."""
    lead = User.objects.get(username="bench_lead")
    partner = User.objects.filter(username__startswith="bench_health").order_by("username").first()
    case = services.case_create(
        by=opener_for(lead, "child_in_need"),
        lead_professional=lead,
        level="child_in_need",
        opened_on=today - timedelta(days=800),
        reason=opening_reason("child_in_need"),
    )
    for first, years in (("Amber", 9), ("Bailey", 6), ("Cody", 3)):
        services.household_member_add(
            case=case,
            by=lead,
            relationship="child",
            joined_on=case.opened_on,
            details=services.PersonDetails(
                first_name=first,
                last_name=IMPORT_SURNAME,
                date_of_birth=today - timedelta(days=365 * years + 40),
                sex="other",
            ),
        )
    services.case_member_add(case=case, by=lead, user=partner, role="contributor", started_on=case.opened_on)
    children = [m.person for m in HouseholdMember.objects.filter(case=case).select_related("person")]
    run_id = uuid.uuid4().hex[:8]
    imported = 0
    started = time.perf_counter()
    for start in range(0, rows, imports.MAX_ROWS):
        upload = _import_file(children, start, min(imports.MAX_ROWS, rows - start), run_id, today)
        checked = imports.check_rows(case, imports.read_upload(upload))
        report = chronology_services.import_rows(case=case, by=partner, rows=checked)
        imported += len(report.imported)
    elapsed = time.perf_counter() - started
    return {"rows": rows, "imported": imported, "seconds": round(elapsed, 2), "rows_per_second": round(rows / elapsed)}


@override_settings(ROOT_URLCONF="bench.urls")
def run(
    *,
    repeats: int = 200,
    import_rows: int = 10_000,
    pdf_in_process: bool = False,
    pages: list[Page] = PAGES,
    only: frozenset = PARTS,
) -> dict:
    """The benchmark on the current database (the `only` parts of it; all by default); returns the
    figures (also what the test checks)."""
    today = timezone.localdate()
    users = _users()
    ctx = _context(users["lead"])
    result = {
        "households": Case.objects.count(),
        "open_cases": Case.objects.open().count(),
        "entries": ctx.big_case.entries.model.objects.count(),
        "big_case_entries": ctx.big_case.entries.count(),
        "referrals": Referral.objects.count(),
        "referrals_waiting": Referral.objects.undecided().count(),
        "cpu_count": os.cpu_count(),
        "when": timezone.now().isoformat(timespec="seconds"),
    }
    # The sweep first: the dashboards are measured as a live partnership's look, with the open flags
    # that every sweep leaves (the loaded data holds only closed cases' old flags).
    result["sweep"] = measure_sweep(today) if "sweep" in only else None
    if "pages" in only and not Flag.objects.open().exists():
        monitoring.sweep(today)
    if "pages" in only and connections["default"].vendor == "postgresql":
        # The sweep just wrote thousands of flags and notifications: bring the planner's statistics
        # up to date, as autovacuum does within a minute on a live database (without this the first
        # pages were planned from the loaded data, which had no open flags).
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
    result["open_flags"] = Flag.objects.open().count()
    # The census return and a readiness run before the pages, so the readiness page shows a year's problems.
    result["census"] = (
        measure_census(users["data_officer"], today, separate_process=not pdf_in_process) if "census" in only else None
    )
    if "pages" in only and not CensusCheck.objects.filter(year=ctx.census_year, finished_at__isnull=False).exists():
        reporting.readiness_check_run(reporting.readiness_check_request(year=ctx.census_year, by=None).pk)
    result["pages"] = measure_pages(ctx, users, repeats, pages) if "pages" in only else None
    result["oldest_page"] = explain_oldest_page(ctx) if "pages" in only else None
    result["pdf"] = measure_pdf(ctx, users["lead"], separate_process=not pdf_in_process) if "pdf" in only else None
    result["import"] = measure_import(import_rows, today) if import_rows and "import" in only else None
    result["targets"] = targets(result)
    return result


def targets(result: dict) -> dict[str, bool]:
    checks = {}
    if result["pages"]:
        pages = [row for row in result["pages"] if row["page"] != TRIVIAL.name]
        checks[f"every page p95 <= {PAGE_TARGET_RATIO}x trivial"] = all(
            r["ratio_p95"] <= PAGE_TARGET_RATIO for r in pages
        )
        checks[f"every page < {PAGE_TARGET_QUERIES} queries"] = all(r["queries"] < PAGE_TARGET_QUERIES for r in pages)
        by_name = {r["page"]: r for r in pages}
        first, oldest = by_name.get("chronology (2,000 entries)"), by_name.get("chronology, oldest page (keyset)")
        if first and oldest:
            checks[f"oldest chronology page p95 within {KEYSET_MARGIN:.0%} of the first"] = oldest["p95_ms"] <= first[
                "p95_ms"
            ] * (1 + KEYSET_MARGIN)
    if result.get("oldest_page"):
        checks["oldest chronology page: no OFFSET"] = not result["oldest_page"]["offset_in_sql"] and (
            "offset" not in result["oldest_page"]["plan"].lower()
        )
    if result["sweep"]:
        checks[f"sweep < {SWEEP_TARGET_S} s"] = result["sweep"]["first"]["seconds"] < SWEEP_TARGET_S
        checks["second sweep raises 0"] = result["sweep"]["second"]["raised"] == 0
    if result.get("census"):
        checks[f"census return < {CENSUS_TARGET_S} s"] = result["census"]["seconds"] < CENSUS_TARGET_S
        checks[f"census return peak memory < {CENSUS_TARGET_MB} MB"] = (
            result["census"]["peak_rss_mb"] < CENSUS_TARGET_MB
        )
    if result["pdf"]:
        checks[f"500-entry PDF < {PDF_TARGET_S} s"] = result["pdf"]["seconds"] < PDF_TARGET_S
    if result["import"]:
        checks[f"{result['import']['rows']} import rows < {IMPORT_TARGET_S} s"] = (
            result["import"]["seconds"] < IMPORT_TARGET_S
        )
    return checks


def _previous(households: int) -> dict | None:
    """The latest saved result at another size, for the growth columns."""
    found = []
    for path in RESULTS.glob("bench-*.json"):
        try:
            data = json.loads(path.read_text())
        except ValueError:
            continue
        if data.get("households") != households:
            found.append((path.stat().st_mtime, data))
    return max(found, key=lambda item: item[0])[1] if found else None


def report(result: dict) -> str:
    before = _previous(result["households"])
    old_pages = {row["page"]: row for row in before.get("pages") or []} if before else {}
    growth = f"  x vs {before['households']} households" if before else ""
    lines = [
        f"Benchmark: {result['households']} households, {result['open_cases']} open cases, "
        f"{result['entries']} chronology entries, {result['open_flags']} open flags, "
        f"{result['referrals']} referrals ({result['referrals_waiting']} waiting) "
        f"({result['cpu_count']} cores)",
        "",
        f"{'page':<40}{'median ms':>10}{'p95 ms':>9}{'x trivial':>10}{'p95 x':>7}{'queries':>8}{growth}",
    ]
    for row in result["pages"] or []:
        line = (
            f"{row['page']:<40}{row['median_ms']:>10}{row['p95_ms']:>9}{row['ratio_median']:>10}"
            f"{row['ratio_p95']:>7}{row['queries']:>8}"
        )
        if row["page"] in old_pages and old_pages[row["page"]]["median_ms"]:
            line += f"  {row['median_ms'] / old_pages[row['page']]['median_ms']:.2f}"
        lines.append(line)
    sweep = result["sweep"] or {}
    lines += (
        []
        if not sweep
        else [
            "",
            f"Monitoring sweep over {sweep['open_cases']} open cases:",
            f"  first:  {sweep['first']['seconds']} s, {sweep['first']['queries']} queries, "
            f"{sweep['first']['raised']} flags raised, {sweep['first']['resolved']} resolved",
            f"  second: {sweep['second']['seconds']} s, {sweep['second']['queries']} queries, "
            f"{sweep['second']['raised']} flags raised",
            f"  escalation ladder: {sweep['ladder']['seconds']} s",
        ]
    )
    if sweep and before and before.get("sweep"):
        lines.append(
            f"  first sweep x{sweep['first']['seconds'] / max(before['sweep']['first']['seconds'], 0.01):.2f}"
            f" for x{sweep['open_cases'] / before['sweep']['open_cases']:.2f} open cases"
        )
    pdf = result["pdf"]
    lines += (
        []
        if not pdf
        else [
            "",
            f"Chronology PDF of {pdf['entries']} entries: {pdf['seconds']} s, "
            f"{pdf['bytes'] // 1024} KiB, peak memory {pdf['peak_rss_mb']} MB (+{pdf['peak_rss_growth_mb']} MB)",
        ]
    )
    if result.get("oldest_page"):
        oldest = result["oldest_page"]
        lines.append(
            f"Oldest chronology page: {oldest['entries_on_page']} entries by keyset, "
            f"OFFSET in the SQL: {'yes' if oldest['offset_in_sql'] else 'no'}; plan:"
        )
        lines += [f"  {line}" for line in oldest["plan"].splitlines()[:12]]
    if result["import"]:
        imp = result["import"]
        lines.append(f"Partner CSV import of {imp['rows']} rows: {imp['seconds']} s ({imp['rows_per_second']} rows/s)")
    if result.get("census"):
        cin = result["census"]
        lines.append(
            f"Census return {cin['year']}: {cin['children']} children in {cin['seconds']} s, "
            f"{cin['bytes'] // 1024} KiB, "
            f"peak memory {cin['peak_rss_mb']} MB (+{cin['peak_rss_growth_mb']} MB); readiness checks "
            f"{cin['readiness_seconds']} s ({cin['readiness_errors']} errors, {cin['readiness_queries']} queries)"
        )
    lines += ["", "Targets:"] + [f"  [{'ok' if ok else 'MISSED'}] {name}" for name, ok in result["targets"].items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--repeats",
        type=int,
        default=200,
        help="rounds per page (default 200: the 95th percentile then rests on 10 requests)",
    )
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument(
        "--only",
        default=",".join(sorted(PARTS)),
        help=f"comma-separated parts to run, of {', '.join(sorted(PARTS))} (default: all)",
    )
    parser.add_argument(
        "--pages", default="", help="measure only the pages whose name contains this text (e.g. chronology)"
    )
    args = parser.parse_args()
    only = frozenset(part.strip() for part in args.only.split(",") if part.strip())
    if not only <= PARTS:
        parser.error(f"--only takes {', '.join(sorted(PARTS))}")
    pages = [page for page in PAGES if args.pages.lower() in page.name.lower()]
    result = run(repeats=args.repeats, import_rows=args.import_rows, only=only, pages=pages)
    print(report(result))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{result['households']}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nSaved {path.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
