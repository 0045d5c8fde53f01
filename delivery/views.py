"""The order, delivery and revenue pages. Same services and scoping as the API; views only translate
errors into form errors or flash messages listing every missing item."""

from __future__ import annotations

from functools import partial
from itertools import groupby
from operator import attrgetter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import ACTIVE_STATES, Contract
from contracts.selectors import product_ids_of
from ltc.activity.models import TransitionLog
from ltc.activity.services import transitions_of
from ltc.core.errors import DomainError, InvalidInput
from ltc.core.money import format_money
from ltc.core.numbers import whole_number
from ltc.core.pages import keyset_page
from ltc.core.tables import sort_by
from ltc.core.views import add_form_error, run_post
from products.models import Product

from . import rules, services
from .filters import OrderFilter
from .forms import AcceptForm, CorrectForm, OrderForm, ShipForm, UnitFormSet
from .models import DeliveryUnit, Order, RevenueEntry, UnitCorrection, UnitState
from .selectors import units_to_deliver

PAGE_SIZE = 50
UNITS_PAGE_SIZE = 100
RECENT_ENTRIES = 50
LEDGER_MONTHS = 24
ORDER_RELATED = (
    "contract",
    "contract__customer",
    "contract__opportunity",
    "contract__opportunity__owner",
    "contract__opportunity__fulfillment_owner",
    "created_by",
)

# Invalid forms go back to where the user came from, like refusals.
_action = partial(run_post, back_on_invalid=True)


# Shared helpers ----------------------------------------------------------------------------------


def _order_url(order_id: int) -> str:
    return reverse("delivery:order_detail", args=[order_id])


def _unit(request, pk: int) -> DeliveryUnit:
    return get_object_or_404(DeliveryUnit.objects.visible_to(request.user), pk=pk)


# My deliveries -----------------------------------------------------------------------------------
@login_required
def mine(request):
    units = units_to_deliver(request.user).order_by("order__order_date", "order_id", "id")
    page = keyset_page(request, units, size=UNITS_PAGE_SIZE)
    groups = [
        (order, list(rows)) for order, rows in groupby(page.object_list, key=attrgetter("order"))
    ]
    return render(
        request,
        "delivery/mine.html",
        {
            "page": page,
            "groups": groups,
            "has_shipped": any(u.state == UnitState.SHIPPED for u in page.object_list),
            "accept_form": AcceptForm(initial={"on": timezone.localdate()}, auto_id="bulk-%s"),
            "today": timezone.localdate(),
            "title": _("My deliveries"),
        },
    )


# Orders ------------------------------------------------------------------------------------------
# Column headers that sort the order list (ltc.core.tables): key → field.
SORTS = {
    "number": "number",
    "contract": "contract__number",
    "customer": "contract__customer__name",
    "state": "state",
    "amount": "amount",
    "date": "order_date",
}


@login_required
def order_list(request):
    scope = Order.objects.visible_to(request.user)
    qs = scope.select_related("contract", "contract__customer").order_by("-order_date", "-id")
    qs, sorting = sort_by(request, qs, SORTS)
    order_filter = OrderFilter(request.GET or None, queryset=qs, request=request)
    fields = order_filter.form.fields
    # Pick the contract by number among those with an order the user sees; the PO number filter
    # stays for the API (the search covers it).
    contracts = Contract.objects.filter(pk__in=scope.values("contract_id")).order_by("number")
    fields["contract"].widget = forms.Select(
        choices=[("", "—"), *contracts.values_list("pk", "number")]
    )
    del fields["number"]
    page = keyset_page(request, order_filter.qs, size=PAGE_SIZE)
    _count_units(page.object_list)
    return render(
        request,
        "delivery/order_list.html",
        {"filter": order_filter, "page": page, "sorting": sorting, "title": _("Orders")},
    )


