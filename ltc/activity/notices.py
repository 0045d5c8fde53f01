"""Notification kinds: each app registers its message templates here, keyed by a code.

Templates are lazy translations formatted with the notification's params when displayed.
"""

from django.utils.translation import gettext as _gettext

_KINDS: dict = {}
# The kinds meant for a manager about their team: posted to the team's group robot too.
_MANAGER_ALERTS: set[str] = set()


def register_own() -> None:
    """This app's own kinds (called from its AppConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    register("activity_planned", _("%(by)s planned “%(title)s” for you."))


def register(kind: str, template, *, manager_alert: bool = False) -> None:
    _KINDS[kind] = template
    if manager_alert:
        _MANAGER_ALERTS.add(kind)


def kinds() -> list[str]:
    return sorted(_KINDS)


def is_manager_alert(kind: str) -> bool:
    return kind in _MANAGER_ALERTS


class _Blank(dict):
    def __missing__(self, key):
        return "…"


def describe(kind: str) -> str:
    """The kind's text with "…" for its details, to name it on the preferences page."""
    template = _KINDS.get(kind)
    if template is None:
        return kind
    try:
        return str(template) % _Blank()
    except (TypeError, ValueError):
        return str(template)


# Params that hold an amount: stored as plain decimals ("3490000.00"), shown grouped
# ("3,490,000.00") whatever the language; the template puts the currency after them.
MONEY_PARAMS = frozenset({"amount", "outstanding", "total", "price", "value", "discount_amount"})


def _shown(params: dict) -> dict:
    from decimal import Decimal, InvalidOperation

    from ltc.core.money import format_money

    shown = dict(params)
    for key in MONEY_PARAMS & shown.keys():
        try:
            shown[key] = format_money(Decimal(str(shown[key])))
        except (InvalidOperation, ValueError, TypeError):
            continue
    return shown


def render(kind: str, params: dict) -> str:
    template = _KINDS.get(kind)
    if template is None:
        return kind
    try:
        return str(template) % _shown(params)
    except (KeyError, TypeError, ValueError):
        return _gettext(str(template))
