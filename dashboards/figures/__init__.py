"""THE definitions of the dashboard figures. The pages, the API, the exports and the drill-down
lists all call these functions, so they show the same number.

Each figure takes a ``Scope`` (whose records: see ``scope.py``) and a ``Period`` (``periods.py``)
and returns plain dicts and lists. Every number is grouped and summed by the database; Python
only walks the few result groups (stages, months, grades, reasons), never the rows.

Money: amounts are in one currency (``currency``, the company's by default). Records in another
currency still count in the counts but add nothing to the amounts (there is no exchange rate).
Rates are shares between 0 and 1 (``None`` when there is nothing to divide by). Durations are days
with one decimal; percentiles are nearest-rank (``stats.py``).
"""

from ._base import (  # noqa: F401  (re-exported: callers import from here)
    CLOSED,
    MONEY,
    NO_SOURCE,
    ZERO,
    _in,
    _money,
    _now,
    _on,
    _sum,
    default_currency,
    rate,
)
from .cycles import (  # noqa: F401  (re-exported: callers import from here)
    _duration,
    _spread,
    _whole_days,
    cycle_times,
    order_to_cash_days,
    paid_invoices,
)
from .forecast import (  # noqa: F401  (re-exported: callers import from here)
    forecast,
    forecast_deals,
    gap_causes,
    targets_by_month,
    won_deals,
)
from .funnel import (  # noqa: F401  (re-exported: callers import from here)
    _one,
    _stage_moves,
    entered_stage,
    funnel,
    leads_created,
    open_in_stage,
)
from .leakage import (  # noqa: F401  (re-exported: callers import from here)
    LEAKAGE_KINDS,
    _leakage_groups,
    _leakage_row,
    _overdue_now,
    _recovered_for_deadline,
    _user_names,
    leakage,
    leakage_filters,
    leakage_leads,
)
from .revenue import (  # noqa: F401  (re-exported: callers import from here)
    receivables,
    revenue,
)
from .visits import (  # noqa: F401  (re-exported: callers import from here)
    visit_cadence,
)
from .win_rate import (  # noqa: F401  (re-exported: callers import from here)
    _WIN_COLUMNS,
    _WIN_GROUPS,
    _money_sum,
    _win_counts,
    _win_groups,
    _win_row,
    closed_deals,
    win_rate,
    win_rate_deals,
)
