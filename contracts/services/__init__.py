"""Every operation that changes a quote or a contract. One transaction each; errors name what is
missing. Signing wins the opportunity in the same transaction: both change, or neither."""

# The domain errors the services raise, readable as ``services.TransitionRefused`` etc. as
# before the split (callers and tests catch them so).
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused  # noqa: F401

from ._common import (  # noqa: F401  (re-exported: callers import from here)
    _AMOUNT_CHECKS,
    _CHANGE_LISTENERS,
    _CLOSE_CHECKS,
    _deal_url,
    _require,
    register_amount_check,
    register_change_listener,
    register_close_check,
)
from .changes import (  # noqa: F401  (re-exported: callers import from here)
    _locked_change,
    apply_change,
    assess_change,
    decide_change,
    request_change,
)
from .drafting import (  # noqa: F401  (re-exported: callers import from here)
    EDITABLE_FIELDS,
    _check_amount,
    _check_cost,
    _clean_contract_fields,
    _locked_contract,
    _log_risk,
    _refuse_off_track,
    _set_commercial_fields,
    _snapshot,
    _terms_as_rows,
    _write_terms,
    assess_contract_cost,
    clean_terms,
    clear_contract_risk,
    create_contract,
    update_contract,
)
from .lifecycle import (  # noqa: F401  (re-exported: callers import from here)
    accept_contract,
    cancel_contract,
    close_contract,
    close_missing,
    decide_contract,
    escalation_reasons,
    follow_review,
    is_escalated,
    record_evaluation,
    reviewed_margin,
    sign_contract,
    submit_contract,
)
from .quotes import (  # noqa: F401  (re-exported: callers import from here)
    _KEEP,
    _apply_catalogue_costs,
    _check_line_rights,
    _check_unit_cost,
    _clean_lines,
    _costs_changed,
    _line_as_input,
    _line_key,
    _lines_before,
    _locked_quote,
    _quote_cost,
    _write_lines,
    create_quote,
    decide_quote,
    record_quote_answer,
    revise_quote,
    send_quote,
    set_quote_costs,
    submit_quote,
    update_quote,
)
from .rules import (  # noqa: F401  (re-exported: callers import from here)
    change_actions,
    contract_actions,
    new_contract_action,
    new_quote_action,
    offered,
    quote_actions,
)
