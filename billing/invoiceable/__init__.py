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
contract's terms (no query), and word their reasons, in the language of the moment, when asked;
``for_order`` and ``for_contract`` read those numbers with a fixed number of aggregate queries. The work queue sorts every order by what is
invoiceable, so there the database computes that figure (``top_orders`` and ``QueuePage``, one
grouped statement); tests/billing/test_invoiceable_sql.py holds it to ``order_figures`` on random
data, and the rows' figures and reasons still come from ``order_figures``.
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
    for_order,
    order_figures,
)
from .queue import (  # noqa: F401  (re-exported: callers import from here)
    _ORDERINGS,
    QueuePage,
    _queue_rows,
    _with_figures,
    contracts_for_queue,
    figures_of_contract,
    queue_contracts,
    top_orders,
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
)
