"""Demo billing on the executing contract (30% on signing, 60% on acceptance, 10% retention a
year out): the advance invoiced and paid, the accepted PO invoiced at its acceptance share, 60%
of each accepted unit (one invoice overdue, one partly paid by a payment that leaves unapplied
credit), an invoice voided by its credit note, and the retention left for its date (the work
queue shows it due then). Played through the billing services, like the rest of the demo, so
every number and state is one the application could have produced."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def seed_billing(contract, users) -> None:
    from billing import services as billing
    from contracts.models import Trigger

    finance = users["finance"]
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=3)  # the first units' acceptance date
    po = contract.orders.get(number="PO-HT-2401")
    advance_term = contract.terms.filter(trigger=Trigger.SIGNING).first()

    # The first unit (160,000) invoiced at 60% on the day of its acceptance, payable the next
    # day: overdue now.
    overdue = billing.create_invoice(
        by=finance, order=po, amount="96000", payment_days=1, note="第一批备件验收开票(验收款 60%)"
    )
    billing.issue_invoice(invoice=overdue, by=finance, on=last_month)

    advance = billing.create_invoice(
        by=finance,
        contract=contract,
        term=advance_term,
        amount=str(advance_term.amount_of(contract.amount)),
        note="合同预付款",
    )
    advance = billing.issue_invoice(invoice=advance, by=finance, on=contract.signed_on)

    # The second unit (80,000) at 60%: first with the wrong tax rate, voided, then again.
    wrong = billing.create_invoice(by=finance, order=po, amount="48000", tax_rate="9")
    wrong = billing.issue_invoice(invoice=wrong, by=finance)
    billing.void_invoice(invoice=wrong, by=finance, reason="税率错误(应为 13%),红字冲销后重开")

    service = billing.create_invoice(
        by=finance,
        order=po,
        amount="48000",
        lines=[{"description": "苏州总厂 巡检服务 上半年(验收款 60%)", "amount": "48000"}],
    )
    service = billing.issue_invoice(invoice=service, by=finance)

    billing.record_payment(
        by=finance,
        customer=contract.customer,
        amount=str(advance.amount),
        currency=contract.currency,
        reference="ICBC-20240001",
        received_on=today - timedelta(days=1),
        allocations=[{"invoice": advance.pk, "amount": advance.amount}],
    )
    billing.record_payment(
        by=finance,
        customer=contract.customer,
        amount="50000",
        currency=contract.currency,
        reference="ICBC-20240002",
        received_on=today,
        allocations=[{"invoice": service.pk, "amount": "30000"}],
        note="客户一次汇款,余额待核销",
    )
