"""The one-time form token: a form posted twice (double click, resend after a timeout) is saved once.

Every form that creates a record carries a token (common.forms.OnceOnlyForm); the save claims it in the
same transaction, so the second post finds it taken and writes nothing.
"""

from contextlib import contextmanager

from django.db import IntegrityError, transaction

from .models import FormSubmission


class DuplicateSubmission(Exception):
    """This form was already saved once; nothing more was written."""


def submission_claim(*, token, by) -> None:
    """Claim a form's one-time token; call inside the transaction that saves the form."""
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=by)
    except IntegrityError as exc:
        raise DuplicateSubmission from exc


@contextmanager
def saved_once(form, *, by):
    """Run a form's save in one transaction with the claim of its one-time token (`form` is an
    OnceOnlyForm that passed validation): a second post of the same form raises DuplicateSubmission and
    saves nothing. A post without a token (not from our pages) is simply not protected."""
    token = form.cleaned_data.get("submission_token")
    with transaction.atomic():
        if token is not None:
            submission_claim(token=token, by=by)
        yield
