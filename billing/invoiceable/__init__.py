"""What may be invoiced now, and why not the rest (开票额度): the one definition that the invoice
services, the 409, the invoice form, the work queue (page and API) and the checks billing
registers with delivery and contracts all use.

The rule follows the contract's payment terms (SPEC 5):
- an order: its accepted value × the share of the terms triggered on acceptance (the sum of the
  acceptance milestones' percents; rounded to the cent once per order), minus what live
  invoices (drafts included) hold on the order;
- a contract, for its milestones on signing (the advance) and on a date (retention, warranty):
  the milestones triggered now minus what is invoiced against the contract itself; an invoice
  naming one milestone also stays within that milestone's amount minus the invoices naming it;
- either within the contract's room (its amount minus everything live invoiced on it); never
  negative; and nothing more on a closed order (invoiced and paid).
With 30% at signing, 60% on acceptance and 10% on a date, a fully accepted order of 1,000,000 is
invoiceable at 600,000: the advance (300,000, invoiced against the contract on signing) covers
its 30%, the retention its last 100,000 on its date. Terms of 100% on acceptance invoice the
accepted value; terms without an acceptance milestone invoice nothing on the orders.

``order_figures`` and ``contract_figures`` compute the figures from plain numbers and the
contract's terms (no query), and word their reasons, in the language of the moment, when asked.
``figures_of_orders`` is the one reader of an order's numbers (three grouped queries for any
number of orders); ``for_order`` is it for one order, ``for_contract`` the contract's reader.

What is invoiceable on each order is also kept on the order (``Order.invoiceable``), written by
``store_invoiceable`` from ``figures_of_orders`` in the transaction that accepts, invoices,
cancels, voids, closes or changes the contract, so the work queue (``queue_orders``, paged by
keyset) reads its top from an index. tests/reliability/test_payment_terms_machine.py holds the
stored column to the definition after random sequences of those changes;
``manage.py store_invoiceable`` rewrites it after a bulk load.
"""

from .milestones import (  # noqa: F401  (re-exported: callers import from here)
    ContractFigures,
    Milestone,
    _contract_reasons,
    _milestone_reason,
    _terms_with_invoiced,
    contract_figures,
    for_contract,
)
from .orders import (  # noqa: F401  (re-exported: callers import from here)
    OrderFigures,
    _order_reasons,
    _total,
    accepted_value,
    figures_of_orders,
    for_order,
    order_figures,
)
from .queue import (  # noqa: F401  (re-exported: callers import from here)
    contracts_for_queue,
    contracts_invoiceable_now,
    figures_of_contract,
    queue_contracts,
    queue_orders,
    store_all,
    store_invoiceable,
    top_orders,
    with_figures,
    with_milestones_maybe_due,
)
from .terms import (  # noqa: F401  (re-exported: callers import from here)
    HUNDRED,
    NOTHING,
    TERM_FIELDS,
    Term,
    _labels,
    _room_reason,
    _sum,
    acceptance_percent,
    live_invoices,
    money,
    percent,
    proposed_terms,
    share_of,
    split,
    terms_of,
    terms_of_contracts,
)
