"""REST plumbing shared by every app: the error shape, pagination, the scoped viewset and small
view helpers."""

from __future__ import annotations

from functools import cache

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_fsm import TransitionNotAllowed
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .api_defaults import Pagination  # noqa: F401  (re-exported: its old home)
from .errors import DomainError, InvalidInput


def exception_handler(exc, context):
    """Domain errors become 400/403/409 with ``detail`` and ``missing``; nothing becomes a 500."""
    if isinstance(exc, InvalidInput):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": str(exc), "missing": []}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "forbidden"}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Http404):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


RefusalSerializer = inline_serializer(
    name="Refusal",
    fields={
        "detail": serializers.CharField(),
        "missing": serializers.ListField(
            child=inline_serializer(
                name="MissingItem",
                fields={"code": serializers.CharField(), "label": serializers.CharField()},
            )
        ),
    },
)

ActionStateSerializer = inline_serializer(
    name="ActionState",
    fields={
        "allowed": serializers.BooleanField(),
        "refused": serializers.CharField(allow_null=True),
        "missing": serializers.ListField(
            child=inline_serializer(
                name="ActionMissingItem",
                fields={"code": serializers.CharField(), "label": serializers.CharField()},
            )
        ),
    },
)


@extend_schema_field(serializers.DictField(child=ActionStateSerializer))
class ActionsField(serializers.Field):
    """What the caller may do with the record now, by action name: the answer of its aggregate's
    one ``*_actions(user, record)`` rule (ltc/core/actions.py), the same the pages draw their
    buttons from. ``allowed``; else ``refused`` (why this caller may not: the action's 403) or
    ``missing`` (every item the record lacks: its 409)."""

    def __init__(self, actions_of, **kwargs):
        self.actions_of = actions_of
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        user = self.context["request"].user
        return {name: act.as_dict() for name, act in self.actions_of(user, value).items()}


@cache
def with_actions(serializer_class, actions_of):
    """``serializer_class`` answering one record with its ``actions`` (:class:`ActionsField`)."""
    meta = type("Meta", (serializer_class.Meta,), {})
    meta.fields = [*serializer_class.Meta.fields, "actions"]
    if isinstance(getattr(meta, "read_only_fields", None), (list, tuple)):
        meta.read_only_fields = [*meta.read_only_fields, "actions"]
    attrs = {"actions": ActionsField(actions_of), "Meta": meta, "__module__": __name__}
    name = serializer_class.__name__.removesuffix("Serializer") + "WithActionsSerializer"
    return type(name, (serializer_class,), attrs)


REFUSED = OpenApiResponse(RefusalSerializer, description="Transition refused: every unmet item.")
FORBIDDEN = OpenApiResponse(RefusalSerializer, description="Not allowed for this user.")


EXTERNAL_ID_PATH = r"by-external-id/(?P<external_id>[^/]{1,100})"


def external_id_parameter(
    description: str = "The id of the record in the calling system (ERP), 1 to 100 characters.",
) -> OpenApiParameter:
    """The ``external_id`` path parameter of a ``by-external-id/<id>/`` action, for the schema."""
    return OpenApiParameter("external_id", str, OpenApiParameter.PATH, description=description)


