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


# Examples and error shapes added to the generated schema ---------------------------------------
FIELD_ERRORS = {
    "type": "object",
    "description": "Invalid input: each field named with its messages (a list of strings, or "
    "per item for lists such as `units`); `detail` for an error of the whole request.",
    "additionalProperties": {},
    "example": {"amount": ["The amount must be positive."], "title": ["This field is required."]},
}
ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
REFUSAL_EXAMPLE = {
    "detail": "The contract cannot be signed yet.",
    "missing": [
        {"code": "approved", "label": "The contract review is approved"},
        {"code": "terms_total", "label": "The payment terms add up to 100%"},
    ],
}

# The SPEC's chain calls ("The chain through the API"): a request example each.
CHAIN_EXAMPLES: dict[tuple[str, str], dict] = {
    ("/api/v1/auth/token/", "post"): {"username": "rep1", "password": "demo1234"},
    ("/api/v1/leads/{id}/assign/", "post"): {"owner": 4},
    ("/api/v1/leads/{id}/release/", "post"): {"reason": "Not my territory"},
    ("/api/v1/leads/{id}/follow-up/", "post"): {
        "kind": "call",
        "note": "Called the plant manager; site visit next week.",
    },
    ("/api/v1/leads/{id}/validate/", "post"): {
        "need": "Retrofit of line 3 with 12 robot cells",
        "budget_confirmed": True,
    },
    ("/api/v1/leads/{id}/disqualify/", "post"): {"reason": "no_budget"},
    ("/api/v1/leads/{id}/convert/", "post"): {
        "opportunity_name": "Line 3 retrofit",
        "amount": "1200000.00",
        "expected_close_date": "2027-06-30",
    },
    ("/api/v1/opportunities/{id}/advance/", "post"): {"to_stage": "approval"},
    ("/api/v1/opportunities/{id}/lose/", "post"): {
        "reason": "price",
        "competitor": "Rival Automation",
        "lessons": "Our price was 18% above; bring the financing offer earlier.",
    },
    ("/api/v1/opportunities/{id}/regrade/", "post"): {"grade": "A", "reason": "Flagship project"},
    ("/api/v1/contracts/", "post"): {
        "opportunity": 7,
        "amount": "300000.00",
        "currency": "CNY",
        "payment_terms": [
            {"label": "Advance", "percent": "30", "trigger": "signing"},
            {"label": "On acceptance", "percent": "60", "trigger": "acceptance"},
            {
                "label": "After warranty",
                "percent": "10",
                "trigger": "date",
                "due_date": "2028-06-30",
            },
        ],
    },
    ("/api/v1/contracts/{id}/changes/", "post"): {
        "description": "Two more sites",
        "amount_delta": "40000.00",
    },
    ("/api/v1/delivery-units/{id}/ship/", "post"): {"date": "2027-03-01"},
    ("/api/v1/delivery-units/{id}/accept/", "post"): {
        "date": "2027-03-15",
        "certificate": "AC-2027-0042",
    },
    ("/api/v1/invoices/", "post"): {"order": 12, "amount": "120000.00"},
    ("/api/v1/payments/", "post"): {
        "customer": 3,
        "amount": "120000.00",
        "currency": "CNY",
        "date": "2027-04-02",
        "reference": "ICBC-20270402-0001",
        "allocations": [{"invoice": 21, "amount": "120000.00"}],
    },
}


def postprocess_examples_and_errors(result, generator, request, public):
    """Every operation: 400 with the field-errors shape, 409 refusals with an example, 401 and
    429 (throttled integration tokens); the chain calls: a request example."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("FieldErrors", FIELD_ERRORS)
    components.setdefault("ErrorDetail", ERROR_DETAIL)
    field_errors = {"application/json": {"schema": {"$ref": "#/components/schemas/FieldErrors"}}}
    error_detail = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if method in {"post", "put", "patch"}:
                bad = responses.setdefault("400", {"description": "Invalid input"})
                bad.setdefault("content", field_errors)
            refused = responses.get("409", {}).get("content", {}).get("application/json")
            if refused and refused.get("schema", {}).get("$ref", "").endswith("/Refusal"):
                refused.setdefault("examples", {"Refused": {"value": REFUSAL_EXAMPLE}})
            if operation.get("security") != [{}]:
                responses.setdefault(
                    "401", {"description": "Not authenticated", "content": error_detail}
                )
                responses.setdefault(
                    "429",
                    {
                        "description": "Throttled (integration tokens): `detail` says when to "
                        "retry, so does the `Retry-After` header",
                        "content": error_detail,
                    },
                )
            example = CHAIN_EXAMPLES.get((path, method))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if example is not None and body is not None:
                body.setdefault("examples", {"Chain call": {"value": example}})
    return result
