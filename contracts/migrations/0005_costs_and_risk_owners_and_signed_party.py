"""Commercial inputs from their owners (issue 15): the margin is no longer typed but computed from a
cost (the quote's cost lines, or an assessment by the SR, finance or a manager); risks keep who
cleared them and why; a signed contract keeps the customer's tax id and address.

The schema here; 0006 turns typed margins into "typed" costs and 0007 drops the margin column
(on PostgreSQL a table's rows cannot be updated and its columns dropped in one transaction).
"""
import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0004_won_value_from_signed_contracts'),
        ('customers', '0004_customer_tax_id'),
        ('opportunities', '0005_dashboard_covering_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='contract',
            name='cost_amount',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='cost'),
        ),
        migrations.AddField(
            model_name='contract',
            name='cost_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='cost entered'),
        ),
        migrations.AddField(
            model_name='contract',
            name='cost_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cost entered by'),
        ),
        migrations.AddField(
            model_name='contract',
            name='cost_note',
            field=models.CharField(blank=True, max_length=500, verbose_name='basis of the cost'),
        ),
        migrations.AddField(
            model_name='contract',
            name='cost_source',
            field=models.CharField(blank=True, choices=[('quote', "the quote's cost lines"), ('assessment', 'a cost assessment'), ('typed', 'a margin typed by the rep before costs were required (not trusted)')], max_length=20, verbose_name='cost from'),
        ),
        migrations.AddField(
            model_name='contract',
            name='customer_address',
            field=models.CharField(blank=True, max_length=300, verbose_name='customer address'),
        ),
        migrations.AddField(
            model_name='contract',
            name='customer_tax_id',
            field=models.CharField(blank=True, max_length=50, verbose_name='customer tax id'),
        ),
        migrations.AddField(
            model_name='contract',
            name='risk_cleared_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='risk cleared'),
        ),
        migrations.AddField(
            model_name='contract',
            name='risk_cleared_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='risk cleared by'),
        ),
        migrations.AddField(
            model_name='contract',
            name='risk_cleared_reason',
            field=models.TextField(blank=True, max_length=2000, verbose_name='why the risk was cleared'),
        ),
        migrations.AddField(
            model_name='quote',
            name='cost_total',
            field=models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=16, null=True, verbose_name='cost'),
        ),
        migrations.AddField(
            model_name='quote',
            name='costs_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='costs entered'),
        ),
        migrations.AddField(
            model_name='quote',
            name='costs_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='costs entered by'),
        ),
        migrations.AddField(
            model_name='quoteline',
            name='unit_cost',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='unit cost'),
        ),
        migrations.AddConstraint(
            model_name='quoteline',
            constraint=models.CheckConstraint(condition=models.Q(('unit_cost__isnull', True), ('unit_cost__gte', 0), _connector='OR'), name='quote_line_cost_not_negative'),
        ),
    ]
