from rest_framework import mixins, viewsets

from .. import services
from ..models import Contact, Customer
from .serializers import ContactSerializer, CustomerSerializer


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # the schema's model; requests use get_queryset
    filterset_fields = ["owner", "team", "industry", "region"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            Customer.objects.visible_to(self.request.user)
            .select_related("owner")
            .order_by("name", "id")
        )

    def perform_create(self, serializer):
        serializer.instance = services.create_customer(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_customer(
            customer=serializer.instance, by=self.request.user, **serializer.validated_data
        )


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()  # the schema's model; requests use get_queryset
    filterset_fields = ["customer"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Contact.objects.visible_to(self.request.user).order_by("name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.save_contact(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_contact(
            by=self.request.user, contact=serializer.instance, **serializer.validated_data
        )
