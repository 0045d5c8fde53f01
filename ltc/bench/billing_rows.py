"""Invoices, payments and allocations of the generated company, by billing's rules: an advance
invoice of the signing milestone per contract, order invoices for accepted work (never more than
accepted, never past the contract's amount), dated milestones once due; payments allocated to
invoices of their customer (never more than the payment nor the invoice); orders invoiced when
their issued invoices cover them and closed when those are paid."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings

from billing.models import Allocation, Invoice, NumberSequence, Payment

MODELS = [Invoice, Payment, Allocation, NumberSequence]
TAX = Decimal("13.00")
PAY_DAYS = 30


def steps(gen) -> list:
    return [
        ("invoices", lambda: invoices(gen)),
        ("payments", lambda: payments(gen)),
        ("allocations", lambda: allocations(gen)),
        ("invoice numbers", lambda: sequences(gen)),
    ]


def plan_contract_states(gen) -> None:
    """Contracts stay signed or executing: closing one needs its evaluation, which the
    generated company has not written yet."""


def plan_order_states(gen) -> None:
    """Plan every invoice, payment and allocation, then move the orders they cover."""
    from .generator import Rows  # noqa: F401  (the steps below build Rows)

    rng = gen.rng("billing")
    today = gen.now.date()
    plan: list = []
    terms = {c.id: 3 * (c.id - 1) for c in gen.contract_plan}  # term ids: 3 per contract
    orders_of: dict[int, list] = {}
    for o in gen.order_plan:
        orders_of.setdefault(o.contract.id, []).append(o)
    budget = gen.sizes.invoices
    for c in gen.contract_plan:
        room = c.amount
        issued = min(today, c.signed + timedelta(days=rng.randint(1, 10)))
        advance = (c.amount * Decimal("0.30")).quantize(Decimal("0.01"))
        plan.append(
            SimpleNamespace(
                contract=c,
                order=None,
                term=terms[c.id] + 1,
                amount=advance,
                started=c.signed,
                issued=issued,
            )
        )
        room -= advance
        for o in orders_of.get(c.id, []):
            accepted = sum((u.amount for u in o.units if u.state == "accepted"), Decimal(0))
            if not accepted or room <= 0 or rng.random() < 0.15:
                continue  # accepted work not invoiced yet: the work queue shows it
            last = max(u.accepted for u in o.units if u.accepted)
            amount = min(accepted, room)
            room -= amount
            plan.append(
                SimpleNamespace(
                    contract=c,
                    order=o,
                    term=None,
                    amount=amount,
                    started=o.date,
                    issued=min(today, last + timedelta(days=rng.randint(1, 15))),
                )
            )
        due_term = c.signed + timedelta(days=365)
        if due_term <= today and room > 0 and rng.random() < 0.7:
            amount = min(room, (c.amount * Decimal("0.10")).quantize(Decimal("0.01")))
            plan.append(
                SimpleNamespace(
                    contract=c,
                    order=None,
                    term=terms[c.id] + 3,
                    amount=amount,
                    started=c.signed,
                    issued=min(today, due_term + timedelta(days=3)),
                )
            )
    # Keep the newest invoices when the plan runs over the size asked for.
    plan.sort(key=lambda i: i.issued)
    plan = plan[-budget:] if len(plan) > budget else plan
    numbers: dict[int, int] = {}
    for iid, inv in enumerate(plan, start=1):
        inv.id = iid
        age = (today - inv.issued).days
        if age < 3 and rng.random() < 0.3:
            inv.state, inv.number, inv.year, inv.due = "draft", "", None, None
            inv.issued_on = None
            continue
        year = inv.issued.year
        numbers[year] = numbers.get(year, 0) + 1
        inv.year, inv.number = year, f"INV-{year}-{numbers[year]:06d}"
        inv.issued_on, inv.due = inv.issued, inv.issued + timedelta(days=PAY_DAYS)
        inv.state = "issued"
    gen.invoice_plan = plan
    gen.invoice_numbers = numbers
    _plan_payments(gen, rng, today)
    # Orders whose issued invoices cover them are invoiced; closed once those are all paid.
    by_order: dict[int, list] = {}
    for inv in plan:
        if inv.order is not None and inv.state != "draft":
            by_order.setdefault(inv.order.id, []).append(inv)
    for o in gen.order_plan:
        rows = by_order.get(o.id, [])
        if o.state == "delivered" and rows and sum(i.amount for i in rows) >= o.amount:
            o.state = "closed" if all(i.state == "paid" for i in rows) else "invoiced"


def _plan_payments(gen, rng, today) -> None:
    """Most invoices past half their term are paid by one payment; some two invoices of a
    customer by one; some partly; a few payments leave unapplied credit."""
    payments, allocs = [], []
    budget = gen.sizes.payments
    pid = 0
    pending = None  # an invoice waiting to share a payment with the next one of its customer
    for inv in gen.invoice_plan:
        if inv.state == "draft":
            continue
        age = (today - inv.issued_on).days
        if age < 10 or rng.random() > min(0.95, age / 60) or pid >= budget:
            continue
        customer = inv.contract.deal.customer
        partial = rng.random() < 0.08
        paid = (
            inv.amount if not partial else (inv.amount * Decimal("0.5")).quantize(Decimal("0.01"))
        )
        on = min(today, inv.issued_on + timedelta(days=rng.randint(5, 75)))
        if pending is not None and pending[0] == customer and not partial:
            payment, _first = pending[1], pending[2]
            payment.amount += paid
            payment.on = max(payment.on, on)
            pending = None
        else:
            pid += 1
            payment = SimpleNamespace(
                id=pid, customer=customer, amount=paid, on=on, reference=f"BANK-{pid:08d}"
            )
            payments.append(payment)
            pending = (customer, payment, inv) if rng.random() < 0.15 else None
        allocs.append(SimpleNamespace(payment=payment, invoice=inv, amount=paid, on=payment.on))
        inv.paid_amount = paid
        inv.state = "paid" if paid == inv.amount else "partially_paid"
        inv.paid_on = payment.on if inv.state == "paid" else None
    for payment in payments:
        payment.allocated = payment.amount
        if rng.random() < 0.03:  # an overpayment left as the customer's credit
            payment.amount += Decimal(rng.randint(1, 50) * 100)
    # Allocation dates: the payment's date (the invoice's paid_on follows it).
    for a in allocs:
        a.on = a.payment.on
        if a.invoice.state == "paid":
            a.invoice.paid_on = a.on
    gen.payment_plan, gen.allocation_plan = payments, allocs


def invoices(gen):
    from .generator import Rows
    from .tables import Table

    currency = settings.LTC_DEFAULT_CURRENCY
    table = Table(
        Invoice,
        [
            "id",
            "number",
            "year",
            "customer_id",
            "contract_id",
            "order_id",
            "term_id",
            "amount",
            "currency",
            "tax_rate",
            "payment_days",
            "paid_amount",
            "state",
            "started_on",
            "issued_on",
            "due_date",
            "paid_on",
            "cash_days",
            "created_by_id",
            "created_at",
        ],
    )
    finance = gen.org.finance
    tz = gen.now.tzinfo

    def rows():
        from datetime import datetime

        for inv in gen.invoice_plan:
            paid_on = getattr(inv, "paid_on", None)
            created = datetime.combine(inv.issued, datetime.min.time(), tzinfo=tz)
            yield (
                inv.id,
                inv.number,
                inv.year,
                inv.contract.deal.customer,
                inv.contract.id,
                inv.order.id if inv.order else None,
                inv.term,
                inv.amount,
                currency,
                TAX,
                PAY_DAYS,
                getattr(inv, "paid_amount", Decimal("0")),
                inv.state,
                inv.started,
                inv.issued_on,
                inv.due,
                paid_on,
                (paid_on - inv.started).days if paid_on else None,
                finance[inv.id % len(finance)],
                created,
            )

    return Rows(table, rows(), len(gen.invoice_plan))


def payments(gen):
    from .generator import Rows
    from .tables import Table

    currency = settings.LTC_DEFAULT_CURRENCY
    table = Table(
        Payment,
        [
            "id",
            "customer_id",
            "amount",
            "currency",
            "received_on",
            "reference",
            "allocated_amount",
            "created_by_id",
            "created_at",
        ],
    )
    finance = gen.org.finance
    tz = gen.now.tzinfo

    def rows():
        from datetime import datetime

        for p in gen.payment_plan:
            yield (
                p.id,
                p.customer,
                p.amount,
                currency,
                p.on,
                p.reference,
                p.allocated,
                finance[p.id % len(finance)],
                datetime.combine(p.on, datetime.min.time(), tzinfo=tz),
            )

    return Rows(table, rows(), len(gen.payment_plan))


def allocations(gen):
    from .generator import Rows
    from .tables import Table

    table = Table(
        Allocation,
        ["payment_id", "invoice_id", "amount", "allocated_on", "created_by_id", "created_at"],
    )
    finance = gen.org.finance
    tz = gen.now.tzinfo

    def rows():
        from datetime import datetime

        for a in gen.allocation_plan:
            yield (
                a.payment.id,
                a.invoice.id,
                a.amount,
                a.on,
                finance[a.payment.id % len(finance)],
                datetime.combine(a.on, datetime.min.time(), tzinfo=tz),
            )

    return Rows(table, rows(), len(gen.allocation_plan))


def sequences(gen):
    """The numbering continues after the generated invoices."""
    from .generator import Rows
    from .tables import Table

    table = Table(NumberSequence, ["kind", "year", "last"])
    numbers = gen.invoice_numbers
    return Rows(table, (("invoice", y, n) for y, n in sorted(numbers.items())), len(numbers))
