"""The margins typed so far become a cost marked "typed" (amount × (100 − margin) / 100): readable
on the contract, not trusted by the escalation rule. Contracts signed before keep their
customer's address as it is now (the best record there is)."""

from decimal import Decimal

from django.db import migrations


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
    dependencies = [("contracts", "0005_costs_and_risk_owners_and_signed_party")]

    operations = [
        migrations.RunPython(typed_margins_to_costs, costs_to_typed_margins),
        migrations.RunPython(freeze_signed_parties, migrations.RunPython.noop),
    ]
