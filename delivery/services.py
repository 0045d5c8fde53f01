"""Every operation that changes an order or a delivery unit. One transaction each.

The orders of a contract never add up to more than its current amount; units add up to their
order; revenue is written when, and only when, a unit is accepted (in the month of its
acceptance date), and reversed by a manager's recorded correction."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import services as contract_services
from contracts.models import Contract
from contracts.selectors import product_ids_of
from ltc.activity.services import log_transition, log_transitions_bulk
from ltc.core.dates import check_business_date
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.money import quantize
from ltc.integrations.events import emit_many

from .models import (
    DeliveryUnit,
    Order,
    OrderState,
    RevenueEntry,
    UnitCorrection,
    UnitKind,
    UnitState,
)
from .rules import (  # noqa: F401  (ORDER_ENTRY_ROLES and delivers: read here before the rules)
    ORDER_ENTRY_ROLES,
    contract_order_actions,
    delivers,
    order_actions,
    unit_actions,
)


def ordered_total(contract: Contract) -> Decimal:
    # Quantized: SQLite sums decimals as floats (149999.990000000), which the refusal would show.
    total = Order.objects.filter(contract=contract).aggregate(total=Sum("amount"))["total"]
    return quantize(total or Decimal("0"))


def remaining_amount(contract: Contract) -> Decimal:
    return contract.amount - ordered_total(contract)


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise InvalidInput(_("Give an amount as a number."), field)
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e13"):
        raise InvalidInput(_("The amount must be positive."), field)
    return quantize(amount)


def _clean_units(units, order_amount: Decimal, products: Callable[[], set[int]]) -> list[dict]:
    """The units as stored; a unit's product (optional) must be one of the contract's
    (``products``, read only when a unit names one)."""
    if not isinstance(units, list | tuple) or not units:
        raise InvalidInput(_("An order needs its delivery units."), "units")
    cleaned = []
    for index, unit in enumerate(units, start=1):
        if not isinstance(unit, dict) or not str(unit.get("name") or "").strip():
            raise InvalidInput(_("Unit %(n)s: give it a name.") % {"n": index}, "units")
        kind = unit.get("kind") or UnitKind.SHIPMENT
        if kind not in UnitKind.values:
            raise InvalidInput(
                _("Unit %(n)s: the kind is site, cluster or shipment.") % {"n": index}, "units"
            )
        product = unit.get("product")
        if product not in (None, ""):
            product = getattr(product, "pk", product)
            if not isinstance(product, int) or isinstance(product, bool):
                raise InvalidInput(_("Unit %(n)s: unknown product.") % {"n": index}, "units")
            if product not in products():
                raise InvalidInput(
                    _("Unit %(n)s: the product is not one the contract's quote sells.")
                    % {"n": index},
                    "units",
                )
        cleaned.append(
            {
                "name": str(unit["name"]).strip()[:200],
                "kind": kind,
                "amount": _money(unit.get("amount"), "units"),
                "product_id": product or None,
            }
        )
    total = sum(u["amount"] for u in cleaned)
    if total != order_amount:
        raise InvalidInput(
            _("The units add up to %(units)s; they must add up to the order's %(order)s.")
            % {"units": total, "order": order_amount},
            "units",
        )
    return cleaned


@transaction.atomic
def create_order(
    *,
    contract: Contract,
    by,
    number: str,
    amount,
    units,
    order_date: date | None = None,
    external_id: str = "",
) -> Order:
    """A PO under a signed or executing contract; refused (409, with the remaining amount) when
    the contract's orders would add up to more than its amount."""
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("opportunity")
        .get(pk=contract.pk)
    )
    place = contract_order_actions(by, contract)["place"]
    place.require_permitted()  # 403 first; the contract's state is refused below with the money
    check_business_date(order_date, field="order_date")
    number = (number or "").strip()
    if not number:
        raise InvalidInput(_("Give the PO number."), "number")
    if len(number) > Order._meta.get_field("number").max_length:
        # Truncating would let two different (or the same) long numbers collide in the database.
        raise InvalidInput(_("The PO number is at most 60 characters."), "number")
    amount = _money(amount, "amount")
    cleaned = _clean_units(units, amount, functools.cache(lambda: product_ids_of(contract)))
    missing = list(place.missing)
    if Order.objects.filter(contract=contract, number=number).exists():
        raise InvalidInput(_("This contract already has an order with this number."), "number")
    remaining = remaining_amount(contract)
    if amount > remaining:
        missing.append(
            Missing(
                "remaining_amount",
                _("At most %(remaining)s %(currency)s is left to order on this contract.")
                % {"remaining": remaining, "currency": contract.currency},
            )
        )
    replace(place, missing=tuple(missing)).require()
    order = Order.objects.create(
        contract=contract,
        number=number,
        amount=amount,
        currency=contract.currency,
        order_date=order_date or timezone.localdate(),
        external_id=external_id,
        created_by=by,
    )
    DeliveryUnit.objects.bulk_create([DeliveryUnit(order=order, **unit) for unit in cleaned])
    log_transition(obj=order, transition="create", source="", target=order.state, actor=by)
    return order


