"""The answer to an unhandled error: a calm 503 while the database cannot be reached, else the 500 page.

Django calls ``handler500`` from inside its exception handler, so ``sys.exc_info()`` still holds the error.
A database that refuses connections, drops them or cancels a query is an outage the user can do nothing
about but wait: they get a plain "briefly unavailable" page with ``Retry-After`` (docs/security.md, R43),
not "Something went wrong". Both pages are rendered without the request's context: the context
processors would read the session and the user, which live in the database that has just failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

# Seconds a browser, or a client honouring Retry-After, should wait before trying again.
RETRY_AFTER_SECONDS = 60


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, says the database could not be reached or answer."""
    for _ in range(5):  # a short chain: the error, what it was raised from, and so on
        if exc is None:
            return False
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response() -> HttpResponse:
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the 503 page for a database outage, the 500 page for anything else."""
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response()
    return HttpResponseServerError(loader.get_template("500.html").render())
