"""Notification kinds: each app registers its message templates here, keyed by a code.

Templates are lazy translations formatted with the notification's params when displayed.
"""

from django.utils.translation import gettext as _gettext

_KINDS: dict = {}


def register_own() -> None:
    """This app's own kinds (called from its AppConfig.ready)."""
    from django.utils.translation import gettext_lazy as _

    register("activity_planned", _("%(by)s planned “%(title)s” for you."))


def register(kind: str, template) -> None:
    _KINDS[kind] = template


def render(kind: str, params: dict) -> str:
    template = _KINDS.get(kind)
    if template is None:
        return kind
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return _gettext(str(template))
