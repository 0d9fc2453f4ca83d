"""Optimistic locking on Case: two people editing at once never overwrite each other silently."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from cases import services
from cases.models import Case
from tests.factories import CaseFactory, UserFactory


@pytest.mark.django_db
def test_second_editor_gets_a_conflict_page(client, case, lead, manager):
    url = reverse("cases:edit", args=[case.reference])
    seen = case.version
    client.force_login(lead)
    first = client.post(url, {"level": "child_in_need", "opened_on": case.opened_on.isoformat(), "version": seen})
    assert first.status_code == 302
    client.force_login(manager)
    second = client.post(url, {"level": "early_help", "opened_on": case.opened_on.isoformat(), "version": seen})
    assert second.status_code == 409
    body = second.content.decode()
    assert "Your changes were not saved" in body
    assert "Child in need" in body and "Early help" in body  # the case now, beside what they typed
    case.refresh_from_db()
    assert (case.level, case.version) == ("child_in_need", seen + 1)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_on_postgres_one_wins():
    """Two threads save the same version at the same moment: exactly one succeeds."""
    if connection.vendor != "postgresql":
        pytest.fail("This test needs PostgreSQL: run it through `make test`.")
    lead = UserFactory(username="race_lead")
    # A child in need case, which its lead may move either way (from early help only managers step up).
    case = CaseFactory(lead_professional=lead, level="child_in_need")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def save(level: str) -> None:
        from django.db import connections

        try:
            barrier.wait()
            services.case_update(case=case, by=lead, seen_version=1, level=level, opened_on=case.opened_on)
            results[level] = "saved"
        except services.VersionConflict:
            results[level] = "conflict"
        except Exception as exc:  # shown by the assertion below
            results[level] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(level,)) for level in ("early_help", "child_protection")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["conflict", "saved"]
    winner = next(level for level, outcome in results.items() if outcome == "saved")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.level, stored.version) == (winner, 2)
