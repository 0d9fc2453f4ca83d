"""Admin for the monitoring thresholds and the escalation ladder. Changes are audited."""

from django.contrib import admin

from audit.admin import AuditedSettingsAdmin
from audit.models import AuditEvent

from .models import EscalationStage, MonitoringSettings


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(AuditedSettingsAdmin):
    """One row of thresholds for the monitoring rules (the README lists each rule and its setting)."""

    saved_action = AuditEvent.Action.SETTINGS_MONITORING_CHANGED

    def has_add_permission(self, request) -> bool:
        return not MonitoringSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EscalationStage)
class EscalationStageAdmin(AuditedSettingsAdmin):
    list_display = ("order", "name", "responder", "respond_within_working_days")
    saved_action = AuditEvent.Action.SETTINGS_ESCALATION_STAGE_CHANGED
