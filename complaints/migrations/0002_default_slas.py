"""The default SLA per severity (hours to respond, hours to resolve); edited in the admin."""

from django.db import migrations

DEFAULTS = {"critical": (2, 24), "high": (4, 72), "medium": (8, 120), "low": (24, 240)}


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for severity, (respond, resolve) in DEFAULTS.items():
        SlaPolicy.objects.get_or_create(
            severity=severity,
            defaults={"response_hours": respond, "resolution_hours": resolve},
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_complaints_and_slas")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
