"""Template context for every page: the signed-in person's unread notification count."""

from django.http import HttpRequest

from notifications.models import Notification


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()}
