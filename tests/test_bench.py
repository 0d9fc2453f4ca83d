"""The benchmark at small scale (200 households), so that it cannot rot: it runs end to end, every
page it measures stays under the query target, and a second monitoring sweep raises nothing.
Times are not asserted (bench/README.md has the figures)."""

import pytest
from django.utils import timezone

from bench import generator, run
from cases.models import Case
from chronology.models import Entry


@pytest.mark.django_db
def test_benchmark_at_small_scale_keeps_query_counts_and_a_quiet_second_sweep():
    generator.generate(200, today=timezone.localdate())
    assert Case.objects.count() == 200
    assert (
        Entry.objects.filter(case__reference=run._context(run._users()["lead"]).big_case.reference).count()
        == generator.BIG_CASE_ENTRIES
    )

    result = run.run(repeats=2, import_rows=60, pdf_in_process=True)

    pages = {row["page"]: row for row in result["pages"]}
    assert set(pages) == {run.TRIVIAL.name, *(page.name for page in run.PAGES)}
    for name, row in pages.items():
        assert 0 < row["queries"] < run.PAGE_TARGET_QUERIES, name
    assert result["sweep"]["first"]["raised"] > 0
    assert result["sweep"]["second"]["raised"] == 0
    assert result["open_flags"] > 0  # the dashboards were measured after the sweep, with its flags
    assert result["pdf"]["entries"] == generator.PDF_CASE_ENTRIES and result["pdf"]["bytes"] > 0
    assert result["import"]["imported"] == 60
    # "Older" followed to the end reaches the oldest page by keyset: no OFFSET in its query or plan.
    oldest = result["oldest_page"]
    assert oldest["is_oldest"] and oldest["entries_on_page"] > 0 and not oldest["offset_in_sql"]
    assert "Limit" in oldest["plan"] and "offset" not in oldest["plan"].lower()
    assert "Targets:" in run.report(result)


def test_bench_data_refuses_in_production(settings):
    from django.core.management import CommandError, call_command

    settings.DJANGO_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("bench_data", households=20)
