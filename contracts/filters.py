"""One filterset per list of the contracts app, shared by the UI and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.core.filters import IdFilter, customer_filter, owner_filter

from .models import ChangeRequest, ChangeState, Contract, ContractState, Quote, QuoteState


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search (number or title)"))
    state = django_filters.MultipleChoiceFilter(choices=ContractState.choices, label=_("State"))
    customer = customer_filter("customer", _("Customer"))
    opportunity = IdFilter(field_name="opportunity_id", label=_("Opportunity (id)"))
    owner = owner_filter("opportunity__owner", _("AR"))

    class Meta:
        model = Contract
        fields = ["q", "state", "customer", "opportunity", "owner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))


class QuoteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search (number)"))
    state = django_filters.MultipleChoiceFilter(choices=QuoteState.choices, label=_("State"))
    opportunity = IdFilter(field_name="opportunity_id", label=_("Opportunity (id)"))
    needs_approval = django_filters.BooleanFilter(label=_("Needs discount approval"))

    class Meta:
        model = Quote
        fields = ["q", "state", "opportunity", "needs_approval"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(opportunity__name__icontains=value))


class ChangeRequestFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ChangeState.choices, label=_("State"))
    contract = IdFilter(field_name="contract_id", label=_("Contract (id)"))

    class Meta:
        model = ChangeRequest
        fields = ["state", "contract"]
