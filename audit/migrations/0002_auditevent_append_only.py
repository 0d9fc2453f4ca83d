"""Refuse UPDATE and DELETE of audit events in the database itself (docs/security.md, R25)."""

from django.db import migrations

from audit.append_only import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [AppendOnlyTrigger("audit_auditevent")]
