"""The project's OpenAPI generator: drf-spectacular's, told what DRF does not say about read-only
fields, so the schema matches the answers exactly (schemathesis checks that it does):

- a read-only choice of a model field that may be blank can be ``""`` (an open lead has no
  disqualification reason);
- a read-only field with ``default=None`` is nullable (``team_name`` of a user without a team);
- an e-mail that may be blank is an e-mail address or ``""``.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


def _model_field(field):
    meta = getattr(getattr(field, "parent", None), "Meta", None)
    model = getattr(meta, "model", None)
    source = getattr(field, "source", "") or ""
    if model is None or not source or "." in source or source == "*":
        return None
    try:
        return model._meta.get_field(source)
    except Exception:
        return None


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only:
            model_field = _model_field(field)
            if (
                isinstance(field, serializers.ChoiceField)
                and model_field is not None
                and model_field.blank
            ):
                field.allow_blank = True
            if field.default is None or (model_field is not None and model_field.null):
                field.allow_null = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        blank_email = isinstance(field, serializers.EmailField) and (
            getattr(field, "allow_blank", False)
            or (field.read_only and getattr(_model_field(field), "blank", False))
        )
        if blank_email and schema.get("format") == "email":
            outer = {k: v for k, v in schema.items() if k not in {"type", "format"}}
            outer["anyOf"] = [
                {"type": "string", "format": "email"},
                {"type": "string", "enum": [""]},
            ]
            return outer
        return schema

    def _is_list_view(self, serializer=None) -> bool:
        # A plain ViewSet's ``list`` answers what its schema says: one document (a work queue with
        # its sections) unless the declared serializer is itself a list (``many=True``).
        from rest_framework.mixins import ListModelMixin
        from rest_framework.viewsets import ViewSetMixin

        view = self.view
        if (
            isinstance(view, ViewSetMixin)
            and not isinstance(view, ListModelMixin)
            and getattr(view, "action", None) == "list"
        ):
            declared = serializer if serializer is not None else self.get_response_serializers()
            if isinstance(declared, dict) and declared:
                declared = declared[min(declared, key=str)]
            from drf_spectacular.plumbing import is_list_serializer

            return is_list_serializer(declared)
        return super()._is_list_view(serializer)