# The actions on the collection that answer one record (a detail route answers one already).
ONE_RECORD_ANSWERS = {"create", "by_external_id"}


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset over one model's ``visible_to(user)``: lists, details and actions see only what
    the caller sees (invisible is 404). A subclass states what is particular to it:

    - ``queryset = Model.objects.none()``: the schema's model (the schema is built without a
      user, so it never reaches ``visible_to``);
    - ``related(queryset)``: the joins and prefetches its serializer needs;
    - ``default_order``: the order of ``get_queryset`` (none when empty);
    - ``answer_serializer_class``: what an action answers (``serializer_class`` by default);
    - ``object_joins``: the relations an action's record is read with (its service reads them);
    - ``answer_carries``: attributes the service set on its row that the answer keeps;
    - ``actions_of``: the aggregate's ``*_actions(user, record)`` rule; one record's answer (its
      detail, an update, every action's answer) then carries ``actions`` (:class:`ActionsField`),
      a list's rows do not (one rule per row would be a query per row);
    - ``upsert`` (a service ``(external_id=, by=, **fields) → (row, created)``) or
      ``upsert_by_external_id`` for the ``by-external-id/<id>/`` action
      (:func:`by_external_id_action`).
    """

    default_order: tuple[str, ...] = ()
    answer_serializer_class = None
    external_id_serializer_class = None  # the PUT body of by-external-id (the viewset's by default)
    upsert = None
    object_joins: tuple[str, ...] = ()
    answer_carries: tuple[str, ...] = ()
    actions_of = None  # staticmethod(the aggregate's rule): one record's answers carry its actions

    # Scope ------------------------------------------------------------------------------------
    def visible(self):
        """What the caller sees: the one scoping rule of the model."""
        return self.queryset.model.objects.visible_to(self.request.user)

    def related(self, queryset):
        return queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a user
            return self.queryset
        queryset = self.related(self.visible())
        return queryset.order_by(*self.default_order) if self.default_order else queryset

    def scoped_object(self, queryset=None):
        """The record of the URL among those the caller sees (``queryset``: a wider scope some
        action allows), 404 otherwise, with ``object_joins``: what an action hands to its
        service."""
        queryset = self.visible() if queryset is None else queryset
        if self.object_joins:
            queryset = queryset.select_related(*self.object_joins)
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    # Answers ----------------------------------------------------------------------------------
    def one_record(self, serializer_class):
        """``serializer_class`` for one record of this viewset's model: with its ``actions``
        when the viewset has a rule (``actions_of``)."""
        rule = type(self).actions_of
        meta = getattr(serializer_class, "Meta", None)
        if rule is None or getattr(meta, "model", None) is not self.queryset.model:
            return serializer_class
        return with_actions(serializer_class, rule)

    def get_serializer(self, *args, **kwargs):
        one = getattr(self, "detail", False) or self.action in ONE_RECORD_ANSWERS
        if kwargs.get("many") or not one:  # a list's rows (and its schema) carry no actions
            return super().get_serializer(*args, **kwargs)
        kwargs.setdefault("context", self.get_serializer_context())
        return self.one_record(self.get_serializer_class())(*args, **kwargs)

    def answer(self, row, code=status.HTTP_200_OK) -> Response:
        """The answer after an action: the record read again (the service may have changed it
        and its related rows) with the joins its serializer needs. The caller saw it a moment
        ago; an action that moves it out of the caller's scope still answers its new state."""
        fresh = self.related(self.queryset.model.objects.all()).get(pk=row.pk)
        for name in self.answer_carries:
            setattr(fresh, name, getattr(row, name, None))
        serializer_class = self.one_record(self.answer_serializer_class or self.serializer_class)
        context = self.get_serializer_context()
        return Response(serializer_class(fresh, context=context).data, status=code)

    def answer_by_external_id(self, request, external_id):
        """``GET``: the visible record the calling system knows by this id; ``PUT``: its
        upsert, 201 when created, 200 otherwise."""
        if request.method == "GET":
            row = get_object_or_404(self.get_queryset(), external_id=external_id)
            return Response(self.get_serializer(row).data)
        body_class = self.external_id_serializer_class or self.get_serializer_class()
        body = body_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        row, created = self.upsert_by_external_id(external_id, body.validated_data)
        return self.answer(row, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def upsert_by_external_id(self, external_id: str, data: dict):
        return type(self).upsert(external_id=external_id, by=self.request.user, **data)


def by_external_id_action(*schemas, methods=("get", "put")):
    """The ``<resource>/by-external-id/<id>/`` action of a :class:`ScopedViewSet`, with its
    ``extend_schema`` decorators (listed top to bottom, as they would be written over it)."""

    def by_external_id(self, request, external_id=None):
        return self.answer_by_external_id(request, external_id)

    view = action(
        detail=False,
        methods=list(methods),
        url_path=EXTERNAL_ID_PATH,
        filter_backends=[],
        pagination_class=None,
    )(by_external_id)
    for schema in reversed(schemas):
        view = schema(view)
    return view
