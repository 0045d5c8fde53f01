"""The margin is no longer stored: it is computed from the cost (``Contract.margin_percent``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_typed_margins_become_costs")]

    operations = [
        migrations.RemoveField(model_name="contract", name="margin_percent"),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(cost_amount__isnull=True) | models.Q(cost_amount__gte=0),
                name="contract_cost_not_negative",
            ),
        ),
    ]
