"""Admin for GCP2: licensed descriptor text per sub-area and grade (the portal ships none).

Assessments are not editable here: a completed one is frozen and drafts change only through the
assessor's pages, with their version check and audit.
"""

from django.contrib import admin

from gcp2.models import Descriptor


@admin.register(Descriptor)
class DescriptorAdmin(admin.ModelAdmin):
    list_display = ["sub_area", "grade"]
    list_filter = ["sub_area", "grade"]
    fields = ["sub_area", "grade", "text"]
