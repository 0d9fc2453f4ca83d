"""Migration operations the apps share.

`move_content_types` goes in the first migration of an app that a model moved into: permissions and admin
history point at a model's content type, so the existing row is moved to the new app rather than a new one
made beside it (docs/architecture.md, "How models moved without touching data").
"""

from django.db import migrations


def move_content_types(*, from_app: str, to_app: str, models: list[str]) -> migrations.RunPython:
    def move(source: str, target: str):
        def run(apps, schema_editor):
            ContentType = apps.get_model("contenttypes", "ContentType")
            ContentType.objects.filter(app_label=source, model__in=models).update(app_label=target)

        return run

    return migrations.RunPython(move(from_app, to_app), move(to_app, from_app))
