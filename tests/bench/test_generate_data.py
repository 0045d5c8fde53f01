"""The generated company is small here, but it obeys the same rules as the full size."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q, Sum

from billing.models import Allocation, Invoice, Payment
from contracts.models import Contract, PaymentTerm
from delivery.models import DeliveryUnit, Order, RevenueEntry
from leads.models import Lead, LeadRecovery, Pool
from leads.scoring import score_lead
from ltc.activity.models import Activity
from ltc.bench.generator import Generator, Sizes
from ltc.core.normalize import company_key
from ltc.customers.models import Customer
from ltc.org.models import Team, User
from opportunities.models import Opportunity, StageHistory

LEADS, SCALE = 2000, 0.01


def generate(**extra):
    out, err = StringIO(), StringIO()
    call_command("generate_data", leads=LEADS, scale=SCALE, stdout=out, stderr=err, **extra)
    return out.getvalue() + err.getvalue()


def assert_company_invariants():
    sizes = Sizes(LEADS, SCALE)
    assert Lead.objects.count() == LEADS
    assert Opportunity.objects.count() == sizes.opportunities
    assert Contract.objects.count() == sizes.contracts
    assert Order.objects.count() <= sizes.orders
    assert DeliveryUnit.objects.count() >= Order.objects.count()
    assert Invoice.objects.count() <= sizes.invoices
    assert Payment.objects.count() <= sizes.payments
    assert Team.objects.exists() and Pool.objects.filter(is_default=True).count() == 1

    # Leads: owners match states (also a database constraint), converted ones have their deal.
    assert not Lead.objects.filter(state="new", owner__isnull=False).exists()
    assert not Lead.objects.filter(state__in=["assigned", "validated"], owner__isnull=True).exists()
    converted = Lead.objects.filter(state="converted")
    assert converted.count() == Opportunity.objects.filter(lead__isnull=False).count() > 0
    assert not converted.filter(opportunity__isnull=True).exists()
    assert converted.filter(opportunity__owner=F("owner")).count() == converted.count()
    assert Lead.objects.filter(state="assigned", follow_up_due_at__isnull=True).count() == 0
    # Recoveries and follow-ups are recorded as rows and counted on the lead.
    recovered = Lead.objects.filter(recovery_count__gt=0)
    assert recovered.exists()
    assert LeadRecovery.objects.count() == recovered.aggregate(n=Sum("recovery_count"))["n"]
    assert (
        Activity.objects.count()
        == Lead.objects.filter(owner__isnull=False).aggregate(n=Sum("follow_up_count"))["n"]
    )
    # The score is the scoring rule's, with its reasons.
    for lead in Lead.objects.order_by("?")[:50]:
        assert (lead.score, lead.score_reasons) == score_lead(lead)
    for name, key in Customer.objects.values_list("name", "name_key")[:50]:
        assert company_key(name) == key

    # Opportunities: history from the first stage to the current one, open until closed.
    for opp in Opportunity.objects.prefetch_related("stage_history")[:200]:
        history = list(opp.stage_history.all())
        assert history and history[-1].stage_id == opp.stage_id
        assert history[0].entered_at == opp.created_at
        assert history[-1].entered_at == opp.stage_entered_at
        for earlier, later in zip(history, history[1:], strict=False):
            assert earlier.exited_at == later.entered_at
        assert (history[-1].exited_at is None) == (opp.state == "open")
        assert (opp.closed_at is None) == (opp.state == "open")
    assert not StageHistory.objects.filter(exited_at__lt=F("entered_at")).exists()
    assert Contract.objects.filter(opportunity__state="won").count() == Contract.objects.count()
    assert not Contract.objects.filter(review__isnull=True).exists()

    # Contracts, orders, units: orders within the contract, units add up to their order.
    for contract in Contract.objects.annotate(ordered=Sum("orders__amount")):
        assert (contract.ordered or 0) <= contract.amount
        terms = PaymentTerm.objects.filter(contract=contract).aggregate(t=Sum("percent"))["t"]
        assert terms == Decimal("100")
    for order in Order.objects.annotate(units_total=Sum("units__amount")):
        assert order.units_total == order.amount
    accepted = DeliveryUnit.objects.filter(state="accepted")
    assert RevenueEntry.objects.count() == accepted.count()
    assert (
        RevenueEntry.objects.aggregate(t=Sum("amount"))["t"]
        == accepted.aggregate(t=Sum("amount"))["t"]
    )
    assert not DeliveryUnit.objects.filter(state="accepted", accepted_on__isnull=True).exists()
    assert not DeliveryUnit.objects.filter(accepted_on__lt=F("shipped_on")).exists()
    for order in Order.objects.annotate(
        n=Count("units"), done=Count("units", filter=Q(units__state="accepted"))
    ):
        if order.state in ("delivered", "invoiced", "closed"):
            assert order.done == order.n
        if order.state == "open":
            assert order.done == 0

    # Billing: invoiced never more than accepted nor than the contract; allocations within
    # both the payment and the invoice; paid amounts and states agree with the allocations.
    live = ["draft", "issued", "partially_paid", "paid"]
    for order in Order.objects.annotate(
        invoiced=Sum("invoices__amount", filter=Q(invoices__state__in=live))
    ):
        accepted_value = order.units.filter(state="accepted").aggregate(t=Sum("amount"))["t"]
        assert (order.invoiced or 0) <= (accepted_value or 0)
    for contract in Contract.objects.annotate(
        invoiced=Sum("invoices__amount", filter=Q(invoices__state__in=live))
    ):
        assert (contract.invoiced or 0) <= contract.amount
    assert Invoice.objects.exists() and Allocation.objects.exists()
    for invoice in Invoice.objects.annotate(allocated=Sum("allocations__amount")):
        assert (invoice.allocated or 0) == invoice.paid_amount <= invoice.amount
        assert (invoice.state == "paid") == (invoice.paid_amount == invoice.amount)
        assert (invoice.state == "draft") == (invoice.number == "")
    for payment in Payment.objects.annotate(allocated=Sum("allocations__amount")):
        assert (payment.allocated or 0) == payment.allocated_amount <= payment.amount
        assert payment.allocations.exclude(invoice__customer_id=payment.customer_id).count() == 0
    numbers = Invoice.objects.exclude(number="").values("number")
    assert numbers.count() == numbers.distinct().count()
    for order in Order.objects.filter(state__in=["invoiced", "closed"]):
        issued = order.invoices.exclude(state__in=["draft", "void", "cancelled"])
        assert issued.aggregate(t=Sum("amount"))["t"] >= order.amount
    # Ids continue above the generated ones.
    user = User.objects.create(username="after-generation")
    assert user.pk > User.objects.exclude(pk=user.pk).aggregate(m=Max("id"))["m"]
    assert Lead.objects.aggregate(m=Min("id"))["m"] == 1


@pytest.mark.django_db(transaction=True)
def test_small_company_on_sqlite_or_the_configured_database_obeys_the_invariants():
    output = generate()
    assert "Generated" in output
    assert_company_invariants()


@pytest.mark.django_db(transaction=True)
def test_a_second_run_keeps_the_finished_tables_and_reset_starts_over():
    generate()
    before = Lead.objects.count(), Invoice.objects.count(), Allocation.objects.count()
    output = generate()
    assert "already written, kept" in output
    assert (Lead.objects.count(), Invoice.objects.count(), Allocation.objects.count()) == before
    generate(reset=True)
    assert (Lead.objects.count(), Invoice.objects.count(), Allocation.objects.count()) == before
    assert_company_invariants()


@pytest.mark.django_db(transaction=True)
def test_a_database_with_other_data_is_refused_without_reset():
    from django.core.management.base import CommandError

    Team.objects.create(name="Someone's team")
    with pytest.raises(CommandError, match="--reset"):
        generate()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_small_company_on_postgresql_by_copy_obeys_the_invariants(postgres):
    generate(reset=True)
    assert_company_invariants()


def test_company_keys_composed_from_parts_equal_the_normalised_name():
    for index in range(0, 400_000, 997):
        name, key = Generator.company_and_key(index)
        assert company_key(name) == key
