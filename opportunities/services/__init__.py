"""Every operation that changes an opportunity. One transaction each; errors name what is missing.

A package, one module per concept; every name is re-exported here so callers keep importing
``opportunities.services.X``: ``rules`` (who may do what), ``stages`` (processes and stage
mechanics), ``grading``, ``creating`` (create, convert a lead, edit), ``gates`` (advance, tasks),
``reviews``, ``closing`` (lost, won), ``engagement`` (decision chain, competitors, visits, the
cadence sweep)."""

# The domain errors the services raise, readable as ``services.TransitionRefused`` etc. as
# before the split (callers and tests catch them so).
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused  # noqa: F401

from .closing import (  # noqa: F401  (re-exported: callers import from here)
    _deal_payload,
    _won_comment,
    close_lost,
    mark_won,
    set_won_value,
    win_missing,
    win_partner_deal,
)
from .creating import (  # noqa: F401  (re-exported: callers import from here)
    EDITABLE_FIELDS,
    _check_triangle_member,
    convert_lead,
    create_opportunity,
    update_opportunity,
)
from .engagement import (  # noqa: F401  (re-exported: callers import from here)
    VISIT_KINDS,
    add_competitor,
    add_decision_maker,
    complete_planned_activity,
    log_activity,
    notify_missed_cadence,
)
from .gates import (  # noqa: F401  (re-exported: callers import from here)
    advance,
    complete_task,
    gate,
)
from .grading import (  # noqa: F401  (re-exported: callers import from here)
    _set_grade,
    regrade,
    take_back_if_off_track,
)
from .reviews import (  # noqa: F401  (re-exported: callers import from here)
    ASSESSMENT_BY_ROLE,
    _apply_assessments,
    _assessments_allowed,
    _first_approval,
    ask_assessors,
    assess_review,
    decide_review,
    request_review,
)
from .rules import (  # noqa: F401  (re-exported: callers import from here)
    CLOSED,
    _closed_items,
    _is_admin,
    _locked,
    _require,
    _require_open,
    decision_refused,
    in_triangle,
    manages_deal,
    may_decide,
    may_steer,
    opportunity_actions,
    review_actions,
    role_user_id,
    works_on,
)
from .stages import (  # noqa: F401  (re-exported: callers import from here)
    _enter_stage,
    _open_tasks,
    first_stage,
    grade_for,
    next_stage,
    process_for,
    target_stage,
    track_missing,
)
