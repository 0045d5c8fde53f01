"""An issued invoice keeps whom it was issued to (issue 15). Invoices issued before this migration
get the customer's name and address as they are now, the best record there is; their tax id stays
empty (customers had none)."""

from django.db import migrations, models


ISSUED = ["issued", "partially_paid", "paid", "void"]


def fill_bill_to(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Customer = apps.get_model("customers", "Customer")
    customers = Customer.objects.filter(
        pk__in=Invoice.objects.filter(state__in=ISSUED).values("customer_id")
    )
    for customer in customers.only("id", "name", "address").iterator():
        Invoice.objects.filter(state__in=ISSUED, customer_id=customer.pk).update(
            bill_to_name=customer.name[:200], bill_to_address=customer.address[:300]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_invoice_sum_indexes'),
        ('customers', '0004_customer_tax_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='bill_to_address',
            field=models.CharField(blank=True, max_length=300, verbose_name='bill-to address'),
        ),
        migrations.AddField(
            model_name='invoice',
            name='bill_to_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='bill-to name'),
        ),
        migrations.AddField(
            model_name='invoice',
            name='bill_to_tax_id',
            field=models.CharField(blank=True, max_length=50, verbose_name='bill-to tax id'),
        ),
        migrations.RunPython(fill_bill_to, migrations.RunPython.noop),
    ]
