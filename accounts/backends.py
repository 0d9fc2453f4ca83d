"""Authentication backend: Django's, loading the user's agency and team with the user.

Every page shows the agency in the header; loading it here saves a query on each request.
"""

from django.contrib.auth.backends import ModelBackend

from .models import User


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        user = User.objects.select_related("agency", "team").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
