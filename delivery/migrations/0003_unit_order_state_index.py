from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0002_order_external_id"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deliveryunit",
            index=models.Index(
                fields=["order", "state"], include=("amount",), name="unit_order_state_idx"
            ),
        ),
    ]
