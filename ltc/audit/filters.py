"""The audit trail's filters, shared by the page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ltc.core.filters import owner_filter

from .models import AuditEntry


class AuditEntryFilter(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(label=_("Record type"), choices=[])
    object_id = django_filters.CharFilter(label=_("Record (id)"), max_length=64)
    field = django_filters.CharFilter(label=_("Field"), max_length=100)
    actor = owner_filter("actor", _("Changed by"))
    source = django_filters.CharFilter(label=_("Source"), lookup_expr="startswith", max_length=100)
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("Until"))

    class Meta:
        model = AuditEntry
        fields = ["model", "object_id", "field", "actor", "source", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .history import model_label
        from .tracker import _TRACKED

        labels = sorted(model._meta.label for model in _TRACKED)
        self.filters["model"].extra["choices"] = sorted(
            ((label, model_label(label)) for label in labels), key=lambda choice: choice[1]
        )
        # The form field is built once and copied with the filter: one built before the choices
        # were known (drf-spectacular's schema reads the class's filters) would refuse them all.
        self.filters["model"].__dict__.pop("_field", None)
