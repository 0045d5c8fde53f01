"""A won deal is worth its signed contract: deals won before this rule get their contract's
current amount as their value, and keep the estimate it replaces."""

from django.db import migrations

SIGNED = ("signed", "executing", "closed")


def forwards(apps, schema_editor):
    Opportunity = apps.get_model("opportunities", "Opportunity")
    Contract = apps.get_model("contracts", "Contract")
    signed = {
        c.opportunity_id: c
        for c in Contract.objects.filter(state__in=SIGNED, opportunity__state="won")
    }
    for deal in Opportunity.objects.filter(state="won", estimated_amount__isnull=True).iterator():
        deal.estimated_amount, deal.estimated_currency = deal.amount, deal.currency
        contract = signed.get(deal.pk)
        if contract is not None:
            deal.amount, deal.currency = contract.amount, contract.currency
        deal.save(update_fields=["amount", "currency", "estimated_amount", "estimated_currency"])


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_contract_opportunity_index"),
        ("opportunities", "0006_won_value_and_estimate"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
