"""The customer pool in the REST API: the pool list and the claim, assign and release actions
of ``CustomerViewSet`` (mixed in), over the same services as the pages (ltc.customers.pool)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED
from ltc.org.models import User

from .. import pool
from ..models import Customer
from .serializers import CustomerSerializer


class PooledCustomerSerializer(CustomerSerializer):
    pool_name = serializers.CharField(source="pool.name", read_only=True, allow_null=True)
    claim_blockers = serializers.SerializerMethodField(
        help_text="why the caller may not claim it now (empty: they may)"
    )

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "pool_name", "claim_blockers"]

    def get_claim_blockers(self, customer) -> list[dict]:
        return [m.as_dict() for m in self.context["blockers"].get(customer.pk, [])]


class PoolReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="why it goes back to the pool")


class PoolAssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


ACTION_RESPONSES = {
    200: CustomerSerializer,
    400: OpenApiResponse(description="Invalid input: the field named"),
    403: FORBIDDEN,
    404: OpenApiResponse(description="Not visible"),
    409: REFUSED,
}
REFUSED_EXAMPLE = OpenApiExample(
    "Claim refused",
    value={
        "detail": "You cannot claim this customer.",
        "missing": [
            {"code": "max_held", "label": "You hold 100 customers; the limit is 100."},
            {
                "code": "reclaim_cooldown",
                "label": "This customer was taken back from you; you may claim it again after "
                "2026-12-20 09:00.",
            },
        ],
    },
    response_only=True,
    status_codes=["409"],
)


class CustomerPoolActions:
    """Mixed into CustomerViewSet: ``pool/``, ``<id>/claim/``, ``<id>/assign/``, ``<id>/release/``."""

    @extend_schema(
        responses=PooledCustomerSerializer(many=True),
        summary="Customers in the caller's customer pools (客户公海), with why a claim is refused",
        examples=[
            OpenApiExample(
                "A pooled customer",
                value=[
                    {
                        "id": 42,
                        "name": "上海明辉机械有限公司",
                        "industry": "Machinery",
                        "region": "East",
                        "owner": None,
                        "owner_name": None,
                        "pool_state": "pooled",
                        "pool_name": "Company customer pool",
                        "claim_blockers": [],
                    }
                ],
                response_only=True,
            )
        ],
    )
    @action(detail=False, methods=["get"], filter_backends=[], url_path="pool")
    def pool(self, request):
        qs = Customer.objects.in_pool_of(request.user).select_related("owner", "pool")
        page = self.paginate_queryset(qs.order_by("name", "id"))
        blockers = pool.claim_blockers(request.user, page, timezone.now())
        data = PooledCustomerSerializer(page, many=True, context={"blockers": blockers}).data
        return self.get_paginated_response(data)

    def _pool_customer(self, queryset=None):
        queryset = queryset if queryset is not None else self.get_queryset()
        return get_object_or_404(queryset.select_related("pool", "owner"), pk=self.kwargs["pk"])

    @extend_schema(
        request=None,
        responses=ACTION_RESPONSES,
        summary="Claim a customer from the pool (atomic: one of many concurrent claims wins)",
        examples=[REFUSED_EXAMPLE],
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        # One just taken from the caller's pools is "taken" (409), not "not found".
        customer = self._pool_customer(Customer.objects.claimable_by(request.user))
        return Response(
            CustomerSerializer(pool.claim_customer(customer=customer, user=request.user)).data
        )

    @extend_schema(
        request=PoolAssignSerializer,
        responses=ACTION_RESPONSES,
        summary="Assign a customer to a rep (managers, administrators)",
        examples=[OpenApiExample("Assign", value={"owner": 7}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        customer = self._pool_customer()
        body = PoolAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = body.validated_data["owner"]
        return Response(
            CustomerSerializer(
                pool.assign_customer(customer=customer, owner=owner, by=request.user)
            ).data
        )

    @extend_schema(
        request=PoolReleaseSerializer,
        responses=ACTION_RESPONSES,
        summary="Release a customer back to its pool (refused while it has an open deal)",
        examples=[
            OpenApiExample(
                "Release", value={"reason": "Moved to another region"}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        customer = self._pool_customer()
        body = PoolReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        released = pool.release_customer(
            customer=customer, user=request.user, reason=body.validated_data["reason"]
        )
        return Response(CustomerSerializer(released).data)
