"""One filterset for the pool and lead lists, shared by the UI and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.core.filters import IdFilter, owner_filter

from .models import Campaign, Lead, LeadState, Pool, Source


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # distinct=False: both are columns of the lead itself (no join that could repeat a row), and
    # a DISTINCT over every column of a million leads costs a second.
    state = django_filters.MultipleChoiceFilter(
        choices=LeadState.choices, label=_("State"), distinct=False
    )
    source = django_filters.MultipleChoiceFilter(
        choices=Source.choices, label=_("Source"), distinct=False
    )
    pool = django_filters.ModelChoiceFilter(queryset=Pool.objects.none(), label=_("Pool"))
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.none(), label=_("Campaign")
    )
    owner = owner_filter("owner", _("Owner"))
    duplicate = django_filters.BooleanFilter(
        field_name="duplicate_of",
        lookup_expr="isnull",
        exclude=True,
        label=_("Possible duplicates only"),
    )
    min_score = IdFilter(field_name="score", lookup_expr="gte", label=_("Score at least"))
    due_before = django_filters.IsoDateTimeFilter(
        field_name="follow_up_due_at", lookup_expr="lte", label=_("Follow-up due before")
    )

    class Meta:
        model = Lead
        fields = [
            "q",
            "state",
            "source",
            "pool",
            "campaign",
            "owner",
            "duplicate",
            "min_score",
            "due_before",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        request = kwargs.get("request")
        user = user or getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.filters["pool"].queryset = Pool.objects.visible_to(user)
        self.filters["campaign"].queryset = Campaign.objects.all()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(company_name__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(phone__icontains=value)
            | Q(email__icontains=value)
        )
