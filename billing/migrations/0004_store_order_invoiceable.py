"""Fill ``Order.invoiceable`` (delivery 0005) from billing's one definition.

This data migration runs the live definition (``billing.invoiceable.store_all``), not a frozen
copy: a copy would be a second definition. It runs right after the column is added, when the
models match the tables; a database migrated from scratch has no orders yet and does nothing."""

from django.db import migrations


def store(apps, schema_editor):
    Order = apps.get_model("delivery", "Order")
    if not Order.objects.exists():
        return
    from billing import invoiceable

    invoiceable.store_all()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_invoice_bill_to"),
        ("delivery", "0005_order_invoiceable"),
    ]

    operations = [migrations.RunPython(store, migrations.RunPython.noop)]
