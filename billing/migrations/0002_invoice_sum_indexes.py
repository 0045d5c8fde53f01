from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                fields=["order", "state"], include=("amount",), name="invoice_order_state_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                fields=["contract", "state"], include=("amount",), name="invoice_contract_state_idx"
            ),
        ),
    ]
