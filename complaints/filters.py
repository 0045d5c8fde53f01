"""The complaint list's filters, shared by the page and the API."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.filters import contract_filter
from delivery.filters import order_filter
from ltc.core.filters import customer_filter, owner_filter

from .models import AWAITING_RESPONSE, UNRESOLVED, Category, Complaint, ComplaintState, Severity


def breached_q(now) -> Q:
    """Complaints whose response or resolution came (or is still coming) after its due time."""
    return (
        Q(responded_at__gt=F("response_due_at"))
        | Q(responded_at__isnull=True, state__in=AWAITING_RESPONSE, response_due_at__lt=now)
        | Q(resolved_at__gt=F("resolution_due_at"))
        | Q(resolved_at__isnull=True, state__in=UNRESOLVED, resolution_due_at__lt=now)
    )


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, label=_("Search (title or customer)")
    )
    state = django_filters.MultipleChoiceFilter(choices=ComplaintState.choices, label=_("State"))
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    customer = customer_filter("customer", _("Customer"))
    contract = contract_filter("contract")
    order = order_filter("order")
    owner = owner_filter("owner", _("Owner"))
    breached = django_filters.BooleanFilter(method="filter_breached", label=_("SLA breached"))
    opened_from = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__gte", label=_("Opened from")
    )
    opened_to = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__lte", label=_("Opened until")
    )

    class Meta:
        model = Complaint
        fields = ["q", "state", "severity", "category", "customer", "contract", "order", "owner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(customer__name__icontains=value))

    def filter_breached(self, queryset, name, value):
        if value is None:
            return queryset
        late = breached_q(timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)
