"""PDF printing of GCP2 pages with WeasyPrint: A4, protective marking, case reference, page numbers
and "printed by" on every page. The stylesheet is read from disk, never fetched over HTTP."""

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import stepup
from cases.models import Case


def _refuse_fetch(url: str, *args, **kwargs):
    # Everything the PDF needs is inline or read from disk; a fetch would mean a request from the
    # server to somewhere a template pointed it (SSRF), so none is made.
    raise ValueError(f"PDF rendering does not fetch URLs ({url[:40]})")


def render_pdf(request: HttpRequest, template: str, context: dict, *, case: Case, name: str, export_id) -> HttpResponse:
    from weasyprint import CSS, HTML  # heavy import, only when printing

    printed_at = timezone.localtime()  # one reading: the watermark and the file name agree
    html = render_to_string(
        template,
        {
            **context,
            "printed_by": request.user,
            "printed_at": printed_at,
            "watermark": stepup.watermark(request.user, export_id, printed_at),
        },
        request=request,
    )
    stylesheet = CSS(filename=finders.find("gcp2/print.css"))
    document = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[stylesheet])
    response = HttpResponse(document, content_type="application/pdf")
    # The file name carries the case reference and date only: no personal data.
    filename = f"GCP2-{name}-{case.reference}-{printed_at:%Y%m%d-%H%M}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
