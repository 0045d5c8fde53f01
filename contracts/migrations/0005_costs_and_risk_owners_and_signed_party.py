"""Commercial inputs from their owners (issue 15): the margin is no longer typed but computed from a
cost (the quote's cost lines, or an assessment by the SR, finance or a manager); risks keep who
cleared them and why; a signed contract keeps the customer's tax id and address.

Contracts signed before keep their customer's address as it is now. The margins typed so far are kept as a cost figure marked "typed" (amount × (100 − margin) / 100):
readable on the contract, but not trusted by the escalation rule (a draft that has only a typed
margin escalates like one without costs until an owner enters them)."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def typed_margins_to_costs(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    rows = Contract.objects.filter(margin_percent__isnull=False).only("id", "amount", "margin_percent")
    for contract in rows.iterator():
        cost = (contract.amount * (HUNDRED - contract.margin_percent) / HUNDRED).quantize(CENT)
        Contract.objects.filter(pk=contract.pk).update(cost_amount=cost, cost_source="typed")


def freeze_signed_parties(apps, schema_editor):
    """Contracts signed before: their customer's address as it is now (the best record there is)."""
    Contract = apps.get_model("contracts", "Contract")
    signed = Contract.objects.filter(signed_on__isnull=False).select_related("customer")
    for contract in signed.only("id", "customer_party", "customer__name", "customer__address").iterator():
        Contract.objects.filter(pk=contract.pk).update(
            customer_party=contract.customer_party or contract.customer.name[:200],
            customer_address=contract.customer.address[:300],
        )


def costs_to_typed_margins(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    rows = Contract.objects.filter(cost_amount__isnull=False).only("id", "amount", "cost_amount")
    for contract in rows.iterator():
        margin = ((contract.amount - contract.cost_amount) * HUNDRED / contract.amount).quantize(CENT)
        margin = max(-HUNDRED, min(HUNDRED, margin))
        Contract.objects.filter(pk=contract.pk).update(margin_percent=margin)


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
        migrations.RunPython(typed_margins_to_costs, costs_to_typed_margins),
        migrations.RunPython(freeze_signed_parties, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='contract',
            name='margin_percent',
        ),
        migrations.AddConstraint(
            model_name='contract',
            constraint=models.CheckConstraint(condition=models.Q(('cost_amount__isnull', True), ('cost_amount__gte', 0), _connector='OR'), name='contract_cost_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='quoteline',
            constraint=models.CheckConstraint(condition=models.Q(('unit_cost__isnull', True), ('unit_cost__gte', 0), _connector='OR'), name='quote_line_cost_not_negative'),
        ),
    ]