def _count_units(orders) -> None:
    """``unit_count`` and ``accepted_count`` of a page's orders: one grouped query over their
    units (counting before paging would group every order of the scope)."""
    counts = {
        row["order_id"]: row
        for row in DeliveryUnit.objects.filter(order__in=orders)
        .order_by()
        .values("order_id")
        .annotate(
            unit_count=Count("id"),
            accepted_count=Count("id", filter=Q(state=UnitState.ACCEPTED)),
        )
    }
    for order in orders:
        row = counts.get(order.pk, {})
        order.unit_count = row.get("unit_count", 0)
        order.accepted_count = row.get("accepted_count", 0)


def _units_of(formset) -> list[dict]:
    return [
        {
            "name": form.cleaned_data["name"],
            "kind": form.cleaned_data["kind"],
            "amount": form.cleaned_data["amount"],
            "product": form.cleaned_data.get("product"),
        }
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _placing(user, contract: Contract) -> dict:
    """Whether the contract takes orders, and who may place one (the rule create_order asks),
    said before the form is sent."""
    return {
        "is_active": contract.state in ACTIVE_STATES,
        "place": rules.contract_order_actions(user, contract)["place"],
    }


@login_required
def order_create(request, contract_pk: int):
    contract = get_object_or_404(
        Contract.objects.visible_to(request.user).select_related("customer", "opportunity"),
        pk=contract_pk,
    )
    remaining = services.remaining_amount(contract)
    data = request.POST if request.method == "POST" else None
    form = OrderForm(
        data,
        initial={
            "order_date": timezone.localdate(),
            "amount": remaining if remaining > 0 else None,
        },
    )
    products = list(
        Product.objects.filter(pk__in=product_ids_of(contract)).order_by("code")
    )  # what the contract's quote sells: a unit may name one
    formset = UnitFormSet(data, prefix="units", form_kwargs={"products": products})
    units_error, refusal = "", None
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            order = services.create_order(
                contract=contract,
                by=request.user,
                number=form.cleaned_data["number"],
                amount=form.cleaned_data["amount"],
                order_date=form.cleaned_data["order_date"],
                units=_units_of(formset),
            )
        except DomainError as exc:
            if isinstance(exc, InvalidInput) and exc.field == "units":
                units_error = str(exc.detail)
            elif not add_form_error(exc, form):
                refusal = exc  # shown above the form, with every missing item; input kept
        else:
            messages.success(
                request,
                _("Order %(number)s placed: %(amount)s %(currency)s in %(units)s units.")
                % {
                    "number": order.number,
                    "amount": format_money(order.amount),
                    "currency": order.currency,
                    "units": len(_units_of(formset)),
                },
            )
            return redirect(_order_url(order.pk))
    return render(
        request,
        "delivery/order_form.html",
        {
            "form": form,
            "formset": formset,
            "units_error": units_error,
            "refusal": refusal,
            "contract": contract,
            "remaining": remaining,
            **_placing(request.user, contract),
            "title": _("New order under contract %(number)s") % {"number": contract.number},
        },
    )


def _timeline(order: Order, units: list[DeliveryUnit]) -> list:
    """The order's transitions and those of its units (ship, accept, correct), newest first."""
    names = {unit.pk: unit.name for unit in units}
    unit_log = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(DeliveryUnit),
        object_id__in=list(names),
    ).select_related("actor")
    items = list(transitions_of(order)[:100])
    for item in unit_log.order_by("-at", "-id")[:200]:
        item.unit_name = names.get(item.object_id, "")
        items.append(item)
    return sorted(items, key=attrgetter("at"), reverse=True)


