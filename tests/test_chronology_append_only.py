"""Nothing recorded on the chronology can be changed or removed: not by the model, the ORM,
raw SQL (PostgreSQL triggers here, SQLite triggers in a migrated scratch database) or the admin.
A correction is an amendment, and the original stays readable."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import escape

from audit.models import AppendOnlyError, AuditEvent
from chronology.models import Amendment, Entry, EntryChild
from tests.factories import AmendmentFactory, EntryFactory, UserFactory, correction_post

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def entry(case):
    child = case.household.get().person
    return EntryFactory(case=case, children=[child])


@pytest.mark.django_db
def test_model_refuses_save_and_delete_of_an_existing_entry(entry):
    entry.what_happened = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    amendment = AmendmentFactory(entry=entry)
    with pytest.raises(AppendOnlyError):
        amendment.delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "table, model",
    [("chronology_entry", Entry), ("chronology_entrychild", EntryChild), ("chronology_amendment", Amendment)],
)
def test_database_refuses_update_and_delete(entry, table, model):
    AmendmentFactory(entry=entry)
    pk = model.objects.filter(**({"pk": entry.pk} if model is Entry else {"entry": entry})).get().pk
    quoted = f"'{pk}'" if model is not EntryChild else str(pk)
    column = {
        "chronology_entry": "what_happened",
        "chronology_entrychild": "person_id",
        "chronology_amendment": "text",
    }[table]
    for sql in (
        f"UPDATE {table} SET {column} = {column} WHERE id = {quoted}",
        f"DELETE FROM {table} WHERE id = {quoted}",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    # The ORM's delete is stopped by PROTECT on an entry with children, by the trigger otherwise.
    with pytest.raises(Exception, match="append-only|protected foreign keys"), transaction.atomic():
        model.objects.filter(pk=pk).delete()
    assert model.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_queryset_update_is_refused(entry):
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(what_happened="changed")
    assert Entry.objects.get(pk=entry.pk).what_happened == entry.what_happened


@pytest.mark.django_db
def test_amendment_keeps_the_original_and_is_audited(client, entry, member):
    # The lead professional corrects a partner's entry: allowed, with a reason.
    member = entry.case.lead_professional
    client.force_login(member)
    url = reverse("chronology:amend", args=[entry.case.reference, entry.pk])
    response = client.post(
        url,
        correction_post(entry, text="The fridge had milk but no other food.", reason="Misread my notes."),
    )
    assert response.status_code == 302
    page = client.get(reverse("chronology:entry", args=[entry.case.reference, entry.pk])).content.decode()
    assert "The fridge had milk but no other food." in page
    assert entry.what_happened in page  # the original stays readable
    assert "Misread my notes." in page and escape(member.get_full_name()) in page
    assert Entry.objects.get(pk=entry.pk).what_happened == entry.what_happened
    amendment = Amendment.objects.get(entry=entry)
    assert amendment.amended_by == member and amendment.amended_by_agency == member.agency
    assert AuditEvent.objects.filter(action="chronology.entry.amended", target_id=str(entry.pk)).count() == 1


@pytest.mark.django_db
def test_amendment_without_reason_is_refused(client, case, member):
    # The lead professional must say why they correct someone else's entry.
    entry = EntryFactory(case=case, children=[case.household.get().person], recorded_by=member)
    client.force_login(entry.case.lead_professional)
    url = reverse("chronology:amend", args=[entry.case.reference, entry.pk])
    response = client.post(url, correction_post(entry, text="New text", reason=""))
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert b"New text" in response.content
    assert not Amendment.objects.exists()


@pytest.mark.django_db
def test_the_admin_has_no_chronology_pages(client, entry):
    """Entries are case content: the administrator reads and changes them nowhere (docs/security.md, R23)."""
    admin_user = UserFactory(username="admin_p", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    assert client.get("/admin/chronology/entry/").status_code == 404
    assert client.get(f"/admin/chronology/entry/{entry.pk}/change/").status_code == 404
    assert client.post(f"/admin/chronology/entry/{entry.pk}/change/", {"what_happened": "changed"}).status_code == 404
    assert client.get(f"/admin/chronology/entry/{entry.pk}/delete/").status_code == 404
    assert Entry.objects.get(pk=entry.pk).what_happened == entry.what_happened


def _append_only_tables() -> list[str]:
    from django.apps import apps

    from audit.models import AppendOnlyModel

    return sorted(m._meta.db_table for m in apps.get_models() if issubclass(m, AppendOnlyModel))


@pytest.mark.django_db
def test_every_append_only_model_has_its_trigger_in_postgresql():
    """A model marked append-only without the database trigger would be append-only in Python only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%_append_only'")
        guarded = {row[0] for row in cursor.fetchall()}
    tables = _append_only_tables()
    assert {"chronology_amendmentchild", "chronology_appointmentoutcome", "chronology_otherview"} <= set(tables)
    assert [table for table in tables if table not in guarded] == []


SQLITE_TRIGGERS = """
from django.apps import apps
from django.db import connection
from audit.models import AppendOnlyModel
tables = {m._meta.db_table for m in apps.get_models() if issubclass(m, AppendOnlyModel)}
with connection.cursor() as cursor:
    cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
    triggers = cursor.fetchall()
for table in sorted(tables):
    names = {name for tbl, name in triggers if tbl == table}
    assert {table + "_no_update", table + "_no_delete"} <= names, table
print("guarded", len(tables))
"""

SQLITE_CHECK = """
from django.db import connection
from cases.models import Case
from chronology.models import Entry
from tests.factories import EntryFactory, HouseholdMemberFactory
member = HouseholdMemberFactory()
entry = EntryFactory(case=member.case, children=[member.person])
for sql in ("UPDATE chronology_entry SET what_happened = 'x'", "DELETE FROM chronology_entry",
            "DELETE FROM chronology_entrychild"):
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    except Exception as exc:
        assert "append-only" in str(exc), exc
    else:
        raise SystemExit("sqlite allowed: " + sql)
assert Entry.objects.get().what_happened == entry.what_happened
print("refused")
"""


def test_sqlite_triggers_refuse_update_and_delete(tmp_path):
    """The one-command demo runs on SQLite: migrate a scratch database and try raw SQL there."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "PORTAL_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SETTINGS_MODULE": "neglect_portal.settings.test",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SQLITE_CHECK], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused" in result.stdout
    # Every append-only table still has its triggers after all the migrations: on SQLite a migration
    # that rebuilds a table drops them silently (see chronology migration 0003).
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SQLITE_TRIGGERS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "guarded" in result.stdout