# Downstream apps (billing) keep figures of an order that its accepted units change (what is
# invoiceable now: ``Order.invoiceable``); each listener is ``fn(order)``, called in the same
# transaction on the locked order after every unit transition, registered in the app's
# AppConfig.ready.
_UNIT_LISTENERS: list = []


def register_unit_listener(fn):
    _UNIT_LISTENERS.append(fn)
    return fn


def _sync_order(order: Order) -> None:
    """Move the order to the state its units say: open, delivering or delivered. An invoiced
    order whose unit is corrected goes back through delivered to delivering.

    The order row is locked and its state re-read first: two units of one order accepted in
    concurrent transactions would otherwise each miss the other's acceptance and leave the order
    delivering with every unit accepted."""
    list(Order.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True))
    order.refresh_from_db(fields=["state"])
    states = list(DeliveryUnit.objects.filter(order=order).values_list("state", flat=True))
    if states and all(s == UnitState.ACCEPTED for s in states):
        wanted = OrderState.DELIVERED
    elif any(s != UnitState.PLANNED for s in states):
        wanted = OrderState.DELIVERING
    else:
        wanted = OrderState.OPEN
    steps = {
        (OrderState.OPEN, OrderState.DELIVERING): ["start_delivery"],
        (OrderState.OPEN, OrderState.DELIVERED): ["complete_delivery"],
        (OrderState.DELIVERING, OrderState.DELIVERED): ["complete_delivery"],
        (OrderState.DELIVERING, OrderState.OPEN): ["back_to_open"],
        (OrderState.DELIVERED, OrderState.DELIVERING): ["start_delivery"],
        (OrderState.INVOICED, OrderState.DELIVERING): ["unmark_invoiced", "start_delivery"],
    }.get((order.state, wanted), [])
    for method in steps:
        source = order.state
        getattr(order, method)()
        log_transition(obj=order, transition=method, source=source, target=order.state)
    if steps:
        order.save()
    for listener in _UNIT_LISTENERS:
        listener(order)


def _locked_units(unit_ids: Iterable[int]) -> list[DeliveryUnit]:
    return list(
        DeliveryUnit.objects.select_for_update(of=("self",))
        .select_related(
            "order", "order__contract", "order__contract__opportunity", "order__contract__customer"
        )
        .filter(pk__in=list(unit_ids))
        .order_by("pk")
    )


def _check_date(on: date | None, field: str) -> date:
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise InvalidInput(_("The date cannot be in the future."), field)
    return on


@transaction.atomic
def ship_unit(*, unit: DeliveryUnit, by, on: date | None = None) -> DeliveryUnit:
    on = _check_date(on, "date")
    (unit,) = _locked_units([unit.pk])
    unit_actions(by, unit)["ship"].require()
    unit.ship(on=on)
    unit.save()
    log_transition(
        obj=unit, transition="ship", source=UnitState.PLANNED, target=unit.state, actor=by
    )
    _sync_order(unit.order)
    return unit


