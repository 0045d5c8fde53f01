"""Every operation that changes a lead. One transaction each; errors name what is missing.

A package, one module per concept; every name is re-exported here so callers keep importing
``leads.services.X``: ``rules`` (who may do what: ``lead_actions``), ``editing`` (create, edit,
duplicates), ``pool`` (claim, assign, release), ``working`` (follow-ups, validation,
disqualification), ``merging``, ``sweeps`` (the periodic recovery and warning sweeps)."""

# The domain errors the services raise, readable as ``services.TransitionRefused`` etc. as
# before the split (callers and tests catch them so).
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused  # noqa: F401

from .editing import (  # noqa: F401  (re-exported: callers import from here)
    EDITABLE_FIELDS,
    _stamp,
    create_lead,
    default_pool_for,
    find_duplicate,
    update_lead,
)
from .merging import (  # noqa: F401  (re-exported: callers import from here)
    MERGE_FIELDS,
    MERGE_KEEPS_ON_DUPLICATE,
    merge_leads,
)
from .pool import (  # noqa: F401  (re-exported: callers import from here)
    assign_lead,
    claim_lead,
    claim_limits,
    release_lead,
)
from .rules import (  # noqa: F401  (re-exported: callers import from here)
    ASSIGNERS,
    CLAIMERS,
    CREATORS,
    OWNER_ROLES,
    _local_text,
    _locked,
    _require,
    _role,
    lead_actions,
    may_disqualify,
    may_edit,
    may_merge,
    works_on,
)
from .sweeps import (  # noqa: F401  (re-exported: callers import from here)
    recover_overdue_leads,
    warn_leads_due_soon,
)
from .working import (  # noqa: F401  (re-exported: callers import from here)
    complete_planned_follow_up,
    disqualify_lead,
    log_follow_up,
    unmet_for_validation,
    validate_lead,
)
