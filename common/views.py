"""The form flow every app's views share: the 400 for a form with errors, the generic form page, a
service's refusal put beside its field, and the POST half of a form page with its one-time token."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import services

INVALID = 400  # The one status for a form with errors, across the project (docs/security.md, R41).


FORM_PAGE = "common/form_page.html"


def form_page(request: HttpRequest, page: dict, form, case=None, status: int = 200) -> HttpResponse:
    """The generic form page: `page` gives its title, button label and one line of explanation."""
    if status == INVALID:
        messages.error(request, "Please correct the problems shown below.")
    return render(request, FORM_PAGE, {"case": case, "form": form, **page}, status=status)


def apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's refusal beside the field it concerns, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def save_once(request: HttpRequest, form, save, *, invalid, done, already: str) -> HttpResponse:
    """The POST half of a form page: validate, run `save(cleaned_data)` once per one-time token,
    then `done(result)`. Bad input or a service's refusal gives `invalid()` (the form again, 400);
    a second post of the same form gives `already` as a message and `done(None)`."""
    if not form.is_valid():
        return invalid()
    data = dict(form.cleaned_data)
    try:
        with services.saved_once(token=data.pop("submission_token", None), by=request.user):
            result = save(data)
    except services.DuplicateSubmission:
        messages.info(request, already)
        return done(None)
    except ValidationError as error:
        apply_service_errors(form, error)
        return invalid()
    return done(result)
