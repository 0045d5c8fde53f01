"""Every operation that changes an invoice, a credit note, a payment or an allocation. One
transaction each, on rows taken with ``select_for_update``.

Lock order (so concurrent operations never deadlock): payment → invoices (by pk) → contract →
delivery units (by pk) → order. Invoicing locks the contract and the order's units before it
computes what is invoiceable, so two concurrent invoices, or an invoice and an acceptance
correction, can never together run ahead of acceptance or milestones.
"""

# The domain errors the services raise, readable as ``services.TransitionRefused`` etc. as
# before the split (callers and tests catch them so).
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused  # noqa: F401

from ._common import (  # noqa: F401  (re-exported: callers import from here)
    MAX_LINES,
    AboveInvoiceable,
    DuplicatePayment,
    _check_date,
    _invoice_url,
    _log,
    _money,
    _next_number,
    _require_biller,
    _tax_rate,
    may_bill,
)
from .checks import (  # noqa: F401  (re-exported: callers import from here)
    contract_invoiced_in_full,
    invoices_fit_terms,
    invoices_stay_covered,
    notify_overdue_invoices,
    orders_invoiced_and_paid,
    register_contract_checks,
)
from .invoices import (  # noqa: F401  (re-exported: callers import from here)
    _acceptance_days,
    _active,
    _clean_lines,
    _lock_contract,
    _lock_order,
    _locked_invoice,
    _refuse_above,
    cancel_draft,
    create_invoice,
    issue_invoice,
    sync_order,
    void_invoice,
)
from .payments import (  # noqa: F401  (re-exported: callers import from here)
    _allocate,
    _clean_allocations,
    _duplicate,
    _locked_payment,
    allocate_payment,
    record_payment,
    release_allocation,
)
