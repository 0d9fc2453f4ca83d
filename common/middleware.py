"""Request limits that apply before anything reads the body, and HEAD answers without a body.

gunicorn has no body-size limit, and Django only checks sizes while it parses a body, after the
upload handlers may already have spooled it to disk. So the limit is decided here, from the request's
`Content-Length`, before sessions, authentication or CSRF get to read `request.POST`
(docs/security.md, R21).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.html import escape

LIMITS_ATTRIBUTE = "_portal_body_limits"


@dataclass(frozen=True)
class BodyLimits:
    body: int  # the most bytes the whole body may have
    file: int  # the most bytes all uploaded files together may have
    upload_page: bool = False  # a page that accepts a file: the refusal names the file cap


def body_limits(request) -> BodyLimits:
    """The one place that decides how large a request to this address may be.

    Every address gets the small general limit; a page named in settings.REQUEST_UPLOAD_PAGES (by its
    resolved URL name, so a new URL under the same prefix does not inherit it) also accepts a file up to
    the cap in the setting named there, plus the general limit for the form's other fields and the
    multipart envelope. Read on each request, so a changed setting applies at once.
    """
    cached = getattr(request, LIMITS_ATTRIBUTE, None)
    if cached is not None:
        return cached
    general = settings.REQUEST_MAX_BYTES
    limits = BodyLimits(body=general, file=general)
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = None
    cap_setting = settings.REQUEST_UPLOAD_PAGES.get(view_name)
    if cap_setting is not None:
        file_cap = getattr(settings, cap_setting)
        limits = BodyLimits(body=file_cap + general, file=file_cap, upload_page=True)
    setattr(request, LIMITS_ATTRIBUTE, limits)
    return limits


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, size // 1024)} KB"


def too_large_response(limits: BodyLimits) -> HttpResponse:
    """A plain, short page: it is sent before sessions and templates are set up."""
    if limits.upload_page:
        detail = f"The file is too large: the limit is {_megabytes(limits.file)}. Split it into smaller files."
    else:
        detail = f"What was sent is larger than this page accepts: the limit is {_megabytes(limits.body)}."
    return _plain_page(413, "Too large to send", detail)


def _plain_page(status: int, title: str, message: str) -> HttpResponse:
    text = (
        f"<!doctype html><html lang='en-GB'><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(message)} Nothing was saved.</p>"
        "<p>Go back to try again.</p></body></html>"
    )
    response = HttpResponse(text, status=status)
    # Sent before CommonMiddleware would add it: without a length the client must wait for the
    # connection to close, which a server still draining the refused body may not do soon.
    response.headers["Content-Length"] = str(len(response.content))
    return response


def _bad_request(message: str) -> HttpResponse:
    return _plain_page(400, "Something was wrong with the request", message)


class RequestSizeLimitMiddleware:
    """Refuses a body larger than its address allows, from the declared length, before reading it.

    A body sent without a `Content-Length` (chunked) gets 411: Django would read none of it. Within an
    accepted length, the upload handler (common/uploads.py) stops a file once more than the address's
    file cap has arrived. Once the length is accepted the body is parsed here, so a
    refusal while parsing (the cap, too many fields) is answered with its own status and message
    rather than a bare 400 from whichever later middleware first touched `request.POST`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared.strip() and request.META.get("HTTP_TRANSFER_ENCODING"):
            # Django reads no body without a declared length, so a chunked form would arrive empty and
            # be refused with a puzzling message further on. Say what is wrong instead; browsers always
            # declare the length of a form or file they send.
            return _plain_page(411, "Length required", "The request did not say how large it was.")
        if declared.strip():
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                return _bad_request("The request gave a length that is not a whole number of bytes.")
            limits = body_limits(request)
            if length > limits.body:
                return too_large_response(limits)
        if request.method == "POST":
            refusal = self._parse(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _parse(request):
        try:
            request.POST  # noqa: B018 - parsing now, with the upload handlers' limits, is the point
        except RequestDataTooBig:
            return too_large_response(body_limits(request))
        except (TooManyFieldsSent, TooManyFilesSent):
            return _bad_request("The form sent more fields than any page here has.")
        return None


class HeadWithoutBodyMiddleware:
    """A HEAD answer carries the GET's headers, Content-Length included, but no body.

    gunicorn writes whatever body the application returns, even for HEAD; Django's development server
    and test client drop it themselves, which is why this was not noticed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            response.streaming_content = []
        else:
            if not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
