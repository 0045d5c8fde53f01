"""Quotes and contracts (报价与合同): approval-gated quotes with versions, contracts reviewed by the
iron triangle and signed to win the deal, payment milestones, change requests with versions, and
the closing evaluation."""

from django.utils.translation import gettext_lazy as _

from ltc.core.deletion import never_deleted

from ._common import (  # noqa: F401  (re-exported: callers import from here)
    HUNDRED,
    CommercialPolicy,
    margin_of,
)
from .agreements import (  # noqa: F401  (re-exported: callers import from here)
    ACTIVE_STATES,
    OWNED_COST_SOURCES,
    Contract,
    ContractState,
    ContractVersion,
    CostSource,
    PaymentTerm,
    Trigger,
    has_approved_review,
    has_evaluation,
    has_fulfillment_owner,
    has_positive_amount,
    terms_total_100,
)
from .changes import (  # noqa: F401  (re-exported: callers import from here)
    ChangeRequest,
    ChangeState,
    Evaluation,
    has_fr_assessment,
    has_sr_assessment,
)
from .quotes import (  # noqa: F401  (re-exported: callers import from here)
    Quote,
    QuoteLine,
    QuoteState,
    discount_needs_approval,
    discount_needs_no_approval,
    has_lines,
    is_still_valid,
)

# Money records are cancelled or superseded, never deleted (ltc/core/deletion.py).
never_deleted(Quote, instead=_("Revise it (a new version) or record the customer's answer."))
never_deleted(Contract, instead=_("Cancel it, or change it by a change request."))
never_deleted(
    PaymentTerm,
    # A draft's milestones are rewritten while it is drafted, and an applied change replaces
    # those of a signed contract (its previous version keeps them); an invoiced one stays.
    unless=lambda term: (
        not term.invoices.exists()
        and Contract.objects.filter(
            pk=term.contract_id,
            state__in=[ContractState.DRAFT, ContractState.SIGNED, ContractState.EXECUTING],
        ).exists()
    ),
    instead=_("Change the contract's milestones by a change request."),
)
