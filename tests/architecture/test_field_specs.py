"""One field spec per exposed model (``leads/fieldspec.py``, ``opportunities/fieldspec.py``):
the form, the service's editable fields, the serializer's fields and read-only fields, the lean
list's columns and the admin's read-only fields are the spec's lists, and every name in a spec
is a field of the model or something the serializer computes."""

from django.core.exceptions import FieldDoesNotExist

from leads import fieldspec as lead_spec
from leads import forms as lead_forms
from leads import importing
from leads import services as lead_services
from leads.admin import LeadAdmin
from leads.api import serializers as lead_api
from leads.models import Lead
from opportunities import fieldspec as deal_spec
from opportunities import forms as deal_forms
from opportunities import services as deal_services
from opportunities.admin import OpportunityAdmin
from opportunities.api import serializers as deal_api
from opportunities.models import Opportunity


def _model_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def test_the_lead_lists_are_its_spec():
    assert tuple(lead_forms.LeadForm.Meta.fields) == lead_spec.EDITABLE
    assert tuple(lead_services.EDITABLE_FIELDS) == lead_spec.EDITABLE
    meta = lead_api.LeadSerializer.Meta
    assert tuple(meta.fields) == lead_spec.API_FIELDS
    assert tuple(meta.read_only_fields) == lead_spec.API_READ_ONLY
    assert lead_api.LEAD_ROW_COLUMNS == lead_spec.row_columns()
    assert tuple(LeadAdmin.readonly_fields) == lead_spec.ADMIN_READ_ONLY
    # The import's columns are the spec's, and every header alias names one of them.
    assert importing.COLUMNS == lead_spec.IMPORTED
    assert set(lead_spec.IMPORTED) <= set(lead_spec.EDITABLE)
    assert set(importing.HEADER_ALIASES.values()) == set(lead_spec.IMPORTED)


def test_every_name_in_the_lead_spec_is_a_field_or_computed():
    names = (*lead_spec.API_FIELDS, *lead_spec.ADMIN_READ_ONLY)
    unknown = [n for n in names if not _model_field(Lead, n) and n not in lead_spec.COMPUTED]
    assert unknown == []
    parts = (lead_spec.EDITABLE, lead_spec.PLACED, lead_spec.READ_ONLY)
    assert sum(len(part) for part in parts) + 1 == len(set(lead_spec.API_FIELDS))


def test_the_opportunity_lists_are_its_spec():
    assert tuple(deal_forms.OpportunityEditForm.Meta.fields) == deal_spec.EDITABLE
    assert tuple(deal_services.EDITABLE_FIELDS) == deal_spec.EDITABLE
    meta = deal_api.OpportunitySerializer.Meta
    assert tuple(meta.fields) == deal_spec.API_FIELDS
    assert tuple(meta.read_only_fields) == deal_spec.API_READ_ONLY
    assert tuple(OpportunityAdmin.readonly_fields) == deal_spec.ADMIN_READ_ONLY
    assert set(deal_spec.TRACKED) <= set(deal_spec.EDITABLE)


def test_every_name_in_the_opportunity_spec_is_a_field_or_computed():
    unknown = [
        n
        for n in (*deal_spec.API_FIELDS, *deal_spec.ADMIN_READ_ONLY)
        if not _model_field(Opportunity, n) and n not in deal_spec.COMPUTED
    ]
    assert unknown == []
    declared = set(deal_api.OpportunitySerializer._declared_fields)
    assert set(deal_spec.COMPUTED) <= declared
    covered = {
        "id",
        *deal_spec.EDITABLE,
        *deal_spec.PLACED,
        *deal_spec.MOVED,
        *deal_spec.CLOSING,
        *deal_spec.STAMPS,
        *deal_spec.COMPUTED,
    }
    assert set(deal_spec.API_FIELDS) == covered
