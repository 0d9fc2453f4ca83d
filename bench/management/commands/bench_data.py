"""`python manage.py bench_data --households N`: a large synthetic partnership for the benchmark.

Refuses in production mode and refuses a database that already holds cases: it loads a fresh one."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bench import generator
from cases.models import Case


class Command(BaseCommand):
    help = "Load N synthetic households (never real people) with bulk inserts, for bench/run.py."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--households", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=generator.SEED)

    def handle(self, *args, households: int, seed: int, **options) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError("bench_data refuses to run in production mode (DJANGO_ENV=production).")
        if households < 10:
            raise CommandError("Give at least 10 households.")
        if Case.objects.exists():
            raise CommandError("This database already holds cases: bench_data loads into an empty database.")
        started = time.perf_counter()
        summary = generator.generate(
            households, today=timezone.localdate(), seed=seed, progress=lambda text: self.stdout.write(text)
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {households} households in {elapsed:.0f} s: "
                + ", ".join(f"{count} {name}" for name, count in summary.items())
            )
        )
