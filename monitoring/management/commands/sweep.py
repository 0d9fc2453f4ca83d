"""`python manage.py sweep`: run the monitoring rules now and report the flags raised and cleared."""

from django.core.management.base import BaseCommand

from monitoring import rules as monitoring
from monitoring.outbox import send_due


class Command(BaseCommand):
    help = "Run every monitoring rule once (safe to repeat), then send notifications unless --no-send."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-send", action="store_true", help="Raise flags but send no email.")

    def handle(self, *args, no_send: bool = False, **options) -> None:
        result = monitoring.sweep()
        self.stdout.write(f"Flags raised: {result.raised}, cleared: {result.resolved}, left open: {result.still_open}.")
        if not no_send:
            self.stdout.write(f"Notifications sent: {send_due()}.")
