"""The registration list's filters, shared by the queue page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.core.filters import named_filter

from .models import DealRegistration, Partner, RegistrationState


class RegistrationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=100)
    state = django_filters.MultipleChoiceFilter(choices=RegistrationState.choices, label=_("State"))
    partner = named_filter("partner", _("Partner"), ("name",), Partner.objects.visible_to)

    class Meta:
        model = DealRegistration
        fields = ["q", "state", "partner"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(customer_name__icontains=value) | Q(project_name__icontains=value))
