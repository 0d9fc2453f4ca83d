"""Refuse UPDATE and DELETE of entries, their children and amendments in the database itself."""

from django.db import migrations

from audit.append_only import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("chronology", "0001_entries_amendments_appointments")]

    operations = [
        AppendOnlyTrigger("chronology_entry"),
        AppendOnlyTrigger("chronology_entrychild"),
        AppendOnlyTrigger("chronology_amendment"),
    ]
