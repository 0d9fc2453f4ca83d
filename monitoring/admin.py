"""Admin for the monitoring thresholds and the escalation ladder. Changes are audited."""

from django.contrib import admin

from audit import services as audit
from audit.models import AuditEvent

from .models import EscalationStage, MonitoringSettings


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(admin.ModelAdmin):
    """One row of thresholds for the monitoring rules (the README lists each rule and its setting)."""

    def has_add_permission(self, request) -> bool:
        return not MonitoringSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.SETTINGS_MONITORING_CHANGED,
            target=obj,
            data={"fields": form.changed_data},
        )


@admin.register(EscalationStage)
class EscalationStageAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "responder", "respond_within_working_days")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.SETTINGS_ESCALATION_STAGE_CHANGED,
            target=obj,
            data={"fields": form.changed_data},
        )
