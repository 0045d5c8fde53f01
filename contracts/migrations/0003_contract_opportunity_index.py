import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0002_commercial_policy"),
        ("opportunities", "0004_review_escalation"),
    ]

    # The covering index first, then the plain foreign-key index it replaces goes.
    operations = [
        migrations.AddIndex(
            model_name="contract",
            index=models.Index(
                fields=["opportunity"], include=("id",), name="contract_opportunity_idx"
            ),
        ),
        migrations.AlterField(
            model_name="contract",
            name="opportunity",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contracts",
                to="opportunities.opportunity",
                verbose_name="opportunity",
            ),
        ),
    ]
