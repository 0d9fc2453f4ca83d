"""Admin for the front door's timescales (audited). The referrals themselves, their children, adults,
checks and decisions are not registered: they are case content, read on the MASH pages where every read
is audited, and the admin's read-audit canaries (tests/test_admin_case_content.py) do not cover them yet."""

from django.contrib import admin

from audit.admin import AuditedSettingsAdmin
from audit.models import AuditEvent

from .models import ReferralSettings


@admin.register(ReferralSettings)
class ReferralSettingsAdmin(AuditedSettingsAdmin):
    """One row: the decision timescale and the assessment timescale, in working days. A change applies to
    referrals received afterwards; those already received keep the due times worked out when they came in."""

    list_display = ("__str__", "decision_within_working_days", "assessment_within_working_days")
    saved_action = AuditEvent.Action.SETTINGS_REFERRALS_CHANGED

    def has_add_permission(self, request) -> bool:
        return not ReferralSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
