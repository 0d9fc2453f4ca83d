"""The form flow every app's views write the same way, straight:

    form = SomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with saved_once(form, by=request.user):
                result = services.something(by=request.user, **form.values())
        except DuplicateSubmission:
            messages.info(request, "That was already saved; it was not saved twice.")
            return redirect(...)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(...)
    return form_page(request, PAGES["something"], form, case)

A form page shown after a POST answers 400 with a message and what was typed; nothing is half-saved
because the service and the one-time token's claim share one transaction.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .services import DuplicateSubmission, saved_once  # noqa: F401  (the flow's two names)

INVALID = 400  # The one status for a form with errors, across the project (docs/security.md, R41).


FORM_PAGE = "common/form_page.html"


def form_page(request: HttpRequest, page: dict, form, case=None, *, template: str = FORM_PAGE) -> HttpResponse:
    """A form page: `page` gives its title, button label and one line of explanation. Shown after a POST,
    the form had errors (or a service refused it): the page says so and answers 400 with what was typed."""
    status = INVALID if request.method == "POST" else 200
    return render(request, template, {"case": case, "form": form, **page}, status=status)


def apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's refusal beside the field it concerns, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
