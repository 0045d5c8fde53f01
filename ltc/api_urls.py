"""``/api/v1/``: every app's REST resources, token auth, and the users the caller may see."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from ltc.activity.api.views import PlannedActivityViewSet
from ltc.customers.api.views import ContactViewSet, CustomerViewSet
from ltc.org.api.views import UserViewSet
from ltc.security.views import UserTokenViewSet, obtain_user_token

router = DefaultRouter(trailing_slash=True)
router.register("users", UserViewSet, basename="user")
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("auth/tokens", UserTokenViewSet, basename="user-token")
router.register("planned-activities", PlannedActivityViewSet, basename="planned-activity")

urlpatterns = [
    path("auth/token/", obtain_user_token, name="api-token"),
    path("", include("opportunities.api.urls")),  # first: it routes leads/<id>/convert/
    path("", include("leads.api.urls")),
    path("", include("products.api.urls")),
    path("", include("tenders.api.urls")),
    path("", include("contracts.api.urls")),
    path("", include("delivery.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("dashboards.api")),
    path("", include("ltc.audit.api.urls")),
    path("", include("ltc.attachments.api.urls")),
    path("", include("partners.api.urls")),
    path("", include(router.urls)),
]
