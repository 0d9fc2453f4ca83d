"""Template context for every page: the signed-in person's unread notification count for the header badge.

The count is `unread_notifications_for` (dashboards/selectors.py), the same definition the home page and the
list page use. It lives here, not in the notifications app, because it needs the access policy (cases), a
floor above the outbox.
"""

from functools import cache

from django.http import HttpRequest

from .selectors import unread_notifications_for


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy and counted once: a page that does not draw the header runs no query, one that does runs one COUNT.
    return {"unread_notifications": cache(lambda: unread_notifications_for(user).count())}
