"""`python manage.py seed_demo`: deterministic synthetic demo data; refuses in production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo import households as demo


class Command(BaseCommand):
    help = "Create synthetic demo agencies, people and households (never real people). Idempotent."

    def handle(self, *args, **options) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError("seed_demo refuses to run in production mode (DJANGO_ENV=production).")
        created = demo.seed(timezone.localdate())
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {created} synthetic households."))
        else:
            self.stdout.write("Demo data already present; nothing added.")
        self.stdout.write("\nDemo logins (password for all: demo):")
        for login in demo.DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<13} {login.job_title}, {login.agency}")
