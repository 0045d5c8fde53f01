"""Leads (线索): where they come from (sources, campaigns), the pools they wait in, the lead's state
machine and its recoveries, and the bulk imports.

A package, one module per concept, every name re-exported here (migrations name
``leads.models.import_stored_name``): ``sources`` (sources, pools, campaigns), ``lead`` (the
lead, its conditions and recoveries), ``imports`` (import jobs and their rows)."""

from .imports import (  # noqa: F401  (re-exported: callers import from here)
    ImportState,
    LeadImport,
    LeadImportQuerySet,
    LeadImportRow,
    RowOutcome,
    import_stored_name,
)
from .lead import (  # noqa: F401  (re-exported: callers import from here)
    OPEN_STATES,
    DisqualifyReason,
    Lead,
    LeadRecovery,
    LeadState,
    has_budget_confirmed,
    has_disqualify_reason,
    has_follow_up,
    has_need,
    has_no_owner,
    has_owner,
)
from .sources import (  # noqa: F401  (re-exported: callers import from here)
    Campaign,
    Pool,
    Source,
)
