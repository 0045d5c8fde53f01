from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response
from rest_framework.views import APIView

from leads.api.serializers import ActivitySerializer
from leads.models import Lead
from ltc.activity.services import activities_of
from ltc.audit.api.views import FieldHistoryMixin
from ltc.core.api import FORBIDDEN, REFUSED, ScopedViewSet

from .. import services, tracks
from ..filters import OpportunityFilter, ReviewFilter
from ..models import (
    DecisionChainMember,
    GradeChange,
    Opportunity,
    OpportunityTask,
    Process,
    Review,
    Stage,
    StageHistory,
)
from .serializers import (
    ActivityInputSerializer,
    AdvanceSerializer,
    AssessmentSerializer,
    ChecklistSerializer,
    CompetitorSerializer,
    ConversionSerializer,
    ConvertLeadSerializer,
    DecisionChainMemberSerializer,
    DecisionSerializer,
    HistorySerializer,
    LossSerializer,
    NoteSerializer,
    OpportunitySerializer,
    RegradeSerializer,
    ReviewRequestSerializer,
    ReviewSerializer,
    StageSerializer,
    TaskSerializer,
)

INVALID = OpenApiResponse(description="Invalid input")
NOT_VISIBLE = OpenApiResponse(description="Not visible")
ERRORS = {400: INVALID, 403: FORBIDDEN, 404: NOT_VISIBLE, 409: REFUSED}
ACTION_RESPONSES = {200: OpportunitySerializer, **ERRORS}
REVIEW_RESPONSES = {200: ReviewSerializer, **ERRORS}
# Fields a create passes to create_opportunity; the rest of the editable ones follow as an update.
CREATE_FIELDS = {
    "customer",
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "partner",
    "solution_owner",
    "fulfillment_owner",
    "needs",
    "owner",
}


def _for_list(queryset):
    return queryset.for_list().select_related("process")


class LeadConvertView(APIView):
    """``POST leads/<id>/convert/``: here because the leads app never imports opportunities."""

    @extend_schema(
        request=ConvertLeadSerializer,
        responses={201: ConversionSerializer, **ERRORS},
        summary="Convert a validated lead into a customer, a contact and an opportunity",
    )
    def post(self, request, pk: int):
        lead = get_object_or_404(Lead.objects.visible_to(request.user), pk=pk)
        body = ConvertLeadSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        opportunity = services.convert_lead(lead=lead, user=request.user, **body.validated_data)
        answer = {
            "opportunity": opportunity.pk,
            "customer": opportunity.customer_id,
            "lead": lead.pk,
            "grade": opportunity.grade,
            "stage": opportunity.stage.code,
        }
        return Response(ConversionSerializer(answer).data, status=status.HTTP_201_CREATED)


