"""The quote and contract pages. Same services and scoping as the API; views only translate
errors into form errors or flash messages listing every missing item."""

from ._common import (  # noqa: F401  (re-exported: callers import from here)
    CANCELLABLE,
    PAGE_SIZE,
    QUOTE_VALIDITY_DAYS,
    REVIEW_ASSESSMENTS,
    _company_name,
    _deal,
    _show_refusal,
)
from .approvals import (  # noqa: F401  (re-exported: callers import from here)
    approvals,
)
from .contract_actions import (  # noqa: F401  (re-exported: callers import from here)
    _change,
    _contract_post,
    change_apply,
    change_assess,
    change_decide,
    change_request,
    contract_accept,
    contract_assess,
    contract_cancel,
    contract_clear_risk,
    contract_close,
    contract_costs,
    contract_decide,
    contract_evaluate,
    contract_sign,
    contract_submit,
)
from .contract_pages import (  # noqa: F401  (re-exported: callers import from here)
    CONTRACT_RELATED,
    SORTS,
    _base_quote,
    _change_rows,
    _contract,
    _contract_editor,
    _contract_url,
    _review_view,
    _terms_of,
    contract_create,
    contract_detail,
    contract_edit,
    contract_list,
)
from .quotes import (  # noqa: F401  (re-exported: callers import from here)
    QUOTE_RELATED,
    _catalogue_choices,
    _flag_discounts,
    _lines_of,
    _quote,
    _quote_editor,
    _quote_lines,
    _quote_url,
    quote_answer,
    quote_costs,
    quote_create,
    quote_decide,
    quote_detail,
    quote_edit,
    quote_print,
    quote_revise,
    quote_send,
    quote_submit,
)
