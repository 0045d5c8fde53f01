"""A figure's request: the scope, the period and the currency, read from query parameters the
same way for the API, the pages, the exports and the drill-down lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput
from ltc.core.money import Currency

from .periods import Period, parse_period
from .scope import Scope, resolve_scope


@dataclass(frozen=True)
class FigureRequest:
    scope: Scope
    period: Period
    currency: str


def figure_request(user, params) -> FigureRequest:
    """Raises ``InvalidInput`` naming the field for a malformed value and ``Http404`` for a team
    or person outside the user's scope."""
    currency = (params.get("currency") or settings.LTC_DEFAULT_CURRENCY).strip().upper()
    if currency not in Currency.values:
        raise InvalidInput(
            _("Choose one of the currencies: %(list)s.") % {"list": ", ".join(Currency.values)},
            "currency",
        )
    period = parse_period(params.get("period"), params.get("from"), params.get("to"))
    scope = resolve_scope(user, team=params.get("team"), owner=params.get("owner"))
    return FigureRequest(scope=scope, period=period, currency=currency)
