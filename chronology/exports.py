"""Print and export of a (filtered) timeline: an A4 PDF through WeasyPrint and a CSV file; and the
court version of the PDF (high-significance entries of the last 2 years, marked so on every page).

The PDF carries the protective marking, the case reference, page numbers and who printed it
when on every page; the CSV's first line says the same (one watermark, `accounts.stepup.watermark`). CSS comes from disk
(static/portal/print.css), never over HTTP.
"""

import csv

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import stepup

CSV_COLUMNS = [
    "case_reference",
    "event_date",
    "date_precision",
    "period_end",
    "event_time",
    "event_type",
    "children",
    "agency",
    "recorded_by",
    "role",
    "recorded_at",
    "what_happened",
    "original_text",
    "corrected_by",
    "corrected_at",
    "amendment_reason",
    "impact",
    "impact_detail",
    "neglect_forms",
    "action_taken",
    "significance",
    "hospital",
    "reason_given",
    "external_reference",
    "recorded_late",
]


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting = + - @ would run when opened."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _filename(case, suffix: str, *, name: str = "chronology") -> str:
    return f"{name}-{case.reference}-{timezone.localdate():%Y%m%d}.{suffix}"


def csv_response(case, entries, *, user, export_id) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(case, "csv")}"'
    response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([stepup.watermark(user, export_id)])
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        now = entry.effective  # what the entry says now; the original text is kept in its own column
        latest = entry.correction
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    entry.case.reference,
                    now.occurred_on.isoformat(),
                    entry.get_date_precision_display(),
                    now.occurred_until.isoformat() if now.occurred_until else "",
                    entry.occurred_at.strftime("%H:%M") if entry.occurred_at else "",
                    now.get_event_type_display(),
                    "; ".join(f"{c.first_name} {c.last_name}" for c in now.children),
                    entry.source_agency.name,
                    entry.recorded_by.get_full_name(),
                    entry.author_role,
                    timezone.localtime(entry.recorded_at).strftime("%Y-%m-%d %H:%M"),
                    now.what_happened,
                    entry.what_happened if latest else "",
                    f"{latest.amended_by.get_full_name()} ({latest.amended_by_role}, {latest.amended_by_agency.name})"
                    if latest
                    else "",
                    timezone.localtime(latest.amended_at).strftime("%Y-%m-%d %H:%M") if latest else "",
                    latest.reason if latest else "",
                    entry.get_impact_display(),
                    entry.impact_detail,
                    "; ".join(now.neglect_forms),
                    entry.action_taken,
                    now.get_significance_display(),
                    entry.hospital,
                    entry.reason_given,
                    entry.external_reference,
                    "yes" if entry.recorded_late else "",
                )
            ]
        )
    return response


def render_pdf(request: HttpRequest, case, entries, *, export_id, court_since=None) -> bytes:
    """The printed chronology; with `court_since` (a date), the court version of the entries from that day."""
    from weasyprint import CSS, HTML  # heavy import: only when someone prints
    from weasyprint.urls import URLFetcher

    # Local files only: nothing in a printed chronology can make the server fetch a URL.
    local_only = URLFetcher(allowed_protocols={"file"})

    printed_at = timezone.localtime()
    html = render_to_string(
        "chronology/print.html",
        {
            "case": case,
            "entries": entries,
            "printed_at": printed_at,
            "printed_by": request.user,
            "export_id": export_id,
            "watermark": stepup.watermark(request.user, export_id, printed_at),
            "court_since": court_since,
        },
    )
    stylesheet = CSS(filename=finders.find("portal/print.css"), url_fetcher=local_only)
    return HTML(string=html, base_url=str(finders.find("portal")), url_fetcher=local_only).write_pdf(
        stylesheets=[stylesheet]
    )


def pdf_response(request: HttpRequest, case, entries, *, export_id, court_since=None) -> HttpResponse:
    response = HttpResponse(
        render_pdf(request, case, entries, export_id=export_id, court_since=court_since),
        content_type="application/pdf",
    )
    # A court version saved next to a full print must not be mistaken for it by its name.
    name = "chronology-court-version" if court_since else "chronology"
    response["Content-Disposition"] = f'attachment; filename="{_filename(case, "pdf", name=name)}"'
    return response
