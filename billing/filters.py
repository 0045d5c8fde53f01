"""One filterset per billing list, shared by the UI and the API."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.filters import contract_filter
from delivery.filters import order_filter
from ltc.core.filters import customer_filter
from ltc.core.money import Currency

from .models import OPEN_STATES, Invoice, InvoiceState, Payment


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, label=_("Search (number, contract, PO or customer)")
    )
    state = django_filters.MultipleChoiceFilter(choices=InvoiceState.choices, label=_("State"))
    customer = customer_filter("customer", _("Customer"))
    contract = contract_filter("contract")
    order = order_filter("order")
    overdue = django_filters.BooleanFilter(method="is_overdue", label=_("Overdue"))

    class Meta:
        model = Invoice
        fields = ["q", "state", "customer", "contract", "order", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(contract__number__icontains=value)
            | Q(order__number__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(bill_to_name__icontains=value)  # the name it was issued to
        )

    def is_overdue(self, queryset, name, value):
        overdue = Q(state__in=OPEN_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class PaymentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, label=_("Search (reference or customer)")
    )
    customer = customer_filter("customer", _("Customer"))
    currency = django_filters.ChoiceFilter(choices=Currency.choices, label=_("Currency"))
    unapplied = django_filters.BooleanFilter(
        method="has_unapplied", label=_("With unapplied credit")
    )

    class Meta:
        model = Payment
        fields = ["q", "customer", "currency", "unapplied"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(external_id__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def has_unapplied(self, queryset, name, value):
        if value:
            return queryset.filter(allocated_amount__lt=F("amount"))
        return queryset.filter(allocated_amount=F("amount"))