@login_required
def order_detail(request, pk: int):
    user = request.user
    order = get_object_or_404(Order.objects.visible_to(user).select_related(*ORDER_RELATED), pk=pk)
    contract = order.contract
    units = list(order.units.select_related("accepted_by", "product").order_by("id"))
    # The buttons come from the one rule (rules.order_actions, unit_actions) the services ask.
    actions = rules.order_actions(user, order)
    for unit in units:
        unit.actions = rules.unit_actions(user, unit, actions)
    totals = {state: sum(u.amount for u in units if u.state == state) for state in UnitState}
    return render(
        request,
        "delivery/order_detail.html",
        {
            "order": order,
            "contract": contract,
            "units": units,
            "totals": totals,
            "actions": actions,
            "can_deliver": bool(actions["ship"]),
            "can_correct": bool(actions["correct"]),
            "has_shipped": any(unit.actions["accept"] for unit in units),
            "accept_form": AcceptForm(initial={"on": timezone.localdate()}, auto_id="bulk-%s"),
            "corrections": UnitCorrection.objects.filter(unit__order=order)
            .select_related("unit", "by")
            .order_by("-at"),
            "timeline": _timeline(order, units),
            "today": timezone.localdate(),
            "title": _("Order %(number)s") % {"number": order.number},
        },
    )


# Shipping and acceptance -------------------------------------------------------------------------
@login_required
@require_POST
def unit_ship(request, pk: int):
    unit = _unit(request, pk)
    return _action(
        request,
        _order_url(unit.order_id),
        lambda d: services.ship_unit(unit=unit, by=request.user, on=d["on"] or None),
        _("%(unit)s shipped: it waits for the customer's acceptance.") % {"unit": unit.name},
        ShipForm(request.POST),
    )


@login_required
@require_POST
def unit_accept(request, pk: int):
    unit = _unit(request, pk)
    return _action(
        request,
        _order_url(unit.order_id),
        lambda d: services.accept_units(
            units=[unit], by=request.user, certificate=d["certificate"], on=d["on"] or None
        ),
        _("%(unit)s accepted: its revenue is recognised.") % {"unit": unit.name},
        AcceptForm(request.POST),
    )


def _ticked_units(request) -> list[DeliveryUnit]:
    ids = [whole_number(value) for value in request.POST.getlist("units")]
    ids = [value for value in ids if value is not None]
    return list(DeliveryUnit.objects.visible_to(request.user).filter(pk__in=ids))


@login_required
@require_POST
def units_accept(request):
    """Several units (of one or more orders) accepted with one certificate."""
    units = _ticked_units(request)
    back = _order_url(units[0].order_id) if units else reverse("delivery:mine")
    return _action(
        request,
        back,
        lambda d: services.accept_units(
            units=units, by=request.user, certificate=d["certificate"], on=d["on"] or None
        ),
        _("%(count)s units accepted with one certificate: their revenue is recognised.")
        % {"count": len(units)},
        AcceptForm(request.POST),
    )


@login_required
@require_POST
def unit_correct(request, pk: int):
    unit = _unit(request, pk)
    return _action(
        request,
        _order_url(unit.order_id),
        lambda d: services.correct_acceptance(unit=unit, by=request.user, reason=d["reason"]),
        _("Acceptance of %(unit)s corrected: its revenue is reversed.") % {"unit": unit.name},
        CorrectForm(request.POST),
    )


# Revenue -----------------------------------------------------------------------------------------
@login_required
def revenue(request):
    """The revenue ledger by month (recognised on acceptance, reversed by corrections) and what is
    delivered but not yet accepted; every sum is computed by the database."""
    user = request.user
    entries = RevenueEntry.objects.visible_to(user)
    months = (
        entries.values("period", "currency")
        .annotate(
            recognised=Sum("amount", filter=Q(kind=RevenueEntry.Kind.RECOGNITION)),
            reversed=Sum("amount", filter=Q(kind=RevenueEntry.Kind.REVERSAL)),
            net=Sum("amount"),
            count=Count("id"),
        )
        .order_by("-period", "currency")[:LEDGER_MONTHS]
    )
    not_accepted = (
        DeliveryUnit.objects.visible_to(user)
        .filter(state=UnitState.SHIPPED)
        .values("order__currency")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("order__currency")
    )
    recent = entries.select_related("contract", "order", "unit", "customer", "created_by")[
        :RECENT_ENTRIES
    ]
    return render(
        request,
        "delivery/revenue.html",
        {
            "months": months,
            "not_accepted": not_accepted,
            "recent": recent,
            "title": _("Revenue"),
        },
    )
