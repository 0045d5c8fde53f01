"""One filterset per list of the opportunities app, shared by the UI and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.core.filters import NamedFilter, customer_filter, named_filter, owner_filter
from ltc.org.models import Team

from .models import Grade, Opportunity, OpportunityState, Review, ReviewKind, ReviewState, Stage


def stage_choices() -> list[tuple[str, str]]:
    """The stages by their names in the reader's language; the code is what the API sends. One
    query, when the form is drawn or checked."""
    choices: dict[str, str] = {}
    for stage in Stage.objects.order_by("-process__is_default", "process_id", "order"):
        choices.setdefault(stage.code, stage.name)
    return list(choices.items())


def opportunity_filter(field_name: str, label=None) -> NamedFilter:
    """A deal picked by its name (or its id), suggesting the deals the viewer sees."""
    label = label or _("Opportunity")
    return named_filter(field_name, label, ("name",), Opportunity.objects.visible_to)


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.MultipleChoiceFilter(choices=OpportunityState.choices, label=_("State"))
    stage = django_filters.ChoiceFilter(
        field_name="stage__code", label=_("Stage"), choices=stage_choices
    )
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices, label=_("Grade"))
    owner = owner_filter("owner", _("AR"))
    customer = customer_filter("customer", _("Customer"))
    # Teams are few: a list to pick from by name (the value is still the id the API sends).
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), label=_("Team"), distinct=False
    )
    expected_close_date = django_filters.DateFromToRangeFilter(label=_("Expected close between"))
    past_cadence = django_filters.BooleanFilter(
        method="filter_past_cadence", label=_("Past their visit cadence")
    )

    class Meta:
        model = Opportunity
        fields = [
            "q",
            "state",
            "stage",
            "grade",
            "owner",
            "customer",
            "team",
            "expected_close_date",
            "past_cadence",
        ]

    def filter_past_cadence(self, queryset, name, value):
        if value is None:
            return queryset
        late = queryset.past_cadence().values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(customer__name__icontains=value))


class ReviewFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ReviewState.choices, label=_("State"))
    kind = django_filters.MultipleChoiceFilter(choices=ReviewKind.choices, label=_("Kind"))
    opportunity = opportunity_filter("opportunity")
    to_decide = django_filters.BooleanFilter(
        method="filter_to_decide", label=_("Waiting for my decision")
    )

    class Meta:
        model = Review
        fields = ["state", "kind", "opportunity", "to_decide"]

    def filter_to_decide(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return queryset.decidable_by(self.request.user)
