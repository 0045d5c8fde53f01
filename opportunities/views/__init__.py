"""The opportunity pages. Same services and scoping as the API; views only translate errors.

A package, one module per concept, every name re-exported here (``opportunities/urls.py`` and
the tests keep naming ``views.X``): ``lists``, ``board``, ``pages`` (one deal: its page, create,
convert, edit), ``actions`` (the POST-only buttons of the deal page), ``reviews``."""

from ._common import (  # noqa: F401  (re-exported: callers import from here)
    AR_ROLES,
    PAGE_SIZE,
    RECENT_REVIEW_DAYS,
    _choice_widget,
    _detail_url,
    _flash_sent_back,
    _gate_view,
    _get,
    _int_param,
    _owner_choices,
    _review_kinds,
    _scope,
    _team_choices,
)
from .actions import (  # noqa: F401  (re-exported: callers import from here)
    activity_add,
    advance,
    chain_add,
    competitor_add,
    lose,
    regrade,
    review_request,
    task_complete,
    win,
)
from .board import (  # noqa: F401  (re-exported: callers import from here)
    _CARD,
    _MOVE_FORM,
    BOARD_CARD_FIELDS,
    BOARD_CARDS_PER_STAGE,
    _cards_html,
    _url_maker,
    board,
    default_process,
)
from .lists import (  # noqa: F401  (re-exported: callers import from here)
    SORTS,
    opportunity_list,
)
from .pages import (  # noqa: F401  (re-exported: callers import from here)
    convert,
    create,
    detail,
    edit,
    move,
)
from .reviews import (  # noqa: F401  (re-exported: callers import from here)
    _get_review,
    _my_missing_assessments,
    review,
    review_assess,
    review_decide,
    reviews,
)