@transaction.atomic
def accept_units(
    *, units: Iterable[DeliveryUnit], by, certificate: str, on: date | None = None
) -> list[DeliveryUnit]:
    """The customer signed the acceptance certificate for these units (one or many): revenue is
    recognised now, in the month of ``on``."""
    on = _check_date(on, "date")
    certificate = (certificate or "").strip()
    if not certificate:
        raise InvalidInput(_("Give the acceptance certificate's reference."), "certificate")
    locked = _locked_units(u.pk for u in units)
    if not locked:
        raise InvalidInput(_("Choose the units to accept."), "units")
    missing = []
    on_orders = {}  # the order's part of the rule, asked once per order
    for unit in locked:
        if unit.order_id not in on_orders:
            on_orders[unit.order_id] = order_actions(by, unit.order)
        accept = unit_actions(by, unit, on_orders[unit.order_id])["accept"]
        accept.require_permitted()
        missing.extend(accept.missing)
        if unit.shipped_on and on < unit.shipped_on:
            missing.append(
                Missing(
                    f"date_{unit.pk}",
                    _("%(unit)s is accepted on or after its shipping date") % {"unit": unit.name},
                )
            )
    if missing:  # every unit's state and date, in one refusal
        raise TransitionRefused(_("The units cannot be accepted."), missing)
    period = on.replace(day=1)
    entries = []
    for unit in locked:
        unit.accept(on=on, certificate=certificate[:200], by=by)
        unit.save()
        contract = unit.order.contract
        entries.append(
            RevenueEntry(
                unit=unit,
                order=unit.order,
                contract=contract,
                customer_id=contract.customer_id,
                kind=RevenueEntry.Kind.RECOGNITION,
                amount=unit.amount,
                currency=unit.order.currency,
                recognised_on=on,
                period=period,
                note=certificate[:300],
                created_by=by,
            )
        )
    RevenueEntry.objects.bulk_create(entries)
    log_transitions_bulk(
        model=DeliveryUnit,
        object_ids=[u.pk for u in locked],
        transition="accept",
        source=UnitState.SHIPPED,
        target=UnitState.ACCEPTED,
        actor=by,
        comment=certificate,
    )
    for _order_id, order in sorted({u.order_id: u.order for u in locked}.items()):  # lock order
        _sync_order(order)
    emit_many(
        "delivery_unit.accepted",
        [
            {
                "delivery_unit": unit.pk,
                "name": unit.name,
                "order": unit.order_id,
                "order_number": unit.order.number,
                "contract": unit.order.contract_id,
                "amount": unit.amount,
                "currency": unit.order.currency,
                "accepted_on": on,
                "certificate": unit.certificate,
            }
            for unit in locked
        ],
    )
    return locked


def accept_unit(
    *, unit: DeliveryUnit, by, certificate: str, on: date | None = None
) -> DeliveryUnit:
    return accept_units(units=[unit], by=by, certificate=certificate, on=on)[0]


# Downstream apps (billing) may refuse a correction, e.g. while invoices cover the unit; each
# check is ``fn(unit) -> list[Missing]`` and is registered in the app's AppConfig.ready.
_CORRECTION_CHECKS: list = []


def register_correction_check(fn):
    _CORRECTION_CHECKS.append(fn)
    return fn


