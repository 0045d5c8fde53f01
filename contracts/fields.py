"""Who may set each commercial field of a contract and a quote line: one table (``RULES``), read
by the services (which refuse with 403 naming every refused field), the forms (which disable what
the user may not set), the serializers (which refuse it before the service runs) and the admin
(read-only fields).

Who is counted from the deal: its AR (the owner), SR, FR, a manager above it (or an
administrator), and finance (which sees every contract).

- Costs are entered by those who know them, the SR, finance or a manager, never by the AR who
  sells at that price: a party the AR is not listed in is refused to the deal's AR even when the
  AR is also a manager or an administrator.
- The margin is never typed by anyone: it is computed from the costs.
- Risk flags and risk texts have two directions. Raising one (marking the contract risky,
  writing a risk or adding to what is written) is open to the AR, the SR, the FR and the
  managers. Clearing one (unmarking it, removing or rewriting what is written) is for the SR and
  FR, who own the risk assessment in the contract review, and the managers above the deal:
  never for the AR. Clearing the flag needs a reason and records who cleared it (the services).
- Giving a field the value it already has needs no right: forms post every field.

The opportunity's own fields (amount, grade, …) are ruled in the opportunities app.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import Missing, NotAllowed
from ltc.org.models import Role
from opportunities.models import Opportunity
from opportunities.services import manages_deal

AR, SR, FR, MANAGER, FINANCE = "ar", "sr", "fr", "manager", "finance"

# What a user may do with a field: give it any value, only raise it (a flag or a risk text),
# or nothing.
SET, RAISE, NONE = "set", "raise", "none"


@dataclass(frozen=True)
class Rule:
    label: Promise
    set_by: frozenset[str]
    who: Promise  # who sets it (for a flag: who raises it), in words
    clear_by: frozenset[str] | None = None  # flags and risk texts: who takes one back
    clear_who: Promise | None = None

    @property
    def has_directions(self) -> bool:
        return self.clear_by is not None


def _rule(label, set_by, who, clear_by=None, clear_who=None) -> Rule:
    return Rule(
        label,
        frozenset(set_by),
        who,
        None if clear_by is None else frozenset(clear_by),
        clear_who,
    )


_DRAFTER = _("the deal's AR or a manager above the deal")
_OFFER = _("the deal's AR or SR or a manager above the deal")
_COSTS = _("the deal's SR, finance or a manager above the deal (never its AR)")
_RISK_RAISE = _("the deal's AR, SR or FR or a manager above the deal")
_RISK_CLEAR = _("the deal's SR or FR or a manager above the deal (never its AR)")

CONTRACT = "contracts.Contract"
QUOTE_LINE = "contracts.QuoteLine"

RULES: dict[tuple[str, str], Rule] = {
    # The contract: what the customer signs is the AR's (and the managers').
    (CONTRACT, "title"): _rule(_("title"), {AR, MANAGER}, _DRAFTER),
    (CONTRACT, "amount"): _rule(_("amount"), {AR, MANAGER}, _DRAFTER),
    (CONTRACT, "currency"): _rule(_("currency"), {AR, MANAGER}, _DRAFTER),
    (CONTRACT, "payment_terms"): _rule(_("payment terms"), {AR, MANAGER}, _DRAFTER),
    (CONTRACT, "our_party"): _rule(_("our party"), {AR, MANAGER}, _DRAFTER),
    (CONTRACT, "customer_party"): _rule(_("customer party"), {AR, MANAGER}, _DRAFTER),
    (CONTRACT, "schedule"): _rule(_("schedule"), {AR, MANAGER}, _DRAFTER),
    # What it costs us, from which the margin is computed.
    (CONTRACT, "cost_amount"): _rule(_("cost"), {SR, FINANCE, MANAGER}, _COSTS),
    (CONTRACT, "cost_note"): _rule(_("basis of the cost"), {SR, FINANCE, MANAGER}, _COSTS),
    (CONTRACT, "margin_percent"): _rule(
        _("margin"),
        set(),
        _("nobody: it is computed from the costs (the quote's cost lines or a cost assessment)"),
    ),
    # Risks: raised by the triangle, cleared by their owners.
    (CONTRACT, "is_risky"): _rule(
        _("risk flag"), {AR, SR, FR, MANAGER}, _RISK_RAISE, {SR, FR, MANAGER}, _RISK_CLEAR
    ),
    (CONTRACT, "cost_risk"): _rule(
        _("cost risk"), {AR, SR, FR, MANAGER}, _RISK_RAISE, {SR, FR, MANAGER}, _RISK_CLEAR
    ),
    # Quote lines: the price and the discount are the offer (composed by the AR and the SR; a
    # discount above the threshold still needs a manager's approval); the unit cost is the
    # owners'.
    (QUOTE_LINE, "unit_price"): _rule(_("unit price"), {AR, SR, MANAGER}, _OFFER),
    (QUOTE_LINE, "discount_percent"): _rule(_("discount"), {AR, SR, MANAGER}, _OFFER),
    (QUOTE_LINE, "unit_cost"): _rule(_("unit cost"), {SR, FINANCE, MANAGER}, _COSTS),
}


def fields_of(model_label: str) -> list[str]:
    return [field for label, field in RULES if label == model_label]


def rule(model_label: str, field: str) -> Rule:
    return RULES[(model_label, field)]


def _label_of(target) -> str:
    return target._meta.label


def deal_of(target) -> Opportunity:
    """The deal a contract, quote or quote line belongs to."""
    if isinstance(target, Opportunity):
        return target
    if hasattr(target, "opportunity"):
        return target.opportunity
    return target.quote.opportunity


def parties(user, target) -> frozenset[str]:
    """What ``user`` is to the deal of ``target``: its AR, SR, FR, a manager above it, finance."""
    deal = deal_of(target)
    found = set()
    if deal.owner_id == user.pk:
        found.add(AR)
    if deal.solution_owner_id == user.pk:
        found.add(SR)
    if deal.fulfillment_owner_id == user.pk:
        found.add(FR)
    if user.role == Role.FINANCE:
        found.add(FINANCE)
    if manages_deal(user, deal):
        found.add(MANAGER)
    return frozenset(found)


def _allowed(who: frozenset[str], allowed: frozenset[str]) -> bool:
    # The AR is refused wherever the AR is not listed, even wearing another hat (a manager who
    # owns the deal does not enter its costs).
    if AR in who and AR not in allowed:
        return False
    return bool(who & allowed)


def _same(old, new) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None or new == "":
            return old is None and (new is None or new == "")
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except InvalidOperation:
            return False
    if isinstance(old, str) and new is None:
        return old == ""
    return old == new


def is_clearing(old, new) -> bool:
    """For a flag or a risk text: does going from ``old`` to ``new`` take (some of) it back?
    Unmarking a flag, emptying a text or rewriting it is clearing; writing where nothing was
    written, or adding after what is written, is raising."""
    if isinstance(old, bool) or isinstance(new, bool):
        return bool(old) and not bool(new)
    old, new = (old or "").strip(), (new or "").strip()
    return bool(old) and not new.startswith(old)


_UNSET = object()


def changed(target, values: dict) -> dict:
    """The values that differ from what ``target`` holds now."""
    return {
        field: value
        for field, value in values.items()
        if not _same(getattr(target, field, None), value)
    }


def may_set(user, target, field: str, value, *, current=_UNSET, who=None) -> bool:
    """May ``user`` give ``field`` of ``target`` (a contract or a quote line, saved or not) the
    value ``value``? ``current`` overrides what the field holds now (e.g. a contract's payment
    terms, or the cost a new quote line carries over)."""
    field_rule = rule(_label_of(target), field)
    old = getattr(target, field, None) if current is _UNSET else current
    if _same(old, value):
        return True
    who = parties(user, target) if who is None else who
    if field_rule.has_directions and is_clearing(old, value):
        return _allowed(who, field_rule.clear_by)
    return _allowed(who, field_rule.set_by)


def access(user, target, field: str, *, who=None) -> str:
    """``SET`` (any value), ``RAISE`` (a flag or risk: only raise it) or ``NONE``: what the forms
    and the admin offer."""
    field_rule = rule(_label_of(target), field)
    who = parties(user, target) if who is None else who
    if field_rule.has_directions and _allowed(who, field_rule.clear_by):
        return SET
    if _allowed(who, field_rule.set_by):
        return RAISE if field_rule.has_directions else SET
    return NONE


def refusal(user, target, field: str, value, *, current=_UNSET, who=None) -> Missing | None:
    """The refusal of one field, naming it and who may set it; None when allowed."""
    if may_set(user, target, field, value, current=current, who=who):
        return None
    field_rule = rule(_label_of(target), field)
    old = getattr(target, field, None) if current is _UNSET else current
    if field_rule.has_directions and is_clearing(old, value):
        return Missing(
            field,
            _("Clearing the %(field)s is for %(who)s.")
            % {"field": field_rule.label, "who": field_rule.clear_who},
        )
    return Missing(
        field,
        _("The %(field)s is set by %(who)s.") % {"field": field_rule.label, "who": field_rule.who},
    )


def require(user, target, values: dict, *, current: dict | None = None) -> None:
    """Refuse (403) unless ``user`` may give every field its value; the refusal lists every
    refused field, not the first."""
    current = current or {}
    who = parties(user, target)
    refused = [
        item
        for field, value in values.items()
        if (
            item := refusal(user, target, field, value, current=current.get(field, _UNSET), who=who)
        )
        is not None
    ]
    if refused:
        raise NotAllowed(
            _("You may not set: %(fields)s.")
            % {"fields": ", ".join(str(rule(_label_of(target), m.code).label) for m in refused)},
            refused,
        )


def require_right(user, target, field: str, *, clearing: bool = False) -> None:
    """Refuse (403) unless ``user`` may set ``field`` at all (clear it, for a flag): the
    dedicated actions (enter the cost, clear the risk) check this whatever the value."""
    field_rule = rule(_label_of(target), field)
    who = parties(user, target)
    allowed = field_rule.clear_by if clearing else field_rule.set_by
    if _allowed(who, allowed):
        return
    text = (
        _("Clearing the %(field)s is for %(who)s.")
        % {"field": field_rule.label, "who": field_rule.clear_who}
        if clearing
        else _("The %(field)s is set by %(who)s.")
        % {"field": field_rule.label, "who": field_rule.who}
    )
    raise NotAllowed(
        _("You may not set: %(fields)s.") % {"fields": field_rule.label}, [Missing(field, text)]
    )
