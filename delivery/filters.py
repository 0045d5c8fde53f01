"""One filterset per list of the delivery app, shared by the UI and the API."""

from datetime import date

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.filters import contract_filter
from ltc.core.filters import NamedFilter, customer_filter, named_filter

from .models import DeliveryUnit, Order, OrderState, RevenueEntry, UnitKind, UnitState


def order_filter(field_name: str, label=None) -> NamedFilter:
    """An order picked by its PO number (or its id), suggesting the orders the viewer sees."""
    label = label or _("Order")
    return named_filter(field_name, label, ("number",), Order.objects.visible_to)


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, label=_("Search (PO number, contract or customer)")
    )
    contract = contract_filter("contract")
    state = django_filters.MultipleChoiceFilter(choices=OrderState.choices, label=_("State"))
    number = django_filters.CharFilter(
        field_name="number", lookup_expr="icontains", max_length=60, label=_("PO number")
    )

    class Meta:
        model = Order
        fields = ["q", "contract", "state", "number"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(contract__number__icontains=value)
            | Q(contract__customer__name__icontains=value)
        )


class UnitFilter(django_filters.FilterSet):
    order = order_filter("order")
    state = django_filters.MultipleChoiceFilter(choices=UnitState.choices, label=_("State"))
    contract = contract_filter("order__contract")
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices, label=_("Kind"))

    class Meta:
        model = DeliveryUnit
        fields = ["order", "state", "contract", "kind"]


class RevenueFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(
        method="in_period",
        max_length=7,
        validators=[
            RegexValidator(r"^[1-9]\d{3}-(0[1-9]|1[0-2])$", _("Give the month as YYYY-MM."))
        ],
        label=_("Month (YYYY-MM)"),
    )
    contract = contract_filter("contract")
    customer = customer_filter("customer", _("Customer"))

    class Meta:
        model = RevenueEntry
        fields = ["period", "contract", "customer"]

    def in_period(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        return queryset.filter(period=date(year, month, 1))
