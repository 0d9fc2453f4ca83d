"""The bench app: only the `bench_data` management command; it has no models."""

from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "bench"
    verbose_name = "Benchmark"