class StageListView(APIView):
    """The stages of a sales process in order, each with its gate."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "process", str, description="Process code (default: the default process)"
            )
        ],
        responses={200: StageSerializer(many=True), 404: NOT_VISIBLE},
        summary="Stages of a sales process with their requirements",
    )
    def get(self, request):
        code = request.query_params.get("process")
        processes = (
            Process.objects.filter(code=code)
            if code
            else Process.objects.filter(is_default=True, for_partner_deals=False)
        )
        process = get_object_or_404(processes.order_by("id")[:1])
        stages = (
            Stage.objects.filter(process=process)
            .select_related("process")
            .prefetch_related("requirements")
            .order_by("order")
        )
        return Response(StageSerializer(stages, many=True).data)


class OpportunityViewSet(
    FieldHistoryMixin,  # GET opportunities/<id>/field-history/
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Opportunities the caller may see. Stage, state and grade change only through the actions."""

    serializer_class = OpportunitySerializer
    actions_of = staticmethod(services.opportunity_actions)
    queryset = Opportunity.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = OpportunityFilter
    ordering_fields = [
        "created_at",
        "expected_close_date",
        "amount",
        "probability",
        "stage_entered_at",
        "name",
        "id",
    ]
    ordering = ["-created_at", "-id"]

    default_order = ("-created_at", "-id")
    object_joins = ("stage", "process", "owner")
    answer_carries = ("sent_back",)  # a gate that sends the deal back says so in the answer

    def related(self, queryset):
        return _for_list(queryset)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        later = {name: data.pop(name) for name in list(data) if name not in CREATE_FIELDS}
        with transaction.atomic():
            opportunity = services.create_opportunity(by=request.user, **data)
            if later:
                opportunity = services.update_opportunity(
                    opportunity=opportunity, by=request.user, **later
                )
        return self.answer(opportunity, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        opportunity = self.scoped_object()
        serializer = self.get_serializer(
            opportunity, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        # A full representation (PUT) repeats the customer and the AR: only a change is refused.
        fields = {
            name: value
            for name, value in serializer.validated_data.items()
            if name in services.EDITABLE_FIELDS or getattr(opportunity, name) != value
        }
        return self.answer(
            services.update_opportunity(opportunity=opportunity, by=request.user, **fields)
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("to_stage", str, description="Stage code (default: the next stage)")
        ],
        responses={200: ChecklistSerializer, 400: INVALID, 404: NOT_VISIBLE},
        summary="What the move to the next (or the given) stage still needs",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def checklist(self, request, pk=None):
        opportunity = self.scoped_object()
        to_stage = request.query_params.get("to_stage") or None
        following = services.next_stage(opportunity)
        answer = {
            "stage": opportunity.stage.code,
            "grade": opportunity.grade,
            "track": str(tracks.track_rule(opportunity.grade)),
            "next_stage": following.code if following else None,
            "to_stage": None,
            "can_jump_to": None,
            "requirements": [],
        }
        # A jump is offered where the service's track rule allows one: C/D, first stage → signing.
        signing = (
            Stage.objects.filter(process_id=opportunity.process_id, is_signing=True)
            .filter(order__gt=following.order if following else opportunity.stage.order)
            .order_by("order")
            .first()
        )
        if opportunity.is_open and signing and not services.track_missing(opportunity, signing):
            answer["can_jump_to"] = signing.code
        if to_stage is None and following is None:
            return Response(ChecklistSerializer(answer).data)
        target, items, missing = services.gate(opportunity, to_stage)
        answer["to_stage"] = target.code
        # What the gate misses beyond the stages' own items is the track (a jump not allowed).
        unmet = {item.code for item in items if not item.met}
        track = [
            {
                "code": m.code,
                "label": m.label,
                "kind": "track",
                "met": False,
                "stage": "",
                "role": "",
            }
            for m in missing
            if m.code not in unmet
        ]
        answer["requirements"] = track + [item.as_dict() for item in items]
        return Response(ChecklistSerializer(answer).data)

    @extend_schema(
        request=AdvanceSerializer,
        responses=ACTION_RESPONSES,
        summary="Move to the next (or, on the fast track, the signing) stage",
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        opportunity = self.scoped_object()
        body = AdvanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to_stage = body.validated_data["to_stage"] or None
        return self.answer(
            services.advance(opportunity=opportunity, user=request.user, to_stage=to_stage)
        )

    @extend_schema(
        responses={200: TaskSerializer(many=True), 404: NOT_VISIBLE}, summary="The deal's tasks"
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def tasks(self, request, pk=None):
        opportunity = self.scoped_object()
        tasks = OpportunityTask.objects.filter(opportunity=opportunity).select_related(
            "assignee", "done_by"
        )
        return Response(TaskSerializer(tasks, many=True).data)

    @extend_schema(
        request=NoteSerializer, responses={200: TaskSerializer, **ERRORS}, summary="Complete a task"
    )
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<code>[\w-]+)/complete")
    def complete_task(self, request, pk=None, code=None):
        opportunity = self.scoped_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.complete_task(
            opportunity=opportunity, code=code, user=request.user, **body.validated_data
        )
        task = OpportunityTask.objects.select_related("assignee", "done_by").get(pk=task.pk)
        return Response(TaskSerializer(task).data)

    @extend_schema(
        methods=["GET"],
        responses={200: ReviewSerializer(many=True), 404: NOT_VISIBLE},
        summary="The deal's decision reviews",
    )
    @extend_schema(
        methods=["POST"],
        request=ReviewRequestSerializer,
        responses={201: ReviewSerializer, **ERRORS},
        summary="Ask for a decision review",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def reviews(self, request, pk=None):
        opportunity = self.scoped_object()
        if request.method == "GET":
            reviews = _reviews().filter(opportunity=opportunity)
            return Response(ReviewSerializer(reviews, many=True).data)
        body = ReviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.request_review(
            opportunity=opportunity, user=request.user, **body.validated_data
        )
        return Response(
            ReviewSerializer(_reviews().get(pk=review.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=LossSerializer,
        responses=ACTION_RESPONSES,
        summary="Lost: the customer chose another",
    )
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        return self._close(request, abandon=False)

    @extend_schema(
        request=LossSerializer, responses=ACTION_RESPONSES, summary="Abandoned: we walked away"
    )
    @action(detail=True, methods=["post"])
    def abandon(self, request, pk=None):
        return self._close(request, abandon=True)

    def _close(self, request, *, abandon: bool) -> Response:
        opportunity = self.scoped_object()
        body = LossSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.close_lost(
                opportunity=opportunity, user=request.user, abandon=abandon, **body.validated_data
            )
        )

    @extend_schema(
        request=None,
        responses=ACTION_RESPONSES,
        summary="Win a partner-led (E) deal; others are won by signing the contract",
    )
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        return self.answer(
            services.win_partner_deal(opportunity=self.scoped_object(), user=request.user)
        )

    @extend_schema(
        request=RegradeSerializer, responses=ACTION_RESPONSES, summary="Raise the grade (a manager)"
    )
    @action(detail=True, methods=["post"])
    def regrade(self, request, pk=None):
        opportunity = self.scoped_object()
        body = RegradeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.regrade(opportunity=opportunity, user=request.user, **body.validated_data)
        )

    @extend_schema(
        methods=["GET"],
        responses={200: DecisionChainMemberSerializer(many=True), 404: NOT_VISIBLE},
        summary="The customer's people on the deal",
    )
    @extend_schema(
        methods=["POST"],
        request=DecisionChainMemberSerializer,
        responses={201: DecisionChainMemberSerializer, **ERRORS},
        summary="Add (or update) a contact on the decision chain",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="decision-chain",
        pagination_class=None,
        filter_backends=[],
    )
    def decision_chain(self, request, pk=None):
        opportunity = self.scoped_object()
        if request.method == "GET":
            members = DecisionChainMember.objects.filter(opportunity=opportunity).select_related(
                "contact"
            )
            return Response(DecisionChainMemberSerializer(members, many=True).data)
        body = DecisionChainMemberSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        member = services.add_decision_maker(
            opportunity=opportunity, user=request.user, **body.validated_data
        )
        return Response(DecisionChainMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: CompetitorSerializer(many=True), 404: NOT_VISIBLE},
        summary="The competitors on the deal",
    )
    @extend_schema(
        methods=["POST"],
        request=CompetitorSerializer,
        responses={201: CompetitorSerializer, **ERRORS},
        summary="Record (or update) a competitor",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def competitors(self, request, pk=None):
        opportunity = self.scoped_object()
        if request.method == "GET":
            return Response(CompetitorSerializer(opportunity.competitors.all(), many=True).data)
        body = CompetitorSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        competitor = services.add_competitor(
            opportunity=opportunity, user=request.user, **body.validated_data
        )
        return Response(CompetitorSerializer(competitor).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: ActivitySerializer(many=True), 404: NOT_VISIBLE},
        summary="Calls, e-mails, visits and meetings on the deal",
    )
    @extend_schema(
        methods=["POST"],
        request=ActivityInputSerializer,
        responses={201: ActivitySerializer, **ERRORS},
        summary="Log an activity (a visit or meeting resets the cadence)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def activities(self, request, pk=None):
        opportunity = self.scoped_object()
        if request.method == "GET":
            return Response(ActivitySerializer(activities_of(opportunity)[:200], many=True).data)
        body = ActivityInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activity = services.log_activity(
            opportunity=opportunity, user=request.user, **body.validated_data
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: HistorySerializer, 404: NOT_VISIBLE}, summary="Stage and grade history"
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        opportunity = self.scoped_object()
        stages = StageHistory.objects.filter(opportunity=opportunity).select_related(
            "stage", "entered_by"
        )
        grades = GradeChange.objects.filter(opportunity=opportunity).select_related("by")
        return Response(HistorySerializer({"stages": stages, "grades": grades}).data)


def _reviews(queryset=None):
    queryset = Review.objects.all() if queryset is None else queryset
    return queryset.select_related("opportunity", "requested_by", "decided_by")


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reviews of the deals the caller may see; ``?to_decide=true``: those waiting for them."""

    serializer_class = ReviewSerializer
    actions_of = staticmethod(services.review_actions)
    queryset = Review.objects.none()  # the schema's model; requests use get_queryset
    filterset_class = ReviewFilter
    ordering_fields = ["requested_at", "decided_at", "id"]
    ordering = ["-requested_at", "-id"]

    default_order = ("-requested_at", "-id")

    def related(self, queryset):
        return _reviews(queryset)

    @extend_schema(
        request=AssessmentSerializer,
        responses=REVIEW_RESPONSES,
        summary="Write the caller's assessment (AR, SR or FR)",
    )
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        review = self.scoped_object()
        body = AssessmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.assess_review(review=review, user=request.user, **body.validated_data)
        )

    @extend_schema(
        request=DecisionSerializer, responses=REVIEW_RESPONSES, summary="Approve (a manager)"
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(
        request=DecisionSerializer,
        responses=REVIEW_RESPONSES,
        summary="Reject with a reason (a manager)",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    def _decide(self, request, *, approve: bool) -> Response:
        review = self.scoped_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.answer(
            services.decide_review(
                review=review, user=request.user, approve=approve, **body.validated_data
            )
        )