@transaction.atomic
def correct_acceptance(*, unit: DeliveryUnit, by, reason: str) -> DeliveryUnit:
    """Un-accept a unit: only a manager, only with a reason; the revenue is reversed in the
    current month and the correction is kept."""
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the acceptance is corrected."), "reason")
    (unit,) = _locked_units([unit.pk])
    contract = unit.order.contract
    correct = unit_actions(by, unit)["correct"]
    correct.require_permitted()
    # The money rules of downstream apps (billing's: the invoices stay covered), under lock.
    checks = [m for check in _CORRECTION_CHECKS for m in check(unit)]
    replace(correct, missing=(*correct.missing, *checks)).require()
    today = timezone.localdate()
    UnitCorrection.objects.create(
        unit=unit,
        reason=reason,
        previous_accepted_on=unit.accepted_on,
        previous_certificate=unit.certificate,
        by=by,
        at=timezone.now(),
    )
    RevenueEntry.objects.create(
        unit=unit,
        order=unit.order,
        contract=contract,
        customer_id=contract.customer_id,
        kind=RevenueEntry.Kind.REVERSAL,
        amount=-unit.amount,
        currency=unit.order.currency,
        recognised_on=today,
        period=today.replace(day=1),
        note=reason[:300],
        created_by=by,
    )
    unit.correct()
    unit.save()
    log_transition(
        obj=unit,
        transition="correct",
        source=UnitState.ACCEPTED,
        target=unit.state,
        actor=by,
        comment=reason,
    )
    _sync_order(unit.order)
    return unit


# What the contracts app asks of us (registered in apps.ready) ---------------------------------
def orders_fit_amount(contract: Contract, new_amount: Decimal, new_terms=None) -> list[Missing]:
    ordered = ordered_total(contract)
    if ordered > new_amount:
        return [
            Missing(
                "orders_exceed_amount",
                _("The orders (%(ordered)s) fit in the new amount") % {"ordered": ordered},
            )
        ]
    return []


def orders_delivered(contract: Contract) -> list[Missing]:
    pending = (
        Order.objects.filter(contract=contract)
        .exclude(state__in=[OrderState.DELIVERED, OrderState.INVOICED, OrderState.CLOSED])
        .count()
    )
    if pending:
        return [
            Missing(
                "orders_delivered",
                _("All orders are delivered (%(count)s are not)") % {"count": pending},
            )
        ]
    return []


def register_contract_checks() -> None:
    contract_services.register_amount_check(orders_fit_amount)
    contract_services.register_close_check(orders_delivered)


def _same_order(order: Order, *, contract: Contract, number: str, amount, units) -> bool:
    wanted = sorted(
        (str(u.get("name", "")).strip(), _money(u.get("amount"), "units")) for u in units or []
    )
    placed = sorted((u.name, u.amount) for u in order.units.all())
    return (
        order.contract_id == contract.pk
        and order.number == (number or "").strip()
        and order.amount == _money(amount, "amount")
        and placed == wanted
    )


def upsert_order(*, external_id: str, by, contract: Contract, number: str, amount, units, **rest):
    """The PO an ERP knows as ``external_id``: placed once. Sent again with the same contract,
    number, amount and units it answers the order placed (``created`` False); with different
    ones it is refused (409): a placed order changes through its units' transitions, not by an
    overwrite. Two concurrent calls place one order (the unique constraint decides)."""
    from django.db import IntegrityError

    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 100:
        raise InvalidInput(_("The external id is 1 to 100 characters."), "external_id")

    def existing_answer(order: Order) -> tuple[Order, bool]:
        if not Order.objects.visible_to(by).filter(pk=order.pk).exists():
            raise NotAllowed(_("This external id belongs to an order you cannot see."))
        if not _same_order(order, contract=contract, number=number, amount=amount, units=units):
            raise TransitionRefused(
                _("An order with this external id exists with other data."),
                [
                    Missing(
                        "same_order",
                        _(
                            "The order %(number)s is sent again with its contract, number, amount and units unchanged"
                        )
                        % {"number": order.number},
                    )
                ],
            )
        return order, False

    found = Order.objects.filter(external_id=external_id).first()
    if found is not None:
        return existing_answer(found)
    try:
        with transaction.atomic():
            order = create_order(
                contract=contract,
                by=by,
                number=number,
                amount=amount,
                units=units,
                external_id=external_id,
                **rest,
            )
            return order, True
    except IntegrityError:
        found = Order.objects.filter(external_id=external_id).first()
        if found is None:
            raise InvalidInput(_("This contract already has an order with this number."), "number")
        return existing_answer(found)
