"""One filterset per list of the contracts app, shared by the UI and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.core.filters import NamedFilter, customer_filter, named_filter, owner_filter
from opportunities.filters import opportunity_filter

from .models import ChangeRequest, ChangeState, Contract, ContractState, Quote, QuoteState


def contract_filter(field_name: str, label=None) -> NamedFilter:
    """A contract picked by its number or title (or its id), suggesting the numbers of the
    contracts the viewer sees."""
    label = label or _("Contract")
    return named_filter(field_name, label, ("number", "title"), Contract.objects.visible_to)


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search (number or title)"))
    state = django_filters.MultipleChoiceFilter(choices=ContractState.choices, label=_("State"))
    customer = customer_filter("customer", _("Customer"))
    opportunity = opportunity_filter("opportunity")
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
    opportunity = opportunity_filter("opportunity")
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
    contract = contract_filter("contract")

    class Meta:
        model = ChangeRequest
        fields = ["state", "contract"]
