"""One filterset for the tender list of the API (the page filters by the same states)."""

import django_filters

from opportunities.filters import opportunity_filter

from .models import Tender, TenderState


class TenderFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=TenderState.choices)
    opportunity = opportunity_filter("opportunity")
    bond_outstanding = django_filters.BooleanFilter(method="filter_bond_outstanding")

    class Meta:
        model = Tender
        fields = ["state", "opportunity", "bond_outstanding"]

    def filter_bond_outstanding(self, queryset, name, value):
        outstanding = queryset.filter(bond_amount__gt=0, bond_returned_on__isnull=True)
        if value is None:
            return queryset
        return outstanding if value else queryset.exclude(pk__in=outstanding.values("pk"))
