"""Refuse TRUNCATE of the audit trail too (docs/security.md, R25): row triggers do not see it."""

from django.db import migrations

from audit.append_only import TruncateTrigger


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_auditevent_append_only")]

    operations = [TruncateTrigger("audit_auditevent")]
