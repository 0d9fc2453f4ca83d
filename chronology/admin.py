"""Admin for the chronology: the one row of chronology settings, whose changes are audited.

Entries and amendments are case content: the administrator manages reference data and reads no case, so
they have no admin (docs/security.md, R23). They are read through the case's own pages, which audit and
check access."""

from django.contrib import admin

from audit.admin import AuditedSettingsAdmin
from audit.models import AuditEvent
from chronology.models import ChronologySettings


@admin.register(ChronologySettings)
class ChronologySettingsAdmin(AuditedSettingsAdmin):
    """One row: the gap threshold and when an entry counts as recorded late (docs/practice.md)."""

    list_display = ("__str__", "gap_days", "late_after_working_days")
    saved_action = AuditEvent.Action.SETTINGS_CHRONOLOGY_CHANGED

    # The code reads the one row through ChronologySettings.load(); a second row would be ignored and a
    # deleted one silently come back with the defaults, so the admin offers neither.
    def has_add_permission(self, request) -> bool:
        return not ChronologySettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # load() reads the row with pk 1: an added row takes it, whatever the ID sequence says.
        if not change:
            obj.pk = 1
        super().save_model(request, obj, form, change)
