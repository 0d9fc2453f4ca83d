"""The benchmark at small scale (200 households), so that it cannot rot: it runs end to end, every
page it measures stays under the query target, and a second monitoring sweep raises nothing.
Times are not asserted (bench/README.md has the figures)."""

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from bench import generator, run
from cases.models import Case
from chronology.models import Entry
from referrals.models import Referral, ReferralChild


@pytest.mark.django_db
def test_benchmark_at_small_scale_keeps_query_counts_and_a_quiet_second_sweep():
    generator.generate(200, today=timezone.localdate())
    assert Case.objects.count() == 200
    assert (
        Entry.objects.filter(case__reference=run._context(run._users()["lead"]).big_case.reference).count()
        == generator.BIG_CASE_ENTRIES
    )

    # The front door: a year of referrals at the authority's rate, about a fifth re-referrals linked to a
    # child of a closed case, most decided and some waiting (the newest, and a few overdue).
    referrals = Referral.objects.with_status()
    children = Case.objects.filter(household__relationship="child").count()
    assert 0.5 * children * 0.12 < referrals.count() < 2 * children * 0.12
    re_referred = referrals.filter(children__person__households__case__status="closed").distinct().count()
    assert 0.1 < re_referred / referrals.count() < 0.4
    linked = ReferralChild.objects.filter(person__isnull=False)
    assert linked.exists()
    assert not linked.exclude(first_name=F("person__first_name"), date_of_birth=F("person__date_of_birth")).exists()
    waiting = referrals.filter(has_decision=False).count()
    assert 3 <= waiting < referrals.count() / 2
    assert Referral.objects.overdue(timezone.now()).exists()
    # The person search finds the child it looks for (the page answers 200 either way).
    ctx = run._context(run._users()["lead"])
    client = Client()
    client.force_login(run._users()["lead"])
    page = next(p for p in run.PAGES if p.data)
    response = client.post(page.url(ctx), page.data(ctx))
    assert response.status_code == 200 and ctx.searched.last_name in response.content.decode()

    result = run.run(repeats=2, import_rows=60, pdf_in_process=True)

    pages = {row["page"]: row for row in result["pages"]}
    assert set(pages) == {run.TRIVIAL.name, *(page.name for page in run.PAGES)}
    for name, row in pages.items():
        assert 0 < row["queries"] < run.PAGE_TARGET_QUERIES, name
    assert {"MASH inbox (a year of referrals)", "person search (household add)"} <= set(pages)
    assert result["referrals"] == referrals.count() and result["referrals_waiting"] == waiting
    assert result["sweep"]["first"]["raised"] > 0
    assert result["sweep"]["second"]["raised"] == 0
    assert result["open_flags"] > 0  # the dashboards were measured after the sweep, with its flags
    assert result["pdf"]["entries"] == generator.PDF_CASE_ENTRIES and result["pdf"]["bytes"] > 0
    assert result["import"]["imported"] == 60
    # The census return for the last complete year: every child open in it, and a readiness run over them.
    assert result["census"]["children"] > 50 and result["census"]["bytes"] > 0
    assert result["census"]["readiness_seconds"] >= 0
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
