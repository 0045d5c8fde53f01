from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ltc.core.api import FORBIDDEN, REFUSED, ScopedViewSet
from ltc.core.errors import NotAllowed
from ltc.idempotency.services import IDEMPOTENCY_KEY_PARAMETER, idempotent
from ltc.org.models import Role

from .. import bulk, import_jobs, importing, services
from ..filters import LeadFilter
from ..models import Campaign, Lead, LeadImport, Pool
from .pagination import KeysetPagination
from .serializers import (
    ActivitySerializer,
    AssignSerializer,
    BulkLeadResultSerializer,
    CampaignSerializer,
    DisqualifySerializer,
    FollowUpSerializer,
    LeadImportRowSerializer,
    LeadImportSerializer,
    LeadImportUploadSerializer,
    LeadSerializer,
    MergeSerializer,
    ReasonSerializer,
    ValidateSerializer,
    lead_rows,
    represent_leads,
)

LEAD_EXAMPLE = OpenApiExample(
    "A lead from the website",
    value={
        "title": "Line 3 retrofit",
        "company_name": "上海明辉机械有限公司",
        "contact_name": "李雷",
        "phone": "13800000001",
        "email": "li.lei@example.com",
        "source": "website",
        "estimated_amount": "1200000.00",
        "currency": "CNY",
    },
    request_only=True,
)

ACTION_RESPONSES = {
    200: LeadSerializer,
    400: OpenApiResponse(description="Invalid input"),
    403: FORBIDDEN,
    404: OpenApiResponse(description="Not visible"),
    409: REFUSED,
}


class LeadViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Leads the caller may see. State changes only through the actions below."""

    serializer_class = LeadSerializer
    actions_of = staticmethod(services.lead_actions)
    queryset = Lead.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = LeadFilter
    # Keyset pages (next/previous cursors, no count): a million leads page as fast as fifty.
    pagination_class = KeysetPagination
    ordering_fields = ["score", "created_at", "follow_up_due_at", "estimated_amount", "id"]
    ordering = ["-score", "-id"]

    def list(self, request, *args, **kwargs):
        # The lean read path: plain rows mapped to LeadSerializer's answer (serializers.py).
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(represent_leads(page))

    def filter_queryset(self, queryset):
        backends = self.filter_backends
        params = self.request.query_params
        if not any(name in params for name in LeadFilter.base_filters):
            # No filter asked for: the filterset would build and validate its form only to
            # change nothing (every empty filter leaves the queryset as it is).
            backends = [b for b in backends if not issubclass(b, DjangoFilterBackend)]
        for backend in backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def page_rows(self, queryset):
        """How KeysetPagination reads the page of ``list`` and ``pool``."""
        return lead_rows(queryset)

    default_order = ("-score", "-id")
    object_joins = ("pool", "owner")

    def related(self, queryset):
        return queryset.for_list()

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: LeadSerializer,
            400: OpenApiResponse(description="Invalid input: field errors"),
            403: FORBIDDEN,
            422: OpenApiResponse(description="The Idempotency-Key was used with a different body"),
        },
        summary="Create a lead (in the caller's default pool)",
        examples=[LEAD_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        return idempotent(
            request, scope="leads.create", handler=lambda: super(LeadViewSet, self).create(request)
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_lead(by=self.request.user, **data)

    @extend_schema(
        request=LeadSerializer(many=True),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: BulkLeadResultSerializer,
            400: OpenApiResponse(description="Not a list, or more than 500 rows"),
            403: FORBIDDEN,
            422: OpenApiResponse(description="The Idempotency-Key was used with a different body"),
        },
        summary="Import leads: a list, each row created in its own transaction, answered row by "
        "row (created, duplicate, or error with the field messages)",
        examples=[
            OpenApiExample(
                "Two leads", value=[LEAD_EXAMPLE.value, LEAD_EXAMPLE.value], request_only=True
            )
        ],
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request):
        def handler():
            results = bulk.import_leads(rows=request.data, by=request.user)
            statuses = [r["status"] for r in results]
            body = {
                "created": statuses.count("created"),
                "duplicates": statuses.count("duplicate"),
                "errors": statuses.count("error"),
                "results": results,
            }
            return Response(BulkLeadResultSerializer(body).data)

        return idempotent(request, scope="leads.bulk", handler=handler)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "pool" in data:
            raise NotAllowed(
                _("A lead moves to another pool only by being released or reassigned.")
            )
        serializer.instance = services.update_lead(
            lead=serializer.instance, by=self.request.user, **data
        )

    @extend_schema(
        responses=LeadSerializer(many=True), summary="Leads in the caller's pools, best score first"
    )
    @action(detail=False, methods=["get"])
    def pool(self, request):
        qs = self.filter_queryset(
            Lead.objects.in_pool_of(request.user).for_list().order_by("-score", "-id")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(represent_leads(page))

    @extend_schema(request=None, responses=ACTION_RESPONSES, summary="Claim a lead from the pool")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        # A lead just taken from one of the caller's pools is no longer visible to them, but the
        # answer is "taken" (409), not "not found": the losers of a race must get a clear refusal.
        user = request.user
        in_my_pools = Lead.objects.filter(pool__in=Pool.objects.visible_to(user))
        claimable = Lead.objects.visible_to(user) | in_my_pools
        return self.answer(services.claim_lead(lead=self.scoped_object(claimable), user=user))

    @extend_schema(
        request=AssignSerializer,
        responses=ACTION_RESPONSES,
        summary="Assign a lead (manager, marketing)",
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        lead = self.scoped_object()
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.assign_lead(lead=lead, owner=body.validated_data["owner"], by=request.user)
        )

    @extend_schema(
        request=ReasonSerializer,
        responses=ACTION_RESPONSES,
        summary="Release a lead back to the pool",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        lead = self.scoped_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.release_lead(
                lead=lead, user=request.user, reason=body.validated_data["reason"]
            )
        )

    @extend_schema(
        request=FollowUpSerializer,
        responses={201: ActivitySerializer, 403: FORBIDDEN, 409: REFUSED},
        summary="Log a follow-up (resets the clock)",
    )
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        lead = self.scoped_object()
        body = FollowUpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activity = services.log_follow_up(lead=lead, user=request.user, **body.validated_data)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ActivitySerializer(many=True)}, summary="The lead's follow-ups")
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def activities(self, request, pk=None):
        from ltc.activity.services import activities_of

        return Response(
            ActivitySerializer(activities_of(self.scoped_object())[:200], many=True).data
        )

    @extend_schema(
        request=ValidateSerializer, responses=ACTION_RESPONSES, summary="Validate a lead"
    )
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        lead = self.scoped_object()
        body = ValidateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.validate_lead(lead=lead, user=request.user, **body.validated_data)
        )

    @extend_schema(
        request=DisqualifySerializer, responses=ACTION_RESPONSES, summary="Disqualify a lead"
    )
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        lead = self.scoped_object()
        body = DisqualifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.disqualify_lead(lead=lead, user=request.user, **body.validated_data)
        )

    @extend_schema(
        request=MergeSerializer,
        responses=ACTION_RESPONSES,
        summary="Merge this duplicate into another lead",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        lead = self.scoped_object()
        body = MergeSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        return self.answer(
            services.merge_leads(
                duplicate=lead,
                into=body.validated_data["into"],
                user=request.user,
                picks=body.validated_data.get("picks") or {},
            )
        )


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Marketing campaigns; every colleague may read them, marketing and admins write them."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.select_related("owner").order_by("-starts_on", "name")
    filterset_fields = ["source"]
    ordering_fields = ["starts_on", "name", "id"]

    def _check_writer(self):
        user = self.request.user
        if not (user.is_superuser or user.role in {Role.MARKETING, Role.ADMIN, Role.INTEGRATION}):
            raise NotAllowed(_("Only marketing manages campaigns."))

    def get_queryset(self):
        if self.request.user.role == Role.FINANCE:
            return Campaign.objects.none()
        return super().get_queryset()

    def perform_create(self, serializer):
        self._check_writer()
        serializer.save(owner=self.request.user)

    def perform_update(self, serializer):
        self._check_writer()
        serializer.save()


class LeadImportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedViewSet,
):
    """Lead import jobs (CSV or Excel files run by Celery): the caller's own, their teams' for a
    manager, all for an admin; any other is a 404."""

    serializer_class = LeadImportSerializer
    queryset = LeadImport.objects.none()
    default_order = ("-id",)

    def get_parsers(self):
        if getattr(self, "action", None) == "create":
            return [MultiPartParser()]
        return super().get_parsers()

    @extend_schema(
        request={"multipart/form-data": LeadImportUploadSerializer},
        responses={
            201: LeadImportSerializer,
            200: OpenApiResponse(
                LeadImportSerializer, description="The caller already uploaded this file"
            ),
            400: OpenApiResponse(description="The file is refused; the reason names `file`"),
        },
        summary="Upload a lead file: a new import job (201) or the one of the same file (200)",
    )
    def create(self, request, *args, **kwargs):
        body = LeadImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job, created = import_jobs.start_import(
                upload=body.validated_data["file"], by=request.user
            )
        except importing.ImportRefused as exc:
            raise ValidationError({"file": [str(exc.detail)]})
        return Response(
            LeadImportSerializer(job).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        responses=LeadImportRowSerializer(many=True),
        summary="What became of each row of the file, in row order",
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        job = self.get_object()
        queryset = job.rows.only(
            "row", "outcome", "title", "lead_id", "duplicate_of_id", "errors", "job_id"
        ).order_by("row")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(LeadImportRowSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: LeadImportSerializer, 403: FORBIDDEN, 404: OpenApiResponse(), 409: REFUSED},
        summary="Resume a failed or stuck import after its last recorded row",
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        job = import_jobs.resume_import(job=self.get_object(), by=request.user)
        return Response(LeadImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)
